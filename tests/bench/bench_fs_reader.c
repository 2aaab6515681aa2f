/*
 * bench_fs_reader.c - the timing loops of bench_fs.sh, in C so that the
 * figures measure the filesystem rather than an interpreter.
 *
 *   bench_fs_reader read PATH SECONDS
 *       open, read to the end, close PATH in a loop for SECONDS;
 *       prints "ops_per_s N".
 *   bench_fs_reader submit UNITDIR SOURCE COUNT
 *       COUNT times: write SOURCE to UNITDIR/submit (O_RDWR, read back
 *       the HID), then open, read and close UNITDIR/wait; prints the
 *       median and 90th percentile of one round, "median_ms X p90_ms Y".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Read path whole; -1 on error. */
static long read_all(const char *path)
{
	char buf[65536];
	long total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof buf)) > 0)
		total += n;
	close(fd);
	return n < 0 ? -1 : total;
}

static int bench_read(const char *path, double seconds)
{
	double start = now_s(), end = start + seconds, t;
	long ops = 0;

	do {
		if (read_all(path) < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 1;
		}
		ops++;
		t = now_s();
	} while (t < end);
	printf("ops_per_s %.0f\n", (double)ops / (t - start));
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int bench_submit(const char *unit, const char *source, int count)
{
	char submit[4096], wait[4096], src[1 << 16], hid[64];
	double *ms = calloc((size_t)count, sizeof *ms), t;
	ssize_t len;
	int fd, i;

	fd = open(source, O_RDONLY);
	if (ms == NULL || fd < 0)
		return 1;
	len = read(fd, src, sizeof src);
	close(fd);
	if (len <= 0)
		return 1;
	snprintf(submit, sizeof submit, "%s/submit", unit);
	snprintf(wait, sizeof wait, "%s/wait", unit);
	for (i = 0; i < count; i++) {
		t = now_s();
		fd = open(submit, O_RDWR);
		if (fd < 0 || write(fd, src, (size_t)len) != len ||
		    read(fd, hid, sizeof hid) <= 0 || close(fd) != 0) {
			fprintf(stderr, "submit: %s\n", strerror(errno));
			return 1;
		}
		if (read_all(wait) <= 0) {
			fprintf(stderr, "wait: %s\n", strerror(errno));
			return 1;
		}
		ms[i] = (now_s() - t) * 1000.0;
	}
	qsort(ms, (size_t)count, sizeof *ms, cmp_double);
	printf("median_ms %.3f p90_ms %.3f\n", ms[count / 2],
	    ms[count * 9 / 10]);
	free(ms);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "read") == 0)
		return bench_read(argv[2], atof(argv[3]));
	if (argc == 5 && strcmp(argv[1], "submit") == 0 && atoi(argv[4]) > 0)
		return bench_submit(argv[2], argv[3], atoi(argv[4]));
	fprintf(stderr, "usage: %s read PATH SECONDS | "
	    "submit UNITDIR SOURCE COUNT\n", argv[0]);
	return 2;
}
