/*
 * bench_engine.c - figures of the update engine (not pass/fail):
 *
 *   gates     all six gates on a 1,000-line unit, median of 50 runs
 *   submit    1,000 submissions from 20 threads into 100 units, through
 *             the engine (submit, validate, persist): validations/s
 *   units     1,000 units with one loaded version each: process RSS
 *   swap      ctl "activate"/"rollback" to the first call served by the
 *             new version: median of 500 swaps
 *   deploy    ctl "activate" of a version never active before (its handle
 *             and the old one's change state too): median of 100
 *   calls     calls/s through nd_call (one thread, a small function)
 *
 * Usage: bench_engine [STATE_PARENT [PART...]]
 *   STATE_PARENT default /tmp (folders removed after); PARTs (disk gates
 *   units submit swap deploy; "swap" includes calls) default to all.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nd_internal.h"

static const char *parent = "/tmp";

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

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void rmtree(const char *path)
{
	nd_rmtree(path);
}

static char *mkstate(void)
{
	char *d;

	if (asprintf(&d, "%s/nd_bench_XXXXXX", parent) < 0 || !mkdtemp(d)) {
		perror("mkdtemp");
		exit(2);
	}
	return d;
}

static nd_engine *open_engine(const char *dir, int workers)
{
	nd_config cfg = { 0 };
	nd_engine *e;
	nd_err err = { 0, "" };

	cfg.state_dir = dir;
	cfg.workers = workers;
	if (nd_engine_open(&cfg, &e, &err)) {
		fprintf(stderr, "open: %s\n", err.msg);
		exit(2);
	}
	return e;
}

static long rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib;
}

/* A unit of about 1,000 lines: public functions of 11 lines and a
 * self-test. */
static char *big_unit(size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *s = malloc(cap);
	int i, lines = 0;

	for (i = 0; lines < 1000; i++) {
		n += (size_t)snprintf(s + n, cap - n,
		    "def f%d(a: int, b: int = 2) -> int:\n"
		    "    \"\"\"Function %d.\"\"\"\n"
		    "    total = 0\n"
		    "    for i in range(a):\n"
		    "        if i %% 3 == 0:\n"
		    "            total += i * b\n"
		    "        else:\n"
		    "            total -= 1\n"
		    "    items = [total, a, b]\n"
		    "    return sum(items) + len('x%d')\n\n", i, i, i);
		lines += 11;
		if (cap - n < 512)
			s = realloc(s, cap *= 2);
	}
	n += (size_t)snprintf(s + n, cap - n, "def test_f0():\n"
	    "    assert f0(3) == f0(3)\n");
	*len = n;
	return s;
}

static void bench_gates(void)
{
	size_t len;
	char *src = big_unit(&len);
	nd_vctx ctx;
	double t[50], med;
	int i, lines = 0;
	size_t k;

	for (k = 0; k < len; k++)
		lines += src[k] == '\n';
	memset(&ctx, 0, sizeof(ctx));
	ctx.unit = "bench";
	nd_policy_default(&ctx.pol);
	ctx.rt = nbc_runtime_new();
	for (i = 0; i < 50; i++) {
		nd_vresult r;
		double t0 = now_s();

		nd_validate(&ctx, src, len, &r);
		t[i] = (now_s() - t0) * 1e3;
		if (!r.passed) {
			char *j = cJSON_PrintUnformatted(r.validation);

			fprintf(stderr, "validation failed: %.400s\n", j);
			exit(2);
		}
		nbc_unload_module(ctx.rt, r.modid);
		nd_vresult_free(&r);
	}
	med = median(t, 50);       /* sorts t */
	printf("gates: all six gates on a %d-line unit: median %.3f ms "
	    "(min %.3f, max %.3f; bar < 2 ms)\n", lines, med, t[0], t[49]);
	nbc_runtime_free(ctx.rt);
	free(src);
}

static nd_engine *be;

static void *submitter(void *arg)
{
	int t = (int)(intptr_t)arg, i;

	for (i = 0; i < 50; i++) {
		int k = t * 50 + i;
		char unit[16], src[128];
		nd_err err = { 0, "" };
		uint64_t hid;

		snprintf(unit, sizeof(unit), "u%d", k % 100);
		snprintf(src, sizeof(src), "def f(x):\n    return x + %d\n", k);
		while (nd_submit(be, unit, src, strlen(src), getuid(), &hid,
		    &err) == EAGAIN)
			usleep(1000);
	}
	return NULL;
}

static void bench_submit(void)
{
	char *d = mkstate();
	pthread_t th[20];
	nd_err err = { 0, "" };
	double t0, t1;
	int i, failed = 0;
	uint64_t *hids;
	size_t n, k;

	be = open_engine(d, 2);
	for (i = 0; i < 100; i++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "u%d", i);
		nd_unit_create(be, unit, getuid(), &err);
	}
	t0 = now_s();
	for (i = 0; i < 20; i++)
		pthread_create(&th[i], NULL, submitter, (void *)(intptr_t)i);
	for (i = 0; i < 20; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < 100; i++) {
		char unit[16];
		uint64_t hid;

		snprintf(unit, sizeof(unit), "u%d", i);
		nd_wait_idle(be, unit, -1, NULL, NULL, &hid, &err);
	}
	t1 = now_s();
	nd_handle_list(be, &hids, &n);
	for (k = 0; k < n; k++) {
		nd_handle *h = nd_handle_find(be, hids[k]);

		failed += h->state != ND_H_VALIDATED;
	}
	free(hids);
	printf("submit: %zu submissions from 20 threads into 100 units, %d "
	    "not VALIDATED, in %.3f s: %.0f validations/s (bar > 500; state "
	    "folder on %s)\n", n, failed, t1 - t0, (double)n / (t1 - t0),
	    parent);
	nd_engine_close(be);
	rmtree(d);
	free(d);
}

static void bench_units(void)
{
	char *d = mkstate();
	nd_engine *e;
	nd_err err = { 0, "" };
	long before = rss_kib(), after;
	int i;

	e = open_engine(d, 2);
	for (i = 0; i < 1000; i++) {
		char unit[16];
		uint64_t hid;

		snprintf(unit, sizeof(unit), "u%d", i);
		nd_unit_create(e, unit, getuid(), &err);
		nd_submit(e, unit, "def f(x):\n    return x * 2\n", 27, getuid(),
		    &hid, &err);
	}
	for (i = 0; i < 1000; i++) {
		char unit[16];
		uint64_t hid;

		snprintf(unit, sizeof(unit), "u%d", i);
		nd_wait_idle(e, unit, -1, NULL, NULL, &hid, &err);
		nd_ctl(e, unit, "activate", 8, getuid(), &err);
	}
	after = rss_kib();
	printf("units: 1000 units with one active version each: process RSS "
	    "%.1f MiB (%.1f MiB before the engine opened; bar < 64 MiB)\n",
	    (double)after / 1024, (double)before / 1024);
	nd_engine_close(e);
	rmtree(d);
	free(d);
}

static void bench_swap_and_calls(void)
{
	char *d = mkstate();
	nd_engine *e = open_engine(d, 1);
	nd_err err = { 0, "" };
	double t[500], t0, t1;
	uint64_t hid;
	long calls = 0;
	int i;

	nd_unit_create(e, "svc", getuid(), &err);
	nd_submit(e, "svc", "def f():\n    return 1\n", 22, getuid(), &hid, &err);
	nd_submit(e, "svc", "def f():\n    return 2\n", 22, getuid(), &hid, &err);
	nd_wait_idle(e, "svc", -1, NULL, NULL, &hid, &err);
	nd_ctl(e, "svc", "activate 1.0.0", 14, getuid(), &err);
	for (i = 0; i < 500; i++) {
		const char *cmd = i % 2 ? "rollback" : "activate 1.0.1";
		const char *want = i % 2 ? "1.0.0" : "1.0.1";
		char ver[32] = "";
		nbc_result res;

		t0 = now_s();
		if (nd_ctl(e, "svc", cmd, strlen(cmd), getuid(), &err)) {
			fprintf(stderr, "ctl: %s\n", err.msg);
			exit(2);
		}
		do {
			nd_call(e, "svc", "f", NULL, 0, &res, ver, &err);
			nbc_result_free(&res);
		} while (strcmp(ver, want) != 0);
		t[i] = (now_s() - t0) * 1e3;
	}
	printf("swap: ctl to the first call served by the new version: median "
	    "%.3f ms over 500 swaps (bar < 1 ms; state folder on %s)\n",
	    median(t, 500), parent);
	t0 = now_s();
	do {
		for (i = 0; i < 1000; i++) {
			char ver[32];
			nbc_result res;

			nd_call(e, "svc", "f", NULL, 0, &res, ver, &err);
			nbc_result_free(&res);
		}
		calls += 1000;
		t1 = now_s();
	} while (t1 - t0 < 1.0);
	printf("calls: %.0f calls/s through nd_call (one thread, f() returns "
	    "a constant)\n", (double)calls / (t1 - t0));
	nd_engine_close(e);
	rmtree(d);
	free(d);
}

/* Activating a new version each time: the ctl alone, median of 100. */
static void bench_deploy(void)
{
	char *d = mkstate();
	nd_engine *e = open_engine(d, 2);
	nd_err err = { 0, "" };
	double t[100];
	uint64_t hid;
	int i;

	nd_unit_create(e, "svc", getuid(), &err);
	for (i = 0; i <= 100; i++) {
		char src[64];
		int n = snprintf(src, sizeof(src), "def f():\n    return %d\n", i);

		nd_submit(e, "svc", src, (size_t)n, getuid(), &hid, &err);
	}
	nd_wait_idle(e, "svc", -1, NULL, NULL, &hid, &err);
	nd_ctl(e, "svc", "activate 1.0.0", 14, getuid(), &err);
	for (i = 1; i <= 100; i++) {
		char cmd[32];
		int n = snprintf(cmd, sizeof(cmd), "activate 1.0.%d", i);
		double t0 = now_s();

		if (nd_ctl(e, "svc", cmd, (size_t)n, getuid(), &err)) {
			fprintf(stderr, "ctl: %s\n", err.msg);
			exit(2);
		}
		t[i - 1] = (now_s() - t0) * 1e3;
	}
	printf("deploy: ctl activate of a new version: median %.3f ms over 100 "
	    "(state folder on %s)\n", median(t, 100), parent);
	nd_engine_close(e);
	rmtree(d);
	free(d);
}

/* The price of one crash-safe write on this disk, for reference. */
static void bench_disk(void)
{
	char *d = mkstate(), *p;
	double t[50];
	int i;

	if (asprintf(&p, "%s/f", d) < 0)
		exit(2);
	for (i = 0; i < 50; i++) {
		nd_pbatch pb;
		double t0 = now_s();

		nd_pb_init(&pb);
		if (nd_pb_add(&pb, p, "{}\n", 3, NULL) ||
		    nd_pb_commit(&pb, NULL))
			exit(2);
		t[i] = (now_s() - t0) * 1e3;
	}
	printf("disk: one crash-safe file write (temporary, fsync, rename, "
	    "fsync of the folder) on %s: median %.3f ms\n", parent,
	    median(t, 50));
	free(p);
	rmtree(d);
	free(d);
}

static int nparts;
static char **parts;

static bool want(const char *name)
{
	int i;

	for (i = 0; i < nparts; i++)
		if (!strcmp(parts[i], name))
			return true;
	return nparts == 0;
}

int main(int argc, char **argv)
{
	if (argc > 1)
		parent = argv[1];
	parts = argv + 2;
	nparts = argc > 2 ? argc - 2 : 0;
	if (want("disk"))
		bench_disk();
	if (want("gates"))
		bench_gates();
	/* submit before units: on ext4 without a journal, creating files
	 * for 30 s after units removed its 4,000 is several times slower
	 * (the inode allocator skips recently deleted inodes one by one) */
	if (want("submit"))
		bench_submit();
	if (want("units"))
		bench_units();
	if (want("swap"))
		bench_swap_and_calls();
	if (want("deploy"))
		bench_deploy();
	return 0;
}
