/*
 * bench_rollout.c - figures of rollouts (not pass/fail; SPEC.md section 9,
 * "hot swap under load"):
 *
 *   swap    from the start of the ctl write ("activate 1.0.1", then
 *           "rollback", alternating) to the end of the first call served
 *           by the new version, while one other thread keeps calling:
 *           median and 90th percentile of SWAPS swaps (bar: median under
 *           1 ms);
 *   calls   calls per second from one thread for SECONDS: median of 3 runs.
 *
 * Two ways in:
 *   bench_rollout engine [SWAPS] [SECONDS]
 *       through libnoodle (nd_ctl, nd_call and nd_call_text) on a fresh
 *       state folder under $TMPDIR or /tmp (removed after);
 *   bench_rollout mount UNITDIR [SWAPS] [SECONDS]
 *       through a mounted unit folder (ctl, call: open, write, read,
 *       close per call) whose versions 1.0.0 (active) and 1.0.1 exist and
 *       answer f() with different versions; bench_rollout.sh sets it up.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nd_internal.h"

static nd_engine *eng;          /* engine mode */
static const char *unitdir;     /* mount mode */
static int stop_load;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (0..1) of v, sorting it. */
static double quantile(double *v, int n, double q)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return v[(int)(q * (n - 1) + 0.5)];
}

static void die(const char *what, const char *msg)
{
	fprintf(stderr, "bench_rollout: %s: %s\n", what, msg);
	exit(2);
}

/* The "version" field of a call reply. */
static void version_of(const char *json, char ver[32])
{
	const char *p = strstr(json, "\"version\":\"");
	size_t n;

	if (!p)
		die("call", "no version in the reply");
	p += 11;
	n = strcspn(p, "\"");
	if (n >= 32)
		die("call", "version too long");
	memcpy(ver, p, n);
	ver[n] = '\0';
}

/* One call of f(); the version that served it into ver.  Through the
 * engine (text: nd_call_text) or through UNITDIR/call. */
static void call_once(bool text, char ver[32])
{
	nd_err err = { 0, "" };
	char *json = NULL, buf[512], path[4096];
	nbc_result res;
	ssize_t n = 0;
	int fd;

	if (eng && !text) {
		if (nd_call(eng, "svc", "f", NULL, 0, &res, ver, &err))
			die("nd_call", err.msg);
		nbc_result_free(&res);
	} else if (eng) {
		if (nd_call_text(eng, "svc", "f()", 3, &json, &err))
			die("nd_call_text", err.msg);
		version_of(json, ver);
		free(json);
	} else {
		snprintf(path, sizeof(path), "%s/call", unitdir);
		fd = open(path, O_RDWR);
		if (fd < 0 || write(fd, "f()\n", 4) != 4 ||
		    (n = read(fd, buf, sizeof(buf) - 1)) <= 0)
			die(path, "call failed");
		close(fd);
		buf[n] = '\0';
		version_of(buf, ver);
	}
}

static void ctl(const char *cmd)
{
	nd_err err = { 0, "" };

	if (eng) {
		if (nd_ctl(eng, "svc", cmd, strlen(cmd), getuid(), &err))
			die(cmd, err.msg);
	} else {
		char path[4096];
		int fd;

		snprintf(path, sizeof(path), "%s/ctl", unitdir);
		fd = open(path, O_WRONLY);
		if (fd < 0 || write(fd, cmd, strlen(cmd)) != (ssize_t)strlen(cmd))
			die(cmd, "ctl write failed");
		close(fd);
	}
}

static void *load(void *arg)
{
	char ver[32];

	while (!__atomic_load_n(&stop_load, __ATOMIC_ACQUIRE))
		call_once(false, ver);
	return NULL;
}

static void bench_swaps(int swaps)
{
	double *lat = calloc((size_t)swaps, sizeof(double));
	double *lctl = calloc((size_t)swaps, sizeof(double));
	pthread_t th;
	char ver[32];
	int i;

	pthread_create(&th, NULL, load, NULL);
	for (i = 0; i < swaps; i++) {
		const char *want = i % 2 ? "1.0.0" : "1.0.1";
		double t0 = now_s();

		ctl(i % 2 ? "rollback\n" : "activate 1.0.1\n");
		lctl[i] = now_s() - t0;
		do
			call_once(false, ver);
		while (strcmp(ver, want));
		lat[i] = now_s() - t0;
	}
	__atomic_store_n(&stop_load, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	printf("swap (ctl write to first call on the new version, 1 caller "
	    "running): median %.3f ms, p90 %.3f ms over %d swaps "
	    "(bar: median under 1 ms)\n", quantile(lat, swaps, 0.5) * 1e3,
	    quantile(lat, swaps, 0.9) * 1e3, swaps);
	printf("  of which the ctl write itself (durable commit): median "
	    "%.3f ms\n", quantile(lctl, swaps, 0.5) * 1e3);
	free(lat);
	free(lctl);
}

static void bench_calls(const char *name, bool text, double secs)
{
	double rate[3];
	char ver[32];
	int r;

	for (r = 0; r < 3; r++) {
		double t0 = now_s(), t;
		long n = 0;

		do {
			call_once(text, ver);
			n++;
		} while ((t = now_s() - t0) < secs);
		rate[r] = (double)n / t;
	}
	printf("calls through %s: median %.0f calls/s (3 runs of %.1f s, "
	    "one thread)\n", name, quantile(rate, 3, 0.5), secs);
}

static void engine_setup(char *dir)
{
	static const char *src[2] = {
		"__version__ = \"1.0.0\"\ndef f():\n    return 1\n",
		"__version__ = \"1.0.1\"\ndef f():\n    return 2\n",
	};
	nd_config cfg = { .state_dir = dir, .workers = 1 };
	nd_err err = { 0, "" };
	uint64_t hid;
	int i;

	if (nd_engine_open(&cfg, &eng, &err) ||
	    nd_unit_create(eng, "svc", getuid(), &err))
		die(dir, err.msg);
	for (i = 0; i < 2; i++)
		if (nd_submit(eng, "svc", src[i], strlen(src[i]), getuid(),
		    &hid, &err) || nd_wait_idle(eng, "svc", 20000, NULL, NULL,
		    &hid, &err))
			die("submit", err.msg);
	ctl("activate 1.0.0\n");
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");
	char dir[4096];
	int swaps, a = 2;
	double secs;

	if (argc >= 2 && !strcmp(argv[1], "engine")) {
		snprintf(dir, sizeof(dir), "%s/nd_bench_rollout_XXXXXX",
		    tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir))
			die(dir, "mkdtemp failed");
		engine_setup(dir);
	} else if (argc >= 3 && !strcmp(argv[1], "mount")) {
		unitdir = argv[2];
		a = 3;
	} else {
		fprintf(stderr, "usage: bench_rollout engine [SWAPS] [SECONDS]\n"
		    "       bench_rollout mount UNITDIR [SWAPS] [SECONDS]\n");
		return 2;
	}
	swaps = argc > a ? atoi(argv[a]) : 1000;
	secs = argc > a + 1 ? atof(argv[a + 1]) : 2;
	if (swaps < 2 || secs <= 0) {
		fprintf(stderr, "bench_rollout: SWAPS >= 2, SECONDS > 0\n");
		return 2;
	}
	printf("%s\n", eng ? "through the engine (nd_ctl, nd_call)" :
	    "through the mount (ctl and call files)");
	bench_swaps(swaps);
	if (eng) {
		bench_calls("nd_call", false, secs);
		bench_calls("nd_call_text", true, secs);
		nd_engine_close(eng);
		nd_rmtree(dir);
	} else {
		bench_calls("the call file (open, write, read, close)", false,
		    secs);
	}
	return 0;
}
