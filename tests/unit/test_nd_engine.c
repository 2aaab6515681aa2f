/*
 * test_nd_engine.c - the UpdateManager and ValidationEngine through the
 * public API: the plan's Task 5 flow, each gate failing on its own,
 * version numbers, ctl commands and their errno, canary analysis,
 * keep_loaded, the renderings and the event log.
 */
#include <sys/stat.h>
#include "nd_testlib.h"

static char *dir;
static nd_engine *e;

static void setup(void)
{
	nd_err err = { 0, "" };

	dir = t_mkstate();
	e = t_open(dir, 2);
	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), 0);
}

static void teardown(void)
{
	nd_engine_close(e);
	t_rmtree(dir);
	free(dir);
}

/* Submit, wait, and return the handle's JSON. */
static cJSON *submit_wait(const char *unit, const char *src)
{
	uint64_t hid = t_submit(e, unit, src);
	nd_err err = { 0, "" };

	ck_assert_int_eq(nd_wait_handle(e, hid, 20000, NULL, NULL, &err), 0);
	return t_handle(e, hid);
}

/* The plan's Task 5, test_basic_update_flow. */
START_TEST(test_basic_update_flow)
{
	const char *source = "\n    def hello():\n        return \"world\"\n    ";
	uint64_t hid;
	nd_err err = { 0, "" };
	cJSON *handle, *v;
	char *json;

	hid = t_submit(e, "svc", source);
	ck_assert_uint_gt(hid, 0);
	ck_assert_int_eq(nd_wait_handle(e, hid, 20000, NULL, NULL, &err), 0);
	handle = t_handle(e, hid);
	ck_assert_str_eq(t_str(handle, "state"), "VALIDATED");
	ck_assert_str_eq(t_str(handle, "version"), "1.0.0");
	v = cJSON_GetObjectItem(handle, "validation");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(v, "passed")));
	ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(v, "gates")), 6);
	cJSON_Delete(handle);

	ck_assert_int_eq(t_ctl(e, "svc", "activate"), 0);
	json = t_active(e, "svc");
	ck_assert_str_eq(json, "1.0.0\n");
	free(json);
	ck_assert_int_eq(nd_call_text(e, "svc", "hello()", 7, &json, &err), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"ok\":true,\"result\":\"world\","
	    "\"version\":\"1.0.0\""));
	free(json);
}
END_TEST

/* The failing gate's record: the last gate run, not passed. */
static void expect_gate(cJSON *h, const char *gate, int line)
{
	cJSON *v = cJSON_GetObjectItem(h, "validation");
	cJSON *gates = cJSON_GetObjectItem(v, "gates");
	cJSON *last = cJSON_GetArrayItem(gates, cJSON_GetArraySize(gates) - 1);
	cJSON *e0 = cJSON_GetArrayItem(cJSON_GetObjectItem(v, "errors"), 0);

	ck_assert_str_eq(t_str(h, "state"), "VALIDATION_FAILED");
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(v, "passed")));
	ck_assert_str_eq(t_str(last, "name"), gate);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(last, "passed")));
	ck_assert_ptr_nonnull(e0);
	ck_assert_str_eq(t_str(e0, "gate"), gate);
	if (line)
		ck_assert_int_eq(cJSON_GetObjectItem(e0, "line")->valueint, line);
	ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(last, "ms")));
}

START_TEST(test_gates_one_by_one)
{
	cJSON *h;
	char *s;

	h = submit_wait("svc", "def f(:\n    return 1\n");
	expect_gate(h, "compile", 1);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(h, "version")));
	cJSON_Delete(h);

	h = submit_wait("svc", "def f(a):\n    return a\n");
	ck_assert_str_eq(t_str(h, "state"), "VALIDATED");
	cJSON_Delete(h);
	h = submit_wait("svc", "__version__ = \"1.0.1\"\ndef g():\n    return 1\n");
	expect_gate(h, "compatibility", 0);
	ck_assert_str_eq(t_str(h, "version"), "1.0.1");
	cJSON_Delete(h);

	h = submit_wait("svc", "import time\ndef f(a):\n    return a\n"
	    "def now():\n    return time.time()\n");
	expect_gate(h, "capabilities", 5);
	cJSON_Delete(h);

	h = submit_wait("svc", "X = [1][5]\ndef f(a):\n    return a\n");
	expect_gate(h, "verify+load", 0);
	cJSON_Delete(h);

	h = submit_wait("svc", "def f(a):\n    return a\n\ndef test_f():\n"
	    "    assert f(1) == 2, 'wrong'\n");
	expect_gate(h, "self-test", 5);
	s = cJSON_PrintUnformatted(cJSON_GetObjectItem(h, "validation"));
	ck_assert_ptr_nonnull(strstr(s, "test_f"));
	free(s);
	cJSON_Delete(h);

	/* failed submissions hold no number: the next one is 1.0.1 */
	h = submit_wait("svc", "def f(a):\n    return a + 1\n\ndef test_f():\n"
	    "    assert f(1) == 2\n");
	ck_assert_str_eq(t_str(h, "state"), "VALIDATED");
	ck_assert_str_eq(t_str(h, "version"), "1.0.1");
	cJSON_Delete(h);
	ck_assert_int_eq(nd_render_status(e, "svc", &s, NULL), 0);
	ck_assert_ptr_nonnull(strstr(s, "\"last_error\":"));
	free(s);
	/* the module of a failed self-test is not left loaded */
	ck_assert_int_eq(t_count_events(e, "validation_failed", "svc"), 5);
}
END_TEST

START_TEST(test_versions_semver)
{
	cJSON *h;

#define EXPECT(src, state, ver, bump) do { \
		h = submit_wait("svc", src); \
		ck_assert_str_eq(t_str(h, "state"), state); \
		if (ver) ck_assert_str_eq(t_str(h, "version"), ver); \
		if (bump) ck_assert_str_eq(t_str(h, "bump"), bump); \
		cJSON_Delete(h); \
	} while (0)
	EXPECT("def f(a):\n    return a\n", "VALIDATED", "1.0.0", NULL);
	EXPECT("def f(a):\n    return a + 1\n", "VALIDATED", "1.0.1", "patch");
	EXPECT("def f(a):\n    return a\ndef g():\n    return 2\n", "VALIDATED",
	    "1.1.0", "minor");
	/* breaking without a declared major: refused */
	EXPECT("def g():\n    return 2\n", "VALIDATION_FAILED", NULL, "major");
	/* breaking with a declared major that is not higher: refused */
	EXPECT("__version__ = \"1.5.0\"\ndef g():\n    return 2\n",
	    "VALIDATION_FAILED", "1.5.0", NULL);
	/* duplicate and lower versions */
	EXPECT("__version__ = \"1.1.0\"\ndef f(a):\n    return a\n"
	    "def g():\n    return 2\n", "VALIDATION_FAILED", "1.1.0", NULL);
	EXPECT("__version__ = \"1.0.5\"\ndef f(a):\n    return a\n"
	    "def g():\n    return 2\n", "VALIDATION_FAILED", "1.0.5", NULL);
	/* declared higher major for a breaking change */
	EXPECT("__version__ = \"2.0.0\"\ndef g():\n    return 2\n", "VALIDATED",
	    "2.0.0", "major");
	/* a declared jump is fine when higher */
	EXPECT("__version__ = \"2.3.7\"\ndef g():\n    return 3\n", "VALIDATED",
	    "2.3.7", "patch");
	EXPECT("def g():\n    return 4\n", "VALIDATED", "2.3.8", "patch");
#undef EXPECT
	{
		char **v;
		size_t n;

		ck_assert_int_eq(nd_version_list(e, "svc", &v, &n), 0);
		ck_assert_uint_eq(n, 6);
		ck_assert_str_eq(v[0], "1.0.0");
		ck_assert_str_eq(v[5], "2.3.8");
		nd_strv_free(v, n);
	}
}
END_TEST

START_TEST(test_breaking_against_active)
{
	cJSON *h;

	h = submit_wait("svc", "def f(a):\n    return a\n");
	cJSON_Delete(h);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0"), 0);
	h = submit_wait("svc", "__version__ = \"2.0.0\"\ndef g():\n    return 1\n");
	ck_assert_str_eq(t_str(h, "state"), "VALIDATED");
	cJSON_Delete(h);
	/* going forward to 2.0.0 over 1.0.0 is allowed (higher major), and
	 * going back is always allowed */
	ck_assert_int_eq(t_ctl(e, "svc", "activate 2.0.0"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "rollback"), 0);
	{
		char *a = t_active(e, "svc");

		ck_assert_str_eq(a, "2.0.0\n");
		free(a);
	}
}
END_TEST

START_TEST(test_ctl_errno)
{
	nd_err err = { 0, "" };
	cJSON *h, *st;
	char *a;

	h = submit_wait("svc", "def f():\n    return 1\n");
	cJSON_Delete(h);
	h = submit_wait("svc", "def f():\n    return 2\n");
	cJSON_Delete(h);
	ck_assert_int_eq(t_ctl(e, "svc", ""), EINVAL);
	ck_assert_int_eq(t_ctl(e, "svc", "frobnicate"), EINVAL);
	ck_assert_int_eq(t_ctl(e, "svc", "activate x.y"), EINVAL);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0 extra"), EINVAL);
	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.1 101"), EINVAL);
	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.1"), EINVAL);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 9.9.9"), ENOENT);
	ck_assert_int_eq(t_ctl(e, "svc", "unload 9.9.9"), ENOENT);
	ck_assert_int_eq(t_ctl(e, "svc", "rollback"), EBUSY);
	ck_assert_int_eq(t_ctl(e, "svc", "promote"), EBUSY);
	ck_assert_int_eq(t_ctl(e, "svc", "abort"), EBUSY);
	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.1 10"), EBUSY);
	ck_assert_int_eq(nd_ctl(e, "svc", "activate", 8, getuid() + 1, &err),
	    EACCES);
	ck_assert_int_eq(nd_ctl(e, "nosuch", "activate", 8, getuid(), &err),
	    ENOENT);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0\n"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0"), EBUSY);
	ck_assert_int_eq(t_ctl(e, "svc", "unload 1.0.0"), EBUSY);
	ck_assert_int_eq(t_ctl(e, "svc", "activate"), 0);
	a = t_active(e, "svc");
	ck_assert_str_eq(a, "1.0.1\n");
	free(a);
	ck_assert_int_eq(t_ctl(e, "svc", "rollback"), 0);
	a = t_active(e, "svc");
	ck_assert_str_eq(a, "1.0.0\n");
	free(a);
	ck_assert_int_eq(t_ctl(e, "svc", "unload 1.0.1"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "unload 1.0.1"), EBUSY);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.1"), EBUSY);
	st = t_status(e, "svc");
	ck_assert_ptr_nonnull(strstr(t_str(st, "last_error"), "1.0.1"));
	cJSON_Delete(st);
	ck_assert_int_ge(t_count_events(e, "ctl_failed", "svc"), 15);
	ck_assert_int_eq(t_count_events(e, "rolled_back", "svc"), 1);
	ck_assert_int_eq(t_count_events(e, "unloaded", "svc"), 1);
	ck_assert_str_eq(t_vstate(e, "svc", "1.0.1"), "RETIRED\n");
}
END_TEST

static void call_n(int n, const char *text, int *errors)
{
	nd_err err = { 0, "" };
	int i;

	for (i = 0; i < n; i++) {
		char *j;

		ck_assert_int_eq(nd_call_text(e, "svc", text, strlen(text), &j,
		    &err), 0);
		if (strstr(j, "\"ok\":false"))
			(*errors)++;
		free(j);
	}
}

START_TEST(test_canary_analysis)
{
	const char *pol = "canary.min_calls = 20\ncanary.max_error_rate = 0.1\n";
	nd_err err = { 0, "" };
	cJSON *h, *st, *ev, *it;
	int errors = 0;
	char *a;
	bool found = false;

	ck_assert_int_eq(nd_policy_set(e, "svc", pol, strlen(pol), getuid(),
	    &err), 0);
	cJSON_Delete(submit_wait("svc", "def f(x):\n    return 1\n"));
	ck_assert_int_eq(t_ctl(e, "svc", "activate"), 0);
	/* a faulty canary */
	h = submit_wait("svc", "def f(x):\n    return 1 // (x - x)\n");
	ck_assert_str_eq(t_str(h, "version"), "1.0.1");
	cJSON_Delete(h);
	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.1 50"), 0);
	st = t_status(e, "svc");
	ck_assert_str_eq(t_str(st, "state"), "CANARY");
	cJSON_Delete(st);
	call_n(39, "f(3)", &errors);
	ck_assert_int_eq(errors, 19);   /* exact share: 19 of 39 */
	st = t_status(e, "svc");
	ck_assert_str_eq(t_str(st, "state"), "CANARY");
	cJSON_Delete(st);
	call_n(1, "f(3)", &errors);     /* the 20th canary call */
	st = t_status(e, "svc");
	ck_assert_str_eq(t_str(st, "state"), "ACTIVE");
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(st, "canary")));
	cJSON_Delete(st);
	a = t_active(e, "svc");
	ck_assert_str_eq(a, "1.0.0\n");
	free(a);
	ev = t_events(e);
	cJSON_ArrayForEach(it, ev)
		if (!strcmp(t_str(it, "type"), "rolled_back")) {
			ck_assert_ptr_nonnull(strstr(t_str(it, "reason"),
			    "20 calls, 20 errors"));
			found = true;
		}
	cJSON_Delete(ev);
	ck_assert(found);
	ck_assert_str_eq(t_hstate(e, 2), "ROLLED_BACK");
	/* every later call goes to the stable version */
	errors = 0;
	call_n(10, "f(3)", &errors);
	ck_assert_int_eq(errors, 0);

	/* a sound canary is promoted */
	cJSON_Delete(submit_wait("svc", "def f(x):\n    return 2\n"));
	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.2 100"), 0);
	call_n(20, "f(3)", &errors);
	ck_assert_int_eq(errors, 0);
	a = t_active(e, "svc");
	ck_assert_str_eq(a, "1.0.2\n");
	free(a);
	ck_assert_int_eq(t_count_events(e, "canary_promoted", "svc"), 1);
	ck_assert_str_eq(t_hstate(e, 3), "ACTIVE");
	ck_assert_str_eq(t_hstate(e, 1), "SUPERSEDED");
}
END_TEST

START_TEST(test_canary_ctl_midway)
{
	const char *pol = "canary.min_calls = 100000\n";
	nd_err err = { 0, "" };
	int errors = 0;
	char *a;

	ck_assert_int_eq(nd_policy_set(e, "svc", pol, strlen(pol), getuid(),
	    &err), 0);
	cJSON_Delete(submit_wait("svc", "def f(x):\n    return 1\n"));
	ck_assert_int_eq(t_ctl(e, "svc", "activate"), 0);
	cJSON_Delete(submit_wait("svc", "def f(x):\n    return 2\n"));
	cJSON_Delete(submit_wait("svc", "def f(x):\n    return 3\n"));
	cJSON_Delete(submit_wait("svc", "def f(x):\n    return 4\n"));

	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.1 30"), 0);
	call_n(10, "f(0)", &errors);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.2"), EBUSY);
	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.2 30"), EBUSY);
	ck_assert_int_eq(t_ctl(e, "svc", "abort"), 0);
	ck_assert_int_eq(t_count_events(e, "canary_aborted", "svc"), 1);
	a = t_active(e, "svc");
	ck_assert_str_eq(a, "1.0.0\n");
	free(a);

	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.2 30"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "promote"), 0);
	a = t_active(e, "svc");
	ck_assert_str_eq(a, "1.0.2\n");
	free(a);

	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.3 30"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "rollback"), 0);
	a = t_active(e, "svc");
	ck_assert_str_eq(a, "1.0.2\n");
	free(a);
	ck_assert_str_eq(t_hstate(e, 4), "ROLLED_BACK");
	ck_assert_int_eq(errors, 0);
}
END_TEST

START_TEST(test_keep_loaded_and_auto)
{
	const char *pol = "activation = auto\nkeep_loaded = 1\n";
	nd_err err = { 0, "" };
	char *s;
	int i;

	ck_assert_int_eq(nd_policy_set(e, "svc", pol, strlen(pol), getuid(),
	    &err), 0);
	ck_assert_int_eq(nd_policy_set(e, "svc", "gas = x", 7, getuid(), &err),
	    EINVAL);
	ck_assert_int_eq(nd_render_policy(e, "svc", &s, NULL), 0);
	ck_assert_ptr_nonnull(strstr(s, "activation = auto\n"));
	ck_assert_ptr_nonnull(strstr(s, "keep_loaded = 1\n"));
	free(s);
	for (i = 0; i < 4; i++) {
		char src[64];

		snprintf(src, sizeof(src), "def f():\n    return %d\n", i);
		cJSON_Delete(submit_wait("svc", src));
	}
	s = t_active(e, "svc");
	ck_assert_str_eq(s, "1.0.3\n");
	free(s);
	/* the previous (1.0.2) stays loaded, older ones are retired */
	ck_assert_str_eq(t_vstate(e, "svc", "1.0.2"), "LOADED\n");
	ck_assert_str_eq(t_vstate(e, "svc", "1.0.0"), "RETIRED\n");
	ck_assert_str_eq(t_vstate(e, "svc", "1.0.1"), "RETIRED\n");
	ck_assert_int_eq(t_ctl(e, "svc", "rollback"), 0);
	s = t_active(e, "svc");
	ck_assert_str_eq(s, "1.0.2\n");
	free(s);
	ck_assert_int_eq(t_count_events(e, "policy_changed", "svc"), 1);
}
END_TEST

START_TEST(test_renderings)
{
	const char *src = "def f(x: int) -> int:\n    print('got', x)\n"
	    "    return x * 2\n";
	const char *keys[] = { "unit", "state", "active", "previous", "canary",
		"versions", "pending", "last_handle", "last_error", "policy",
		"owner", "created", "updated" };
	const char *hkeys[] = { "id", "unit", "version", "state", "submitted_by",
		"uid", "submitted_at", "finished_at", "source_bytes",
		"source_sha256", "bump", "capabilities", "contract", "validation" };
	nd_err err = { 0, "" };
	cJSON *st, *h;
	char *s;
	size_t i, n;

	h = submit_wait("svc", src);
	for (i = 0; i < sizeof(hkeys) / sizeof(hkeys[0]); i++)
		ck_assert_msg(cJSON_HasObjectItem(h, hkeys[i]), "handle lacks %s",
		    hkeys[i]);
	ck_assert_int_eq(cJSON_GetObjectItem(h, "source_bytes")->valueint,
	    (int)strlen(src));
	ck_assert_uint_eq(strlen(t_str(h, "source_sha256")), 64);
	ck_assert_ptr_nonnull(strstr(t_str(h, "submitted_at"), "Z"));
	cJSON_Delete(h);
	ck_assert_int_eq(t_ctl(e, "svc", "activate"), 0);
	ck_assert_int_eq(nd_call_text(e, "svc", "f(21)\n", 6, &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(s, "\"result\":42"));
	free(s);
	ck_assert_int_eq(nd_call_text(e, "svc", "f(", 2, &s, &err), EINVAL);
	ck_assert_int_eq(nd_call_text(e, "svc", "nosuch()", 8, &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(s, "\"ok\":false"));
	free(s);
	st = t_status(e, "svc");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ck_assert_msg(cJSON_HasObjectItem(st, keys[i]), "status lacks %s",
		    keys[i]);
	ck_assert_str_eq(t_str(st, "state"), "ACTIVE");
	ck_assert_str_eq(t_str(st, "active"), "1.0.0");
	cJSON_Delete(st);
	ck_assert_int_eq(nd_render_state(e, "svc", &s, &n), 0);
	ck_assert_str_eq(s, "ACTIVE\n");
	ck_assert_uint_eq(n, 7);
	free(s);
	ck_assert_int_eq(nd_render_log(e, "svc", &s, &n), 0);
	ck_assert_ptr_nonnull(strstr(s, " 1.0.0 got 21\n"));
	free(s);
	ck_assert_int_eq(nd_render_metrics(e, "svc", &s, &n), 0);
	ck_assert_ptr_nonnull(strstr(s, "# TYPE noodle_calls_total counter\n"));
	ck_assert_ptr_nonnull(strstr(s, "noodle_calls_total{unit=\"svc\","
	    "version=\"1.0.0\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "noodle_call_errors_total{unit=\"svc\","
	    "version=\"1.0.0\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "noodle_call_duration_seconds_bucket{"
	    "unit=\"svc\",version=\"1.0.0\",le=\"+Inf\"} 2\n"));
	ck_assert_ptr_nonnull(strstr(s, "noodle_updates_total{unit=\"svc\","
	    "result=\"validated\"} 1\n"));
	ck_assert_ptr_nonnull(strstr(s, "# HELP noodle_validation_duration_seconds"));
	ck_assert_ptr_nonnull(strstr(s, "noodle_version_state{unit=\"svc\","
	    "version=\"1.0.0\",state=\"ACTIVE\"} 1\n"));
	free(s);
	ck_assert_int_eq(nd_render_version_file(e, "svc", "1.0.0", ND_VF_SOURCE,
	    &s, &n), 0);
	ck_assert_uint_eq(n, strlen(src));
	ck_assert_mem_eq(s, src, n);
	free(s);
	ck_assert_int_eq(nd_render_version_file(e, "svc", "1.0.0",
	    ND_VF_CONTRACT, &s, &n), 0);
	h = cJSON_Parse(s);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_nonnull(strstr(s, "\"int\""));
	cJSON_Delete(h);
	free(s);
	ck_assert_int_eq(nd_render_version_file(e, "svc", "1.0.0",
	    ND_VF_BYTECODE, &s, &n), 0);
	ck_assert_uint_gt(n, 10);
	free(s);
	ck_assert_int_eq(nd_render_version_file(e, "svc", "3.0.0",
	    ND_VF_SOURCE, &s, &n), ENOENT);
}
END_TEST

START_TEST(test_units_and_events)
{
	nd_err err = { 0, "" };
	uint64_t *hids, hid;
	cJSON *ev, *it;
	char **ids;
	size_t n;
	uint64_t seq = 0;

	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), EEXIST);
	ck_assert_int_eq(nd_unit_create(e, "../x", getuid(), &err), EINVAL);
	ck_assert_int_eq(nd_unit_create(e, "b", getuid(), &err), 0);
	ck_assert_int_eq(nd_unit_list(e, &ids, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(ids[0], "svc");
	ck_assert_str_eq(ids[1], "b");
	nd_strv_free(ids, n);
	ck_assert_int_eq(nd_submit(e, "nosuch", "x", 1, getuid(), &hid, &err),
	    ENOENT);
	ck_assert_int_eq(nd_submit(e, "b", "x", 1, getuid() + 1, &hid, &err),
	    EACCES);
	{
		char *big = calloc(1, ND_DEFAULT_MAX_SOURCE + 1);

		memset(big, ' ', ND_DEFAULT_MAX_SOURCE + 1);
		ck_assert_int_eq(nd_submit(e, "b", big, ND_DEFAULT_MAX_SOURCE + 1,
		    getuid(), &hid, &err), EFBIG);
		free(big);
	}
	cJSON_Delete(submit_wait("b", "def f():\n    return 1\n"));
	ck_assert_int_eq(t_ctl(e, "b", "activate"), 0);
	ck_assert_int_eq(nd_unit_retire(e, "b", getuid(), &err), EBUSY);
	ck_assert_int_eq(nd_unit_retire(e, "svc", getuid(), &err), 0);
	ck_assert_int_eq(nd_unit_retire(e, "svc", getuid(), &err), ENOENT);
	ck_assert_int_eq(nd_handle_list(e, &hids, &n), 0);
	ck_assert_uint_eq(n, 1);
	free(hids);
	ev = t_events(e);
	cJSON_ArrayForEach(it, ev) {
		cJSON *s = cJSON_GetObjectItem(it, "seq");

		ck_assert((uint64_t)s->valuedouble == seq + 1);
		seq++;
		ck_assert_int_eq(strlen(t_str(it, "time")), 24);
		ck_assert(cJSON_HasObjectItem(it, "unit"));
	}
	cJSON_Delete(ev);
	ck_assert_int_eq(t_count_events(e, "unit_created", NULL), 2);
	ck_assert_int_eq(t_count_events(e, "submitted", "b"), 1);
	ck_assert_int_eq(t_count_events(e, "validating", "b"), 1);
	ck_assert_int_eq(t_count_events(e, "validated", "b"), 1);
	ck_assert_int_eq(t_count_events(e, "loaded", "b"), 1);
	ck_assert_int_eq(t_count_events(e, "activated", "b"), 1);
	ck_assert_int_eq(t_count_events(e, "unit_retired", "svc"), 1);
	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), 0);
}
END_TEST

/* fs.read/fs.write work in the unit's own data folder, which persists
 * between calls and lives in the state folder; without the capability
 * the call fails. */
START_TEST(test_fs_capability_data_folder)
{
	const char *src = "import fs\n"
	    "def put(name: str, text: str) -> int:\n"
	    "    return fs.write(name, text)\n"
	    "def get(name: str) -> str:\n"
	    "    return fs.read(name)\n";
	const char *pol = "capabilities = log fs\n";
	nd_err err = { 0, "" };
	char *json, *path;
	cJSON *h;
	struct stat st;

	ck_assert_int_eq(nd_policy_set(e, "svc", pol, strlen(pol), getuid(),
	    &err), 0);
	h = submit_wait("svc", src);
	ck_assert_str_eq(t_str(h, "state"), "VALIDATED");
	cJSON_Delete(h);
	ck_assert_int_eq(t_ctl(e, "svc", "activate"), 0);
	ck_assert_int_eq(nd_call_text(e, "svc", "put('note', 'hi')", 17, &json,
	    &err), 0);
	ck_assert_msg(strstr(json, "\"ok\":true"), "%s", json);
	free(json);
	ck_assert_int_eq(nd_call_text(e, "svc", "get('note')", 11, &json,
	    &err), 0);
	ck_assert_msg(strstr(json, "\"result\":\"hi\""), "%s", json);
	free(json);
	ck_assert_int_ge(asprintf(&path, "%s/units/svc/data/note", dir), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 2);
	free(path);
	ck_assert_int_eq(nd_call_text(e, "svc", "get('../unit.json')", 19,
	    &json, &err), 0);
	ck_assert_msg(strstr(json, "\"ValueError\""), "%s", json);
	free(json);
}
END_TEST

/* A policy file that does not parse changes nothing; its reason goes to
 * status.last_error and to a policy_refused event. */
START_TEST(test_policy_refused)
{
	const char *bad = "activation = sometimes\n";
	nd_err err = { 0, "" };
	char *pol;
	size_t len;
	cJSON *st;

	ck_assert_int_eq(nd_render_policy(e, "svc", &pol, &len), 0);
	ck_assert_int_eq(nd_policy_set(e, "svc", bad, strlen(bad), getuid(),
	    &err), EINVAL);
	ck_assert_str_ne(err.msg, "");
	st = t_status(e, "svc");
	ck_assert_str_eq(t_str(st, "last_error"), err.msg);
	cJSON_Delete(st);
	ck_assert_int_eq(t_count_events(e, "policy_refused", "svc"), 1);
	{
		char *now;

		ck_assert_int_eq(nd_render_policy(e, "svc", &now, &len), 0);
		ck_assert_str_eq(now, pol);
		free(now);
	}
	free(pol);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nd_engine");
	TCase *tc = tcase_create("engine");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_basic_update_flow);
	tcase_add_test(tc, test_gates_one_by_one);
	tcase_add_test(tc, test_versions_semver);
	tcase_add_test(tc, test_breaking_against_active);
	tcase_add_test(tc, test_ctl_errno);
	tcase_add_test(tc, test_canary_analysis);
	tcase_add_test(tc, test_canary_ctl_midway);
	tcase_add_test(tc, test_keep_loaded_and_auto);
	tcase_add_test(tc, test_renderings);
	tcase_add_test(tc, test_units_and_events);
	tcase_add_test(tc, test_fs_capability_data_folder);
	tcase_add_test(tc, test_policy_refused);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run_suite(suite());
}
