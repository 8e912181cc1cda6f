/*
 * t.h - a minimal unit-test harness: each test file is a program whose
 * main() calls T_RUN(fn) for its cases and returns t_done().  A failed
 * check prints file:line and the expression; t_done() prints
 * "N passed, N failed" and returns non-zero when anything failed.
 */
#ifndef T_H
#define T_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int t_pass, t_fail, t_case_failed;
static const char *t_case;

#define T_FAILMSG(...)                                                         \
	do {                                                                   \
		fprintf(stderr, "FAIL %s: %s:%d: ", t_case, __FILE__,          \
			__LINE__);                                             \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		t_case_failed = 1;                                             \
	} while (0)

#define T_OK(expr)                                                             \
	do {                                                                   \
		if (!(expr))                                                   \
			T_FAILMSG("%s", #expr);                                \
	} while (0)

#define T_EQ_INT(a, b)                                                         \
	do {                                                                   \
		long long t_a = (long long)(a), t_b = (long long)(b);          \
		if (t_a != t_b)                                                \
			T_FAILMSG("%s == %s: %lld != %lld", #a, #b, t_a, t_b); \
	} while (0)

#define T_EQ_STR(a, b)                                                         \
	do {                                                                   \
		const char *t_a = (a), *t_b = (b);                             \
		if (t_a == NULL || t_b == NULL || strcmp(t_a, t_b) != 0)       \
			T_FAILMSG("%s == %s: \"%s\" != \"%s\"", #a, #b,        \
				  t_a ? t_a : "(null)", t_b ? t_b : "(null)"); \
	} while (0)

/* a and b equal to a relative tolerance rel (absolute near zero) */
#define T_NEAR(a, b, rel)                                                      \
	do {                                                                   \
		double t_a = (a), t_b = (b);                                   \
		double t_m = fabs(t_b) > 1 ? fabs(t_b) : 1;                    \
		if (!(fabs(t_a - t_b) <= (rel)*t_m))                           \
			T_FAILMSG("%s ~ %s: %.17g != %.17g", #a, #b, t_a,      \
				  t_b);                                        \
	} while (0)

#define T_RUN(fn)                                                              \
	do {                                                                   \
		t_case = #fn;                                                  \
		t_case_failed = 0;                                             \
		fn();                                                          \
		if (t_case_failed)                                             \
			t_fail++;                                              \
		else                                                           \
			t_pass++;                                              \
	} while (0)

static int
t_done(void)
{
	printf("%d passed, %d failed\n", t_pass, t_fail);
	return t_fail != 0;
}

#endif
