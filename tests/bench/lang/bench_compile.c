/*
 * bench_compile.c - compile+verify time of one Noodle unit (the first part
 * of gate work: ncc_compile, then nbc_verify of the blob it gives).
 *
 *   bench_compile FILE [RUNS]
 *
 * Runs both RUNS times (default 301, after 20 warm-up runs) and prints the
 * median, the 10th and the 90th percentile, in microseconds of CPU time.
 * Not a test: it reports, it never fails on a timing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nbc.h"
#include "ncc.h"

/* CPU time of this thread: what the work costs, whatever else runs on the
 * machine. */
static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One compile+verify; -1 if the unit does not compile or verify. */
static int once(const char *src, size_t len)
{
	ncc_result res;
	nbc_error err;
	int rc = -1;

	if (ncc_compile(src, len, &res) == 0 && res.ok &&
	    nbc_verify(res.blob, res.blob_len, &err) == 0)
		rc = 0;
	ncc_result_free(&res);
	return rc;
}

int main(int argc, char **argv)
{
	FILE *f;
	char *src;
	long len;
	int runs = argc > 2 ? atoi(argv[2]) : 301;
	double *t;

	if (argc < 2 || runs < 1) {
		fprintf(stderr, "usage: bench_compile FILE [RUNS]\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0) {
		perror(argv[1]);
		return 2;
	}
	rewind(f);
	src = malloc((size_t)len + 1);
	t = calloc((size_t)runs, sizeof(*t));
	if (src == NULL || t == NULL ||
	    fread(src, 1, (size_t)len, f) != (size_t)len) {
		perror(argv[1]);
		return 2;
	}
	fclose(f);
	if (once(src, (size_t)len) != 0) {
		fprintf(stderr, "%s: does not compile and verify\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < 20; i++)
		once(src, (size_t)len);
	for (int i = 0; i < runs; i++) {
		double t0 = now_us();

		once(src, (size_t)len);
		t[i] = now_us() - t0;
	}
	qsort(t, (size_t)runs, sizeof(*t), cmp_double);
	printf("compile+verify %s (%ld bytes): median %.1f us, p10 %.1f us, "
	    "p90 %.1f us, %d runs\n", argv[1], len, t[runs / 2],
	    t[runs / 10], t[runs * 9 / 10], runs);
	free(t);
	free(src);
	return 0;
}
