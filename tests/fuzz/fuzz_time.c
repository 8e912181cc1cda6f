/*
 * fuzz_time.c - libFuzzer harness of lib/time.c: dates, RFC 3339 instants
 * and the zone conversion.  Properties checked beyond "no crash, no
 * undefined behaviour": every instant that parses is written back by
 * mdx_rfc3339_format to text that parses to the same instant (never a
 * clamped year), and every date that parses formats to the same text;
 * a duration (--every) that parses is within 0 ms to 30 days, and an
 * interval name that parses is named by text that parses to it again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mdx_err.h"
#include "mdx_record.h"
#include "mdx_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const zones[] = {"America/New_York", "Asia/Tokyo",
					    "Pacific/Kiritimati", "UTC",
					    "America/Santiago"};
	char s[128], buf[MDX_RFC3339_LEN], date[MDX_DATE_LEN];
	int64_t ms, ms2;
	int32_t day;
	int is_date, sec, iv;
	long off;
	struct mdx_err e;

	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (mdx_date_parse(s, &day, NULL) == 0) {
		if (strcmp(mdx_date_format(day, date), s) != 0)
			abort(); /* a date that does not come back */
	}
	if (mdx_rfc3339_parse(s, &ms, NULL) == 0) {
		mdx_rfc3339_format(ms, buf);
		if (mdx_rfc3339_parse(buf, &ms2, NULL) != 0 || ms2 != ms)
			abort(); /* written back as another instant */
		for (size_t i = 0; i < sizeof(zones) / sizeof(*zones); i++)
			if (mdx_tz_utc_to_local(zones[i], ms, &day, &sec, &off,
						NULL) == 0) {
				if (day < MDX_DAY_MIN || day > MDX_DAY_MAX ||
				    sec < 0 || sec > 86399)
					abort();
				mdx_tz_day_start(zones[i], day, &ms2, NULL);
			}
	}
	if (mdx_when_parse(s, &ms, &is_date, NULL) == 0 && is_date &&
	    ms % MDX_MS_PER_DAY != 0)
		abort();
	if (mdx_duration_parse(s, &ms, &e) == 0 &&
	    (ms < 0 || ms > 30LL * MDX_MS_PER_DAY))
		abort(); /* a duration past what it promises */
	if ((iv = mdx_interval_parse(s)) >= 0 &&
	    (mdx_interval_name(iv) == NULL ||
	     mdx_interval_parse(mdx_interval_name(iv)) != iv))
		abort(); /* an interval that is not named back */
	/* a number as a provider would give it */
	if (size == sizeof(double)) {
		double d;

		memcpy(&d, data, sizeof(d));
		if (mdx_ms_from_secs(d, &ms) == 0 &&
		    (ms < MDX_MS_MIN || ms > MDX_MS_MAX))
			abort();
		if (mdx_ms_from_double(d, &ms) == 0 &&
		    (ms < MDX_MS_MIN || ms > MDX_MS_MAX))
			abort();
	}
	return 0;
}
