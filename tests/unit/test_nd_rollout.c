/*
 * test_nd_rollout.c - rollouts on the engine, from C (SPEC.md 5b):
 *
 *   swaps      threads calling through nd_call while 1,000 activate/rollback
 *              cycles and 100 canary/abort cycles run: no call fails, each
 *              is answered by exactly one version (the version named and
 *              the result, which each version's code makes distinct,
 *              agree), and every call is counted once, on that version;
 *   inflight   a call running when its version is replaced and unloaded
 *              (keep_loaded = 0) finishes on that version; the module goes
 *              away only after it;
 *   split      canary.percent = 30 over 2,000 calls (nd_call and
 *              nd_call_text alike) lands within a sane bound;
 *   decision   at canary.min_calls, an error rate above the threshold rolls
 *              back by itself and one at it promotes, once, under threads,
 *              with the figures in the event (as fields and in its
 *              reason); lowering canary.min_calls below the calls a canary
 *              has decides at the policy change; an abort racing the decision
 *              wins or loses whole; a restart mid-canary aborts it;
 *   keep_loaded versions beyond it are RETIRED and gone from the runtime.
 *
 * Version 1.0.K answers f(x) with x + (K+1)*1000000.  Also run under
 * ThreadSanitizer (suite 'tsan').
 */
#include <math.h>
#include <pthread.h>
#include <time.h>

#include "nd_internal.h"
#include "nd_testlib.h"

#define MILLION 1000000
#define SPIN 10000000L      /* loop iterations of a slow call (~0.1 s) */

static nd_engine *e;

/* The source of version 1.0.k (declared): f(x), after a loop of `spin`
 * iterations, with (faulty) a ZeroDivisionError on even x. */
static char *src_of(int k, long spin, bool faulty)
{
	char *s;

	ck_assert_int_ge(asprintf(&s,
	    "__version__ = \"1.0.%d\"\n"
	    "def f(x):\n"
	    "    i = 0\n"
	    "    while i < %ld:\n"
	    "        i += 1\n"
	    "%s"
	    "    return x + %d * %d\n", k, spin,
	    faulty ? "    if x % 2 == 0:\n        return x // (x - x)\n" : "",
	    k + 1, MILLION), 0);
	return s;
}

static uint64_t submit_ver(int k, long spin, bool faulty)
{
	char *s = src_of(k, spin, faulty);
	uint64_t hid = t_submit(e, "svc", s);

	free(s);
	t_idle(e, "svc");
	ck_assert_msg(strcmp(t_hstate(e, hid), "VALIDATION_FAILED"),
	    "1.0.%d failed validation", k);
	return hid;
}

static void setup_unit(const char *policy)
{
	nd_err err = { 0, "" };

	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), 0);
	if (policy)
		ck_assert_msg(nd_policy_set(e, "svc", policy, strlen(policy),
		    getuid(), &err) == 0, "policy: %s", err.msg);
}

static void ctl_ok(const char *cmd)
{
	nd_err err = { 0, "" };
	int r = nd_ctl(e, "svc", cmd, strlen(cmd), getuid(), &err);

	ck_assert_msg(r == 0, "ctl %s: %s", cmd, err.msg);
}

/* The patch number K of "1.0.K" (-1 if it is not of that form). */
static int patch_of(const char *ver)
{
	int k;

	return sscanf(ver, "1.0.%d", &k) == 1 ? k : -1;
}

/* Figures of one version in status: calls (and state into st). */
static long status_calls(const char *ver, char st[16])
{
	cJSON *j = t_status(e, "svc"), *v;
	long calls = -1;

	cJSON_ArrayForEach(v, cJSON_GetObjectItem(j, "versions"))
		if (!strcmp(t_str(v, "version"), ver)) {
			calls = (long)cJSON_GetNumberValue(
			    cJSON_GetObjectItem(v, "calls"));
			if (st)
				snprintf(st, 16, "%s", t_str(v, "state"));
		}
	cJSON_Delete(j);
	return calls;
}

/* Whether the runtime still holds the module of version ver. */
static bool module_loaded(const char *ver)
{
	char id[ND_MODID_MAX];
	nbc_module *m;

	nd_version_modid(id, "svc", ver);
	m = nbc_module_get(e->rt, id);
	if (m)
		nbc_module_release(m);
	return m != NULL;
}

/* ---- callers ------------------------------------------------------------ */

#define MAXV 64

typedef struct callstats {
	long calls, failed, mixed, errors;
	long per[MAXV];          /* calls answered by 1.0.K */
	int faulty;              /* K whose ZeroDivisionError is expected */
} callstats;

static int stop_calls;
static pthread_mutex_t smut = PTHREAD_MUTEX_INITIALIZER;
static callstats totals;

/* One call f(x); its outcome is added to *cs. */
static void one_call(int64_t x, callstats *cs)
{
	nbc_lit arg = { .type = NBC_LIT_INT, .u.i = x };
	nbc_result res;
	char ver[32] = "";
	nd_err err = { 0, "" };
	int r = nd_call(e, "svc", "f", &arg, 1, &res, ver, &err);
	int k = patch_of(ver);

	cs->calls++;
	if (r != 0 || k < 0 || k >= MAXV) {
		cs->failed++;
		return;
	}
	cs->per[k]++;
	if (res.ok) {
		cs->mixed += res.value.type != NBC_LIT_INT ||
		    res.value.u.i != x + (int64_t)(k + 1) * MILLION;
	} else if (k == cs->faulty && x % 2 == 0 &&
	    res.exc == NBC_EXC_ZERO_DIVISION_ERROR) {
		cs->errors++;
	} else {
		cs->failed++;
	}
	nbc_result_free(&res);
}

static void merge(const callstats *cs)
{
	int k;

	pthread_mutex_lock(&smut);
	totals.calls += cs->calls;
	totals.failed += cs->failed;
	totals.mixed += cs->mixed;
	totals.errors += cs->errors;
	for (k = 0; k < MAXV; k++)
		totals.per[k] += cs->per[k];
	pthread_mutex_unlock(&smut);
}

/* Call until stop_calls, or n calls when arg says so (n > 0). */
static void *caller(void *arg)
{
	long n = (long)(intptr_t)arg;
	callstats cs = { .faulty = totals.faulty };
	unsigned seed = (unsigned)(uintptr_t)&cs;

	while (n > 0 ? cs.calls < n :
	    !__atomic_load_n(&stop_calls, __ATOMIC_ACQUIRE))
		one_call(rand_r(&seed) % 100000, &cs);
	merge(&cs);
	return NULL;
}

static void start_callers(pthread_t *th, int n, long each, int faulty)
{
	int i;

	memset(&totals, 0, sizeof(totals));
	totals.faulty = faulty;
	__atomic_store_n(&stop_calls, 0, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, caller,
		    (void *)(intptr_t)each), 0);
}

static void join_callers(pthread_t *th, int n)
{
	int i;

	__atomic_store_n(&stop_calls, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
}

static char *state_dir;

static void open_engine(void)
{
	state_dir = t_mkstate();
	e = t_open(state_dir, 1);
}

static void close_engine(void)
{
	nd_engine_close(e);
	t_rmtree(state_dir);
	free(state_dir);
}

/* ---- tests -------------------------------------------------------------- */

START_TEST(test_swaps_under_load)
{
	pthread_t th[3];
	char st[16];
	int i;

	open_engine();
	setup_unit("canary.min_calls = 1000000000\n");
	submit_ver(0, 10, false);
	submit_ver(1, 10, false);
	ctl_ok("activate 1.0.0");
	start_callers(th, 3, 0, -1);
	for (i = 0; i < 1000; i++) {
		ctl_ok("activate 1.0.1");
		ctl_ok("rollback");
	}
	for (i = 0; i < 100; i++) {
		ctl_ok("canary 1.0.1 50");
		ctl_ok("abort");
	}
	join_callers(th, 3);
	ck_assert_int_eq(totals.failed, 0);
	ck_assert_int_eq(totals.mixed, 0);
	ck_assert_int_gt(totals.per[0], 0);
	ck_assert_int_gt(totals.per[1], 0);
	ck_assert_int_eq(totals.per[0] + totals.per[1], totals.calls);
	/* every call is counted once, on the version that answered it */
	ck_assert_int_eq(status_calls("1.0.0", st), totals.per[0]);
	ck_assert_str_eq(st, "ACTIVE");
	ck_assert_int_eq(status_calls("1.0.1", st), totals.per[1]);
	ck_assert_str_eq(st, "LOADED");
	ck_assert_int_eq(t_count_events(e, "canary_aborted", "svc"), 100);
	close_engine();
}
END_TEST

/* Microseconds on the monotonic clock. */
static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

typedef struct slowcall {
	int64_t t0, t1;
	callstats cs;
} slowcall;

static void *slow_caller(void *arg)
{
	slowcall *sc = arg;

	sc->t0 = now_us();
	one_call(7, &sc->cs);
	sc->t1 = now_us();
	return NULL;
}

START_TEST(test_inflight_finishes_on_its_version)
{
	pthread_t th[2];
	callstats slow = { .faulty = -1 };
	bool spanned = false;
	char st[16];
	int k;

	open_engine();
	setup_unit("keep_loaded = 0\ngas = 1000000000\n");
	submit_ver(0, SPIN, false);
	ctl_ok("activate 1.0.0");
	for (k = 1; k <= 5; k++) {
		pthread_t t;
		slowcall sc = { .cs = { .faulty = -1 } };
		char prev[16], cmd[32];
		int64_t c0, c1;

		snprintf(prev, sizeof(prev), "1.0.%d", k - 1);
		submit_ver(k, SPIN, false);
		ck_assert_int_eq(pthread_create(&t, NULL, slow_caller, &sc), 0);
		usleep(20000);
		snprintf(cmd, sizeof(cmd), "activate 1.0.%d", k);
		c0 = now_us();
		ctl_ok(cmd);
		c1 = now_us();
		/* replaced and, with keep_loaded = 0, unloaded at once */
		status_calls(prev, st);
		ck_assert_str_eq(st, "RETIRED");
		ck_assert(!module_loaded(prev));
		pthread_join(t, NULL);
		ck_assert_int_eq(sc.cs.failed, 0);
		ck_assert_int_eq(sc.cs.mixed, 0);
		if (sc.t0 < c0 && sc.t1 > c1) {
			/* it ran across the swap: on the old version */
			spanned = true;
			ck_assert_int_eq(sc.cs.per[k - 1], 1);
		}
		slow.per[k - 1] += sc.cs.per[k - 1];
		slow.per[k] += sc.cs.per[k];
	}
	ck_assert_msg(spanned, "no call ran across a swap");
	for (k = 0; k <= 4; k++) {
		char ver[16];

		snprintf(ver, sizeof(ver), "1.0.%d", k);
		ck_assert_int_eq(status_calls(ver, NULL), slow.per[k]);
	}
	/* and with callers running all along */
	start_callers(th, 2, 0, -1);
	for (k = 6; k <= 9; k++) {
		char cmd[32];

		submit_ver(k, 2000, false);
		snprintf(cmd, sizeof(cmd), "activate 1.0.%d", k);
		ctl_ok(cmd);
	}
	join_callers(th, 2);
	ck_assert_int_eq(totals.failed, 0);
	ck_assert_int_eq(totals.mixed, 0);
	for (k = 5; k <= 8; k++) {
		char ver[16];

		snprintf(ver, sizeof(ver), "1.0.%d", k);
		ck_assert(!module_loaded(ver));
		/* 1.0.5 may also have served the last slow call, when that
		 * call started after its activation */
		ck_assert_int_eq(status_calls(ver, st),
		    totals.per[k] + slow.per[k]);
		ck_assert_str_eq(st, "RETIRED");
	}
	ck_assert(module_loaded("1.0.9"));
	close_engine();
}
END_TEST

START_TEST(test_split)
{
	callstats cs = { .faulty = -1 };
	long text_canary = 0;
	int i;

	open_engine();
	setup_unit("canary.min_calls = 1000000\n");
	submit_ver(0, 0, false);
	ctl_ok("activate 1.0.0");
	submit_ver(1, 0, false);
	ctl_ok("canary 1.0.1 30");
	for (i = 0; i < 1000; i++)
		one_call(i, &cs);
	for (i = 0; i < 1000; i++) {
		char call[32], *json;
		nd_err err = { 0, "" };
		cJSON *j;

		snprintf(call, sizeof(call), "f(%d)", i);
		ck_assert_int_eq(nd_call_text(e, "svc", call, strlen(call),
		    &json, &err), 0);
		j = cJSON_Parse(json);
		ck_assert_ptr_nonnull(j);
		ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(j, "ok")));
		if (!strcmp(t_str(j, "version"), "1.0.1")) {
			text_canary++;
			ck_assert_int_eq((long)cJSON_GetNumberValue(
			    cJSON_GetObjectItem(j, "result")), i + 2 * MILLION);
		} else {
			ck_assert_str_eq(t_str(j, "version"), "1.0.0");
		}
		cJSON_Delete(j);
		free(json);
	}
	ck_assert_int_eq(cs.failed + cs.mixed, 0);
	/* 30% of 1,000 is 300; a fair coin per call would stay within 4.5
	 * standard deviations (about 65) of it */
	ck_assert_msg(cs.per[1] >= 235 && cs.per[1] <= 365,
	    "nd_call: %ld of 1000 calls on the canary", cs.per[1]);
	ck_assert_msg(text_canary >= 235 && text_canary <= 365,
	    "nd_call_text: %ld of 1000 calls on the canary", text_canary);
	ck_assert_int_eq(status_calls("1.0.1", NULL), cs.per[1] + text_canary);
	close_engine();
}
END_TEST

/* The figures "N calls, N errors, error rate R ... threshold T" in the
 * reason of the last event of type; false if absent. */
static bool event_figures(const char *type, long *calls, long *errors,
    double *rate, double *thr)
{
	cJSON *a = t_events(e), *it;
	const char *p = NULL;
	bool ok = false;

	cJSON_ArrayForEach(it, a)
		if (!strcmp(t_str(it, "type"), type))
			p = t_str(it, "reason");
	if (p) {
		const char *c = strstr(p, " calls, ");
		const char *q = strstr(p, "threshold ");

		while (c && c > p && c[-1] >= '0' && c[-1] <= '9')
			c--;
		ok = c && q && sscanf(c, "%ld calls, %ld errors, error rate %lf",
		    calls, errors, rate) == 3 && sscanf(q, "threshold %lf",
		    thr) == 1;
	}
	cJSON_Delete(a);
	return ok;
}

START_TEST(test_decision_under_threads)
{
	pthread_t th[4];
	long calls, errors;
	double rate, thr;
	uint64_t h1, h2;
	char *act;

	open_engine();
	setup_unit("canary.min_calls = 50\ncanary.max_error_rate = 0.1\n");
	submit_ver(0, 0, false);
	ctl_ok("activate 1.0.0");

	/* a faulty canary (fails on even x) rolls back by itself, once */
	h1 = submit_ver(1, 0, true);
	ctl_ok("canary 1.0.1 50");
	start_callers(th, 4, 200, 1);
	join_callers(th, 4);
	ck_assert_int_eq(totals.failed + totals.mixed, 0);
	ck_assert_int_eq(t_count_events(e, "rolled_back", "svc"), 1);
	ck_assert(event_figures("rolled_back", &calls, &errors, &rate, &thr));
	ck_assert_int_ge(calls, 50);
	ck_assert_int_le(errors, calls);
	ck_assert_double_eq_tol(rate, (double)errors / (double)calls, 1e-3);
	ck_assert_double_gt(rate, 0.1);
	ck_assert_double_eq_tol(thr, 0.1, 1e-9);
	ck_assert_int_ge(totals.per[1], calls);
	ck_assert_str_eq(t_hstate(e, h1), "ROLLED_BACK");
	act = t_active(e, "svc");
	ck_assert_str_eq(act, "1.0.0\n");
	free(act);

	/* a sound one is promoted by itself, once */
	h2 = submit_ver(2, 0, false);
	ctl_ok("canary 1.0.2 50");
	start_callers(th, 4, 200, -1);
	join_callers(th, 4);
	ck_assert_int_eq(totals.failed + totals.mixed, 0);
	ck_assert_int_eq(t_count_events(e, "canary_promoted", "svc"), 1);
	ck_assert(event_figures("canary_promoted", &calls, &errors, &rate,
	    &thr));
	ck_assert_int_ge(calls, 50);
	ck_assert_int_eq(errors, 0);
	ck_assert_str_eq(t_hstate(e, h2), "ACTIVE");
	act = t_active(e, "svc");
	ck_assert_str_eq(act, "1.0.2\n");
	free(act);
	close_engine();
}
END_TEST

/* An error rate exactly at the threshold promotes; just above rolls back.
 * With percent 100 every call goes to the canary, which fails on even x:
 * x = 0..9 gives 5 errors in 10 calls. */
START_TEST(test_decision_threshold)
{
	callstats cs = { .faulty = 3 };
	const char *pol = "canary.min_calls = 10\ncanary.max_error_rate = 0.5\n";
	nd_err err = { 0, "" };
	char *act;
	int i;

	open_engine();
	setup_unit(pol);
	submit_ver(0, 0, false);
	ctl_ok("activate 1.0.0");
	submit_ver(3, 0, true);
	ctl_ok("canary 1.0.3 100");
	for (i = 0; i < 9; i++)
		one_call(i, &cs);
	ck_assert_int_eq(t_count_events(e, "canary_promoted", "svc"), 0);
	one_call(9, &cs);
	ck_assert_int_eq(cs.errors, 5);
	ck_assert_int_eq(t_count_events(e, "canary_promoted", "svc"), 1);
	act = t_active(e, "svc");
	ck_assert_str_eq(act, "1.0.3\n");
	free(act);

	pol = "canary.min_calls = 10\ncanary.max_error_rate = 0.49\n";
	ck_assert_int_eq(nd_policy_set(e, "svc", pol, strlen(pol), getuid(),
	    &err), 0);
	cs.faulty = 4;
	submit_ver(4, 0, true);
	ctl_ok("canary 1.0.4 100");
	for (i = 0; i < 10; i++)
		one_call(i, &cs);
	ck_assert_int_eq(t_count_events(e, "rolled_back", "svc"), 1);
	act = t_active(e, "svc");
	ck_assert_str_eq(act, "1.0.3\n");
	free(act);
	ck_assert_int_eq(cs.failed + cs.mixed, 0);
	close_engine();
}
END_TEST

/* A numeric field of an object (NAN when absent or not a number). */
static double num_of(const cJSON *j, const char *key)
{
	const cJSON *it = cJSON_GetObjectItem(j, key);

	return cJSON_IsNumber(it) ? cJSON_GetNumberValue(it) : NAN;
}

/* The automatic decision's event of type carries calls, errors, rate and
 * threshold as numbers, equal to the figures of its reason and to the
 * expected ones. */
static void check_decision_event(const char *type, long calls, long errors,
    double thr)
{
	cJSON *a = t_events(e), *it, *last = NULL;
	long rc, re;
	double rr, rt;

	cJSON_ArrayForEach(it, a)
		if (!strcmp(t_str(it, "type"), type))
			last = it;
	ck_assert_msg(last != NULL, "no %s event", type);
	ck_assert_double_eq(num_of(last, "calls"), (double)calls);
	ck_assert_double_eq(num_of(last, "errors"), (double)errors);
	ck_assert_double_eq_tol(num_of(last, "rate"),
	    (double)errors / (double)calls, 1e-12);
	ck_assert_double_eq_tol(num_of(last, "threshold"), thr, 1e-12);
	ck_assert(event_figures(type, &rc, &re, &rr, &rt));
	ck_assert_int_eq(rc, calls);
	ck_assert_int_eq(re, errors);
	ck_assert_double_eq_tol(rr, num_of(last, "rate"), 1e-4);
	ck_assert_double_eq_tol(rt, thr, 1e-4);
	cJSON_Delete(a);
}

/* The status's canary object: calls, errors and error_rate. */
static void check_status_canary(long calls, long errors)
{
	cJSON *j = t_status(e, "svc"), *c = cJSON_GetObjectItem(j, "canary");

	ck_assert_msg(cJSON_IsObject(c), "status shows no canary");
	ck_assert_double_eq(num_of(c, "calls"), (double)calls);
	ck_assert_double_eq(num_of(c, "errors"), (double)errors);
	ck_assert_double_eq_tol(num_of(c, "error_rate"),
	    calls ? (double)errors / (double)calls : 0.0, 1e-12);
	cJSON_Delete(j);
}

static void policy_ok(const char *pol)
{
	nd_err err = { 0, "" };

	ck_assert_msg(nd_policy_set(e, "svc", pol, strlen(pol), getuid(),
	    &err) == 0, "policy: %s", err.msg);
}

/*
 * The figures of automatic decisions as event fields; status shows the
 * canary's figures from its first call on; lowering canary.min_calls
 * below the calls a canary has decides at the policy change (by the new
 * policy), and a policy that still asks for more calls decides nothing.
 */
START_TEST(test_decision_fields_and_policy_change)
{
	callstats cs = { .faulty = 3 };
	uint64_t h3, h4;
	char *act;
	int i;

	open_engine();
	setup_unit("canary.min_calls = 1000\ncanary.max_error_rate = 0.5\n");
	submit_ver(0, 0, false);
	ctl_ok("activate 1.0.0");
	h3 = submit_ver(3, 0, true);
	ctl_ok("canary 1.0.3 100");
	check_status_canary(0, 0);
	for (i = 0; i < 10; i++)
		one_call(i, &cs);
	ck_assert_int_eq(cs.errors, 5);
	check_status_canary(10, 5);
	policy_ok("canary.min_calls = 11\ncanary.max_error_rate = 0.4\n");
	ck_assert_int_eq(t_count_events(e, "rolled_back", "svc"), 0);
	ck_assert_str_eq(t_hstate(e, h3), "CANARY");
	check_status_canary(10, 5);
	policy_ok("canary.min_calls = 10\ncanary.max_error_rate = 0.4\n");
	ck_assert_int_eq(t_count_events(e, "rolled_back", "svc"), 1);
	check_decision_event("rolled_back", 10, 5, 0.4);
	ck_assert_str_eq(t_hstate(e, h3), "ROLLED_BACK");
	act = t_active(e, "svc");
	ck_assert_str_eq(act, "1.0.0\n");
	free(act);

	policy_ok("canary.min_calls = 1000\ncanary.max_error_rate = 0.1\n");
	h4 = submit_ver(4, 0, false);
	ctl_ok("canary 1.0.4 100");
	for (i = 0; i < 5; i++)
		one_call(i, &cs);
	check_status_canary(5, 0);
	policy_ok("canary.min_calls = 6\ncanary.max_error_rate = 0.1\n");
	ck_assert_int_eq(t_count_events(e, "canary_promoted", "svc"), 0);
	policy_ok("canary.min_calls = 3\ncanary.max_error_rate = 0.1\n");
	ck_assert_int_eq(t_count_events(e, "canary_promoted", "svc"), 1);
	check_decision_event("canary_promoted", 5, 0, 0.1);
	ck_assert_str_eq(t_hstate(e, h4), "ACTIVE");
	act = t_active(e, "svc");
	ck_assert_str_eq(act, "1.0.4\n");
	free(act);

	/* a decision after a call carries the same fields */
	policy_ok("canary.min_calls = 4\ncanary.max_error_rate = 0.4\n");
	cs.faulty = 5;
	submit_ver(5, 0, true);
	ctl_ok("canary 1.0.5 100");
	for (i = 0; i < 4; i++)
		one_call(i, &cs);
	ck_assert_int_eq(t_count_events(e, "rolled_back", "svc"), 2);
	check_decision_event("rolled_back", 4, 2, 0.4);
	ck_assert_int_eq(cs.failed + cs.mixed, 0);
	close_engine();
}
END_TEST

/* How many events of type the log holds for version ver of svc. */
static int count_ver_events(const char *type, const char *ver)
{
	cJSON *a = t_events(e), *it;
	int n = 0;

	cJSON_ArrayForEach(it, a)
		n += !strcmp(t_str(it, "type"), type) &&
		    !strcmp(t_str(it, "unit"), "svc") &&
		    !strcmp(t_str(it, "version"), ver);
	cJSON_Delete(a);
	return n;
}

/* An abort racing the canary's own decision under threads: exactly one
 * of them wins, whole (one event, routing and handle agree with it). */
START_TEST(test_abort_races_decision)
{
	const char *pol = "canary.min_calls = 2000\ncanary.max_error_rate = 0.1\n";
	unsigned seed = 42;
	int k, aborted = 0, promoted = 0;
	pthread_t th[3];

	open_engine();
	setup_unit(pol);
	submit_ver(0, 0, false);
	ctl_ok("activate 1.0.0");
	for (k = 1; k <= 30; k++) {
		char ver[16], cmd[32], *act, was[16];
		nd_err err = { 0, "" };
		uint64_t hid = submit_ver(k, 0, false);
		int r;

		act = t_active(e, "svc");
		snprintf(was, sizeof(was), "%.*s", (int)strcspn(act, "\n"), act);
		free(act);
		snprintf(ver, sizeof(ver), "1.0.%d", k);
		snprintf(cmd, sizeof(cmd), "canary %s 50", ver);
		ctl_ok(cmd);
		start_callers(th, 3, 2000, -1);
		usleep(rand_r(&seed) % 2000);
		r = nd_ctl(e, "svc", "abort", 5, getuid(), &err);
		join_callers(th, 3);
		ck_assert_int_eq(totals.failed + totals.mixed, 0);
		ck_assert_msg(r == 0 || r == EBUSY, "abort: %s", err.msg);
		ck_assert_int_eq(count_ver_events("canary_aborted", ver) +
		    count_ver_events("canary_promoted", ver) +
		    count_ver_events("rolled_back", ver), 1);
		act = t_active(e, "svc");
		if (r == 0) {
			aborted++;
			ck_assert_int_eq(count_ver_events("canary_aborted", ver), 1);
			ck_assert_str_eq(t_hstate(e, hid), "ROLLED_BACK");
			ck_assert_int_eq(strncmp(act, was, strlen(was)), 0);
		} else {
			promoted++;
			ck_assert_int_eq(count_ver_events("canary_promoted", ver),
			    1);
			ck_assert_str_eq(t_hstate(e, hid), "ACTIVE");
			ck_assert_int_eq(strncmp(act, ver, strlen(ver)), 0);
		}
		free(act);
	}
	/* which side wins is up to the scheduler; both are whole */
	ck_assert_int_eq(aborted + promoted, 30);
	close_engine();
}
END_TEST

START_TEST(test_restart_aborts_canary)
{
	const char *pol = "activation = canary\ncanary.min_calls = 1000\n";
	callstats cs = { .faulty = -1 };
	uint64_t hid;
	cJSON *j;
	char *act;
	int i;

	open_engine();
	setup_unit(pol);
	submit_ver(0, 0, false);      /* nothing active: activated */
	hid = submit_ver(1, 0, false);
	ck_assert_str_eq(t_hstate(e, hid), "CANARY");
	for (i = 0; i < 20; i++)
		one_call(i, &cs);
	ck_assert_int_gt(cs.per[1], 0);
	nd_engine_close(e);
	e = t_open(state_dir, 1);
	ck_assert_int_eq(t_count_events(e, "canary_aborted", "svc"), 1);
	ck_assert_str_eq(t_hstate(e, hid), "ROLLED_BACK");
	j = t_status(e, "svc");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(j, "canary")));
	ck_assert_str_eq(t_str(j, "state"), "ACTIVE");
	cJSON_Delete(j);
	act = t_active(e, "svc");
	ck_assert_str_eq(act, "1.0.0\n");
	free(act);
	memset(&cs, 0, sizeof(cs));
	cs.faulty = -1;
	for (i = 0; i < 20; i++)
		one_call(i, &cs);
	ck_assert_int_eq(cs.per[0], 20);
	close_engine();
}
END_TEST

START_TEST(test_keep_loaded)
{
	char st[16], ver[16], cmd[32];
	nd_err err = { 0, "" };
	int k;

	open_engine();
	setup_unit("keep_loaded = 1\n");
	for (k = 0; k <= 4; k++) {
		submit_ver(k, 0, false);
		snprintf(cmd, sizeof(cmd), "activate 1.0.%d", k);
		ctl_ok(cmd);
	}
	/* active 1.0.4; the previous one (1.0.3) is kept for rollback */
	for (k = 0; k <= 2; k++) {
		snprintf(ver, sizeof(ver), "1.0.%d", k);
		status_calls(ver, st);
		ck_assert_msg(!strcmp(st, "RETIRED"), "%s is %s", ver, st);
		ck_assert(!module_loaded(ver));
	}
	status_calls("1.0.3", st);
	ck_assert_str_eq(st, "LOADED");
	ck_assert(module_loaded("1.0.3"));
	ck_assert(module_loaded("1.0.4"));
	ck_assert_int_eq(t_count_events(e, "unloaded", "svc"), 3);
	ctl_ok("rollback");
	ck_assert(module_loaded("1.0.4"));

	/* keep_loaded = 0: nothing but the active one stays */
	ck_assert_int_eq(nd_policy_set(e, "svc", "keep_loaded = 0\n", 16,
	    getuid(), &err), 0);
	submit_ver(5, 0, false);
	ctl_ok("activate 1.0.5");
	ck_assert(!module_loaded("1.0.3"));
	ck_assert(!module_loaded("1.0.4"));
	ck_assert(module_loaded("1.0.5"));
	ck_assert_int_eq(nd_ctl(e, "svc", "rollback", 8, getuid(), &err),
	    EBUSY);
	close_engine();
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nd_rollout");
	TCase *tc = tcase_create("rollout");

	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_swaps_under_load);
	tcase_add_test(tc, test_inflight_finishes_on_its_version);
	tcase_add_test(tc, test_split);
	tcase_add_test(tc, test_decision_under_threads);
	tcase_add_test(tc, test_decision_threshold);
	tcase_add_test(tc, test_decision_fields_and_policy_change);
	tcase_add_test(tc, test_abort_races_decision);
	tcase_add_test(tc, test_restart_aborts_canary);
	tcase_add_test(tc, test_keep_loaded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run_suite(suite());
}
