/*
 * test_nd_tables.c - the engine's pure parts: the version and handle
 * transition tables, the DeployableUnit of the plan's Task 1, the policy
 * file, SHA-256 and the time format.
 */
#include "nd_testlib.h"
#include "nd_internal.h"

/* The version lifecycle of SPEC.md section 2, written out independently. */
static const int vallowed[][2] = {
	{ ND_V_BUILDING, ND_V_VALIDATED }, { ND_V_BUILDING, ND_V_FAILED },
	{ ND_V_VALIDATED, ND_V_LOADED }, { ND_V_LOADED, ND_V_ACTIVE },
	{ ND_V_ACTIVE, ND_V_LOADED }, { ND_V_LOADED, ND_V_CANARY },
	{ ND_V_CANARY, ND_V_ACTIVE }, { ND_V_CANARY, ND_V_LOADED },
	{ ND_V_LOADED, ND_V_RETIRED },
};

static bool in_vallowed(int f, int t)
{
	size_t i;

	for (i = 0; i < sizeof(vallowed) / sizeof(vallowed[0]); i++)
		if (vallowed[i][0] == f && vallowed[i][1] == t)
			return true;
	return false;
}

START_TEST(test_version_table)
{
	int f, t;

	for (f = 0; f < ND_V__COUNT; f++)
		for (t = 0; t < ND_V__COUNT; t++) {
			nd_version v;
			nd_err err = { 0, "" };
			int r;

			memset(&v, 0, sizeof(v));
			strcpy(v.ver, "1.0.0");
			v.state = (enum nd_vstate)f;
			ck_assert_int_eq(nd_vtrans_allowed(f, t), in_vallowed(f, t));
			r = nd_version_transition(&v, (enum nd_vstate)t, &err);
			if (in_vallowed(f, t)) {
				ck_assert_int_eq(r, 0);
				ck_assert_int_eq(v.state, t);
			} else {
				ck_assert_int_eq(r, EBUSY);
				ck_assert_int_eq(v.state, f);
				ck_assert_ptr_nonnull(strstr(err.msg, "cannot become"));
			}
		}
	ck_assert_str_eq(nd_vstate_name(ND_V_CANARY), "CANARY");
	ck_assert_int_eq(nd_vstate_parse("RETIRED"), ND_V_RETIRED);
	ck_assert_int_eq(nd_vstate_parse("retired"), -1);
	ck_assert_str_eq(nd_vtrans_event(ND_V_LOADED, ND_V_ACTIVE), "activated");
	ck_assert_str_eq(nd_vtrans_event(ND_V_CANARY, ND_V_ACTIVE),
	    "canary_promoted");
}
END_TEST

static const int hallowed[][2] = {
	{ ND_H_QUEUED, ND_H_VALIDATING }, { ND_H_VALIDATING, ND_H_VALIDATED },
	{ ND_H_VALIDATING, ND_H_VALIDATION_FAILED },
	{ ND_H_VALIDATING, ND_H_QUEUED },
	{ ND_H_VALIDATED, ND_H_CANARY }, { ND_H_VALIDATED, ND_H_ACTIVE },
	{ ND_H_CANARY, ND_H_ACTIVE }, { ND_H_CANARY, ND_H_ROLLED_BACK },
	{ ND_H_ACTIVE, ND_H_ROLLED_BACK }, { ND_H_ACTIVE, ND_H_SUPERSEDED },
};

START_TEST(test_handle_table)
{
	int f, t;
	size_t i;

	for (f = 0; f < ND_H__COUNT; f++)
		for (t = 0; t < ND_H__COUNT; t++) {
			nd_handle h;
			bool want = false;
			int r;

			for (i = 0; i < sizeof(hallowed) / sizeof(hallowed[0]); i++)
				if (hallowed[i][0] == f && hallowed[i][1] == t)
					want = true;
			memset(&h, 0, sizeof(h));
			h.state = (enum nd_hstate)f;
			ck_assert_int_eq(nd_htrans_allowed(f, t), want);
			r = nd_handle_transition(&h, (enum nd_hstate)t, NULL);
			ck_assert_int_eq(r, want ? 0 : EBUSY);
			ck_assert_int_eq(h.state, want ? t : f);
		}
	ck_assert(nd_hstate_pending(ND_H_QUEUED));
	ck_assert(nd_hstate_pending(ND_H_VALIDATING));
	ck_assert(!nd_hstate_pending(ND_H_VALIDATED));
}
END_TEST

START_TEST(test_handle_json_roundtrip)
{
	nd_handle *h = nd_handle_new(), *b;
	cJSON *j, *j2;
	char *s1, *s2;

	h->id = 42;
	strcpy(h->unit, "svc");
	strcpy(h->version, "1.2.3");
	h->state = ND_H_VALIDATED;
	h->uid = 1000;
	strcpy(h->user, "alice");
	h->submitted_ms = 1700000000123;
	h->finished_ms = 1700000000456;
	h->source_bytes = 77;
	strcpy(h->sha256, "ab");
	strcpy(h->bump, "minor");
	h->caps = NBC_CAP_LOG | NBC_CAP_TIME;
	h->validation = cJSON_Parse("{\"passed\":true}");
	j = nd_handle_json(h);
	b = nd_handle_from_json(j);
	ck_assert_ptr_nonnull(b);
	j2 = nd_handle_json(b);
	s1 = cJSON_PrintUnformatted(j);
	s2 = cJSON_PrintUnformatted(j2);
	ck_assert_str_eq(s1, s2);
	ck_assert_ptr_nonnull(strstr(s1, "\"submitted_at\":\"2023-11-14T22:13:20.123Z\""));
	free(s1);
	free(s2);
	cJSON_Delete(j);
	cJSON_Delete(j2);
	nd_handle_free(h);
	nd_handle_free(b);
	j = cJSON_Parse("{\"id\":\"x\"}");
	ck_assert_ptr_null(nd_handle_from_json(j));
	cJSON_Delete(j);
}
END_TEST

/* The plan's Task 1, test_deployable_unit_basic, step by step. */
START_TEST(test_deployable_unit_basic)
{
	const char *src = "def hello():\n    return \"world\"\n";
	ncc_result cr;
	nbc_runtime *rt;
	nd_version *unit;
	nbc_result res;
	bool success;

	memset(&cr, 0, sizeof(cr));
	ck_assert_int_eq(ncc_compile(src, strlen(src), &cr), 0);
	ck_assert(cr.ok);
	unit = nd_version_new("test-service", "1.0.0", cr.blob, cr.blob_len);
	ncc_result_free(&cr);

	ck_assert_int_eq(unit->state, ND_V_BUILDING);
	ck_assert(nd_version_is_healthy(unit) == true);

	rt = nbc_runtime_new();
	success = nd_version_load(unit, rt, NULL);
	ck_assert(success == true);
	ck_assert_int_eq(unit->state, ND_V_LOADED);
	ck_assert_str_eq(nbc_module_id(unit->mod), "test-service@1.0.0");

	ck_assert_int_eq(nd_version_activate(unit, NULL), 0);
	ck_assert(nd_version_is_active(unit) == true);

	memset(&res, 0, sizeof(res));
	ck_assert_int_eq(nbc_call(unit->mod, "hello", NULL, 0, NULL, NULL, &res),
	    0);
	ck_assert(res.ok);
	ck_assert_int_eq(res.value.type, NBC_LIT_STR);
	ck_assert_str_eq(res.value.u.str.s, "world");
	nbc_result_free(&res);

	/* an active version cannot be unloaded; a refused step changes nothing */
	ck_assert_int_eq(nd_version_unload(unit, rt, NULL), EBUSY);
	ck_assert(nd_version_is_active(unit));
	nd_version_free(unit);

	/* a blob the verifier refuses: FAILED and unhealthy */
	unit = nd_version_new("test-service", "1.0.1",
	    (const uint8_t *)"mock_bytecode", 13);
	ck_assert(nd_version_load(unit, rt, NULL) == false);
	ck_assert_int_eq(unit->state, ND_V_FAILED);
	ck_assert(nd_version_is_healthy(unit) == false);
	ck_assert_ptr_nonnull(unit->last_error);
	nd_version_free(unit);
	nbc_runtime_free(rt);
}
END_TEST

static bool policy_eq(const nd_policy *a, const nd_policy *b)
{
	return a->caps == b->caps && a->activation == b->activation &&
	    a->canary_percent == b->canary_percent &&
	    a->canary_min_calls == b->canary_min_calls &&
	    a->canary_max_error_rate == b->canary_max_error_rate &&
	    a->keep_loaded == b->keep_loaded && a->gas == b->gas &&
	    a->memory == b->memory;
}

START_TEST(test_policy_parse)
{
	nd_policy p, q;
	nd_err err = { 0, "" };
	const char *good = "# comment\n\ncapabilities = log time random\n"
	    "activation = canary\ncanary.percent = 25\ncanary.min_calls = 7\n"
	    "canary.max_error_rate = 0.125\nkeep_loaded = 0\ngas = 1000\n"
	    "memory = 2048\n";
	const char *bad[] = {
		"capabilities = log net\n", "activation = sometimes\n",
		"canary.percent = 101\n", "canary.percent = -1\n",
		"canary.min_calls = 0\n", "canary.max_error_rate = 1.5\n",
		"canary.max_error_rate = nan\n", "keep_loaded = x\n", "gas = 0\n",
		"memory = 12abc\n", "colour = blue\n", "just words\n",
		"gas = 5\ngas = 6\n", "gas = \n",
	};
	char *s;
	size_t i, n;

	ck_assert_int_eq(nd_policy_parse("", 0, &p, &err), 0);
	ck_assert_uint_eq(p.caps, NBC_CAP_LOG);
	ck_assert_int_eq(p.activation, ND_ACT_MANUAL);
	ck_assert_int_eq(p.keep_loaded, 2);
	ck_assert_uint_eq(p.gas, NBC_DEFAULT_GAS);
	ck_assert_int_eq(nd_policy_parse(good, strlen(good), &p, &err), 0);
	ck_assert_uint_eq(p.caps, NBC_CAP_LOG | NBC_CAP_TIME | NBC_CAP_RANDOM);
	ck_assert_int_eq(p.activation, ND_ACT_CANARY);
	ck_assert_int_eq(p.canary_percent, 25);
	ck_assert_uint_eq(p.canary_min_calls, 7);
	ck_assert(p.canary_max_error_rate == 0.125);
	ck_assert_int_eq(p.keep_loaded, 0);
	ck_assert_uint_eq(p.gas, 1000);
	ck_assert_uint_eq(p.memory, 2048);
	s = nd_policy_render(&p, &n);
	ck_assert_int_eq(nd_policy_parse(s, n, &q, &err), 0);
	ck_assert(policy_eq(&p, &q));
	free(s);
	ck_assert_int_eq(nd_policy_parse("capabilities =\n", 15, &p, &err), 0);
	ck_assert_uint_eq(p.caps, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nd_policy_default(&q);
		q.gas = 99;
		p = q;
		ck_assert_msg(nd_policy_parse(bad[i], strlen(bad[i]), &p, &err) ==
		    EINVAL, "accepted: %s", bad[i]);
		ck_assert(policy_eq(&p, &q));
		ck_assert_ptr_nonnull(strstr(err.msg, "line"));
	}
}
END_TEST

START_TEST(test_sha256)
{
	char out[65], *big;

	nd_sha256_hex("", 0, out);
	ck_assert_str_eq(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	nd_sha256_hex("abc", 3, out);
	ck_assert_str_eq(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	nd_sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, out);
	ck_assert_str_eq(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	big = malloc(1000000);
	memset(big, 'a', 1000000);
	nd_sha256_hex(big, 1000000, out);
	ck_assert_str_eq(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(big);
}
END_TEST

START_TEST(test_time_format)
{
	char buf[32];

	nd_time_fmt(0 + 5, buf);
	ck_assert_str_eq(buf, "1970-01-01T00:00:00.005Z");
	nd_time_fmt(1764236888123LL, buf);
	ck_assert_int_eq(nd_time_parse(buf), 1764236888123LL);
	ck_assert_int_eq(nd_time_parse("2026-11-27 09:00:00"), -1);
	ck_assert(nd_unit_id_valid("svc"));
	ck_assert(nd_unit_id_valid("a.b_c-9"));
	ck_assert(!nd_unit_id_valid(".svc"));
	ck_assert(!nd_unit_id_valid("a/b"));
	ck_assert(!nd_unit_id_valid(""));
	memset(buf, 'a', 31);
	buf[31] = '\0';
	ck_assert(nd_unit_id_valid(buf));
	{
		char big[70];

		memset(big, 'a', 65);
		big[65] = '\0';
		ck_assert(!nd_unit_id_valid(big));
		big[64] = '\0';
		ck_assert(nd_unit_id_valid(big));
	}
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nd_tables");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_version_table);
	tcase_add_test(tc, test_handle_table);
	tcase_add_test(tc, test_handle_json_roundtrip);
	tcase_add_test(tc, test_deployable_unit_basic);
	tcase_add_test(tc, test_policy_parse);
	tcase_add_test(tc, test_sha256);
	tcase_add_test(tc, test_time_format);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run_suite(suite());
}
