/*
 * jsonfloor - the floor of a stage that reads NDJSON with jansson: each
 * line of FILE (or standard input) parsed with bare json_loadb, as mdx's
 * reader calls it (JSON_REJECT_DUPLICATES), and freed with json_decref;
 * nothing else.  Prints the lines and the bad ones.  bench/pipeline.sh
 * times it beside mdx-transform and mdx-load on the same lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int
main(int argc, char **argv)
{
	FILE *fp = argc > 1 ? fopen(argv[1], "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lines = 0, bad = 0;

	if (fp == NULL) {
		perror(argv[1]);
		return 66;
	}
	while ((n = getline(&line, &cap, fp)) > 0) {
		json_error_t je;
		json_t *v;

		if (line[n - 1] == '\n')
			n--;
		lines++;
		if ((v = json_loadb(line, (size_t)n, JSON_REJECT_DUPLICATES,
				    &je)) == NULL)
			bad++;
		json_decref(v);
	}
	free(line);
	if (fp != stdin)
		fclose(fp);
	printf("%ld lines, %ld bad\n", lines, bad);
	return 0;
}
