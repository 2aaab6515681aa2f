/*
 * test_nd_concurrency.c - the engine under threads: 1,000 submissions from
 * 20 threads into 100 units all reach the right final state, in order per
 * unit; and calls from several threads while 1,000 activate/rollback
 * cycles run never fail and are each answered by exactly one version.
 * Also run under ThreadSanitizer (see tests/unit/meson.build).
 */
#include <pthread.h>

#include "nd_testlib.h"

#define NTHREADS 20
#define NUNITS 100
#define NSUB 1000

static nd_engine *e;
static uint64_t hids[NSUB];

static void *submitter(void *arg)
{
	int t = (int)(intptr_t)arg, i;

	for (i = 0; i < NSUB / NTHREADS; i++) {
		int k = t * (NSUB / NTHREADS) + i;
		char unit[16], src[128];
		nd_err err = { 0, "" };
		int r;

		snprintf(unit, sizeof(unit), "u%d", k % NUNITS);
		snprintf(src, sizeof(src), "def f():\n    return %d\n", k);
		do {
			r = nd_submit(e, unit, src, strlen(src), getuid(),
			    &hids[k], &err);
		} while (r == EAGAIN);
		ck_assert_msg(r == 0, "submit: %s", err.msg);
	}
	return NULL;
}

START_TEST(test_1000_submissions)
{
	char *d = t_mkstate();
	pthread_t th[NTHREADS];
	nd_err err = { 0, "" };
	uint64_t *all;
	size_t n;
	int i;

	e = t_open(d, 2);
	for (i = 0; i < NUNITS; i++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "u%d", i);
		ck_assert_int_eq(nd_unit_create(e, unit, getuid(), &err), 0);
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_create(&th[i], NULL, submitter, (void *)(intptr_t)i);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	for (i = 0; i < NUNITS; i++) {
		char unit[16];

		snprintf(unit, sizeof(unit), "u%d", i);
		t_idle(e, unit);
	}
	ck_assert_int_eq(nd_handle_list(e, &all, &n), 0);
	ck_assert_uint_eq(n, NSUB);
	free(all);
	for (i = 0; i < NUNITS; i++) {
		/* the handles of one unit, in submission (id) order, have
		 * versions 1.0.0, 1.0.1, ... in the same order */
		uint64_t mine[NSUB / NUNITS];
		int m = 0, a, b;

		for (a = i; a < NSUB; a += NUNITS)
			mine[m++] = hids[a];
		for (a = 0; a < m; a++)
			for (b = a + 1; b < m; b++)
				if (mine[b] < mine[a]) {
					uint64_t x = mine[a];

					mine[a] = mine[b];
					mine[b] = x;
				}
		for (a = 0; a < m; a++) {
			char want[16];

			snprintf(want, sizeof(want), "1.0.%d", a);
			ck_assert_str_eq(t_hstate(e, mine[a]), "VALIDATED");
			ck_assert_str_eq(t_hversion(e, mine[a]), want);
		}
	}
	nd_engine_close(e);
	t_rmtree(d);
	free(d);
}
END_TEST

static volatile int stop_calls;
static int failed_calls, mixed_calls;
static long ncalls;
static pthread_mutex_t cmut = PTHREAD_MUTEX_INITIALIZER;

static void *caller(void *arg)
{
	while (!__atomic_load_n(&stop_calls, __ATOMIC_ACQUIRE)) {
		nbc_result res;
		char ver[32];
		nd_err err = { 0, "" };
		int r = nd_call(e, "svc", "f", NULL, 0, &res, ver, &err);
		bool fail = r != 0 || !res.ok, mixed = false;

		if (!fail) {
			/* 1.0.0 answers 1, 1.0.1 answers 2: both from the same
			 * version */
			mixed = res.value.type != NBC_LIT_INT ||
			    !((res.value.u.i == 1 && !strcmp(ver, "1.0.0")) ||
			    (res.value.u.i == 2 && !strcmp(ver, "1.0.1")));
		}
		if (!r)
			nbc_result_free(&res);
		pthread_mutex_lock(&cmut);
		failed_calls += fail;
		mixed_calls += mixed;
		ncalls++;
		pthread_mutex_unlock(&cmut);
	}
	return NULL;
}

START_TEST(test_swaps_under_load)
{
	char *d = t_mkstate();
	pthread_t th[3];
	nd_err err = { 0, "" };
	int i;

	e = t_open(d, 1);
	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), 0);
	t_submit(e, "svc", "def f():\n    return 1\n");
	t_submit(e, "svc", "def f():\n    return 2\n");
	t_idle(e, "svc");
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0"), 0);
	for (i = 0; i < 3; i++)
		pthread_create(&th[i], NULL, caller, NULL);
	for (i = 0; i < 1000; i++) {
		ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.1"), 0);
		ck_assert_int_eq(t_ctl(e, "svc", "rollback"), 0);
	}
	__atomic_store_n(&stop_calls, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	ck_assert_int_eq(failed_calls, 0);
	ck_assert_int_eq(mixed_calls, 0);
	ck_assert_int_gt(ncalls, 100);
	ck_assert_int_eq(t_count_events(e, "activated", "svc"), 1001);
	ck_assert_int_eq(t_count_events(e, "rolled_back", "svc"), 1000);
	nd_engine_close(e);
	t_rmtree(d);
	free(d);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nd_concurrency");
	TCase *tc = tcase_create("threads");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_1000_submissions);
	tcase_add_test(tc, test_swaps_under_load);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run_suite(suite());
}
