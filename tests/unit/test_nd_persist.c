/*
 * test_nd_persist.c - the state folder: crash-safe batches, the event
 * log, the lock and format, a round trip through close and reopen,
 * recovery (active again, canary aborted, queued work validated again),
 * corrupt files, injected write and fsync failures, handle files written
 * lazily (unit.json's handle states win), and SIGKILL at random moments
 * while a child submits, activates and rolls back.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "nd_testlib.h"
#include "nd_internal.h"

static char *file(const char *dir, const char *rest)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", dir, rest);
	return buf;
}

START_TEST(test_pbatch)
{
	char *d = t_mkstate(), *s;
	nd_pbatch pb;
	nd_err err = { 0, "" };
	size_t n;

	nd_pb_init(&pb);
	ck_assert_int_eq(nd_pb_add(&pb, file(d, "a"), "one", 3, &err), 0);
	ck_assert_int_eq(nd_pb_add(&pb, file(d, "b"), "two", 3, &err), 0);
	ck_assert_int_eq(access(file(d, "a"), F_OK), -1);
	ck_assert_int_eq(nd_pb_commit(&pb, &err), 0);
	s = nd_read_file(file(d, "a"), &n);
	ck_assert_str_eq(s, "one");
	free(s);
	/* a failing write in the middle: nothing of the batch is visible */
	nd_pb_init(&pb);
	ck_assert_int_eq(nd_pb_add(&pb, file(d, "a"), "ONE", 3, &err), 0);
	nd_persist_fail_after(0);
	ck_assert_int_eq(nd_pb_add(&pb, file(d, "b"), "TWO", 3, &err), EIO);
	nd_persist_fail_after(-1);
	nd_pb_abort(&pb);
	s = nd_read_file(file(d, "a"), &n);
	ck_assert_str_eq(s, "one");
	free(s);
	s = nd_read_file(file(d, "b"), &n);
	ck_assert_str_eq(s, "two");
	free(s);
	t_rmtree(d);
	{
		DIR *dd = opendir(d);

		ck_assert_ptr_null(dd);
	}
	free(d);
}
END_TEST

START_TEST(test_event_log_repair)
{
	char *d = t_mkstate();
	nd_engine *e = t_open(d, 1);
	nd_err err = { 0, "" };
	uint64_t size;
	int fd;

	ck_assert_int_eq(nd_unit_create(e, "u", getuid(), &err), 0);
	nd_engine_close(e);
	fd = open(file(d, "events.jsonl"), O_WRONLY | O_APPEND);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "{\"seq\":2,\"ti", 12), 12);
	close(fd);
	e = t_open(d, 1);
	/* the cut line is gone, seq goes on from 1, the repair is reported */
	ck_assert_int_eq(t_count_events(e, "corrupt", NULL), 1);
	ck_assert_int_eq(t_count_events(e, "unit_created", "u"), 1);
	size = nd_events_size(e);
	ck_assert_int_eq(nd_unit_create(e, "v", getuid(), &err), 0);
	ck_assert_uint_gt(nd_events_size(e), size);
	{
		cJSON *a = t_events(e);

		ck_assert_int_eq(cJSON_GetArraySize(a), 3);
		ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(a, 2),
		    "seq")->valueint, 3);
		cJSON_Delete(a);
	}
	nd_engine_close(e);
	t_rmtree(d);
	free(d);
}
END_TEST

START_TEST(test_lock_and_format)
{
	char *d = t_mkstate();
	nd_engine *e = t_open(d, 1), *e2 = NULL;
	nd_config cfg = { 0 };
	nd_err err = { 0, "" };
	char pid[32];
	FILE *f;

	cfg.state_dir = d;
	ck_assert_int_eq(nd_engine_open(&cfg, &e2, &err), EBUSY);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	ck_assert_ptr_nonnull(strstr(err.msg, pid));
	nd_engine_close(e);
	/* format 1 (no journal) is upgraded */
	f = fopen(file(d, "format"), "w");
	fputs("1\n", f);
	fclose(f);
	e = t_open(d, 1);
	nd_engine_close(e);
	{
		char *s = nd_read_file(file(d, "format"), NULL);

		ck_assert_str_eq(s, "2\n");
		free(s);
	}
	f = fopen(file(d, "format"), "w");
	fputs("3\n", f);
	fclose(f);
	ck_assert_int_eq(nd_engine_open(&cfg, &e2, &err), EINVAL);
	ck_assert_ptr_nonnull(strstr(err.msg, "newer"));
	t_rmtree(d);
	free(d);
}
END_TEST

START_TEST(test_roundtrip)
{
	const char *pol = "capabilities = log time\nkeep_loaded = 3\n";
	char *d = t_mkstate(), *s1, *s2, *j;
	nd_engine *e = t_open(d, 2);
	nd_err err = { 0, "" };
	cJSON *st;
	uint64_t h1, h2;

	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), 0);
	ck_assert_int_eq(nd_policy_set(e, "svc", pol, strlen(pol), getuid(),
	    &err), 0);
	h1 = t_submit(e, "svc", "def f():\n    return 1\n");
	h2 = t_submit(e, "svc", "def f():\n    return 2\n");
	t_idle(e, "svc");
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.1"), 0);
	ck_assert_int_eq(nd_render_handle(e, h2, &s1, NULL), 0);
	nd_engine_close(e);

	e = t_open(d, 2);
	j = t_active(e, "svc");
	ck_assert_str_eq(j, "1.0.1\n");
	free(j);
	ck_assert_int_eq(nd_render_handle(e, h2, &s2, NULL), 0);
	ck_assert_str_eq(s1, s2);
	free(s1);
	free(s2);
	ck_assert_str_eq(t_hstate(e, h1), "SUPERSEDED");
	st = t_status(e, "svc");
	ck_assert_str_eq(t_str(st, "previous"), "1.0.0");
	ck_assert_str_eq(t_str(st, "state"), "ACTIVE");
	cJSON_Delete(st);
	ck_assert_int_eq(nd_render_policy(e, "svc", &s1, NULL), 0);
	ck_assert_ptr_nonnull(strstr(s1, "capabilities = log time\n"));
	ck_assert_ptr_nonnull(strstr(s1, "keep_loaded = 3\n"));
	free(s1);
	ck_assert_int_eq(nd_call_text(e, "svc", "f()", 3, &j, &err), 0);
	ck_assert_ptr_nonnull(strstr(j, "\"result\":2,\"version\":\"1.0.1\""));
	free(j);
	/* rollback works at once after a restart */
	ck_assert_int_eq(t_ctl(e, "svc", "rollback"), 0);
	ck_assert_int_eq(nd_call_text(e, "svc", "f()", 3, &j, &err), 0);
	ck_assert_ptr_nonnull(strstr(j, "\"version\":\"1.0.0\""));
	free(j);
	/* the next submission gets a fresh handle id and the next version */
	ck_assert_uint_eq(t_submit(e, "svc", "def f():\n    return 3\n"), h2 + 1);
	t_idle(e, "svc");
	ck_assert_str_eq(t_hversion(e, h2 + 1), "1.0.2");
	nd_engine_close(e);
	t_rmtree(d);
	free(d);
}
END_TEST

START_TEST(test_recovery_canary_and_queue)
{
	char *d = t_mkstate(), *j;
	nd_engine *e = t_open(d, 1);
	nd_err err = { 0, "" };
	nd_handle *h;
	uint64_t hid;

	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), 0);
	t_submit(e, "svc", "def f():\n    return 1\n");
	t_submit(e, "svc", "def f():\n    return 2\n");
	t_idle(e, "svc");
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.1 50"), 0);
	/* a submission whose validation the crash interrupted: stored as
	 * VALIDATING */
	hid = t_submit(e, "svc", "def f():\n    return 3\n");
	t_idle(e, "svc");
	nd_engine_close(e);
	{
		cJSON *hj = nd_read_json(file(d, "handles/3.json"));

		ck_assert_ptr_nonnull(hj);
		h = nd_handle_from_json(hj);
		cJSON_Delete(hj);
		ck_assert_ptr_nonnull(h);
		h->state = ND_H_VALIDATING;
		h->validation = (cJSON_Delete(h->validation), NULL);
		hj = nd_handle_json(h);
		j = cJSON_PrintUnformatted(hj);
		cJSON_Delete(hj);
		nd_handle_free(h);
	}
	t_rmtree(file(d, "units/svc/versions/1.0.2"));
	{
		/* forget 1.0.2 in unit.json as a crash before its commit would */
		cJSON *u = nd_read_json(file(d, "units/svc/unit.json"));
		cJSON *vs = cJSON_GetObjectItem(u, "versions");
		char *us;
		FILE *f;

		cJSON_DeleteItemFromArray(vs, 2);
		us = cJSON_PrintUnformatted(u);
		f = fopen(file(d, "units/svc/unit.json"), "w");
		fputs(us, f);
		fclose(f);
		free(us);
		cJSON_Delete(u);
		f = fopen(file(d, "handles/3.json"), "w");
		fputs(j, f);
		fclose(f);
		free(j);
	}
	e = t_open(d, 1);
	t_idle(e, "svc");
	j = t_active(e, "svc");
	ck_assert_str_eq(j, "1.0.0\n");
	free(j);
	ck_assert_int_eq(t_count_events(e, "canary_aborted", "svc"), 1);
	ck_assert_int_eq(t_count_events(e, "requeued", "svc"), 1);
	ck_assert_str_eq(t_hstate(e, 2), "ROLLED_BACK");
	ck_assert_str_eq(t_hstate(e, hid), "VALIDATED");
	ck_assert_str_eq(t_hversion(e, hid), "1.0.2");
	ck_assert_int_eq(nd_render_state(e, "svc", &j, NULL), 0);
	ck_assert_str_eq(j, "ACTIVE\n");
	free(j);
	nd_engine_close(e);
	t_rmtree(d);
	free(d);
}
END_TEST

START_TEST(test_corrupt_files)
{
	char *d = t_mkstate(), *j;
	nd_engine *e = t_open(d, 1);
	nd_err err = { 0, "" };
	FILE *f;

	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), 0);
	ck_assert_int_eq(nd_unit_create(e, "other", getuid(), &err), 0);
	t_submit(e, "svc", "def f():\n    return 1\n");
	t_submit(e, "svc", "def f():\n    return 2\n");
	t_submit(e, "other", "def f():\n    return 3\n");
	t_idle(e, "svc");
	t_idle(e, "other");
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0"), 0);
	ck_assert_int_eq(t_ctl(e, "other", "activate"), 0);
	nd_engine_close(e);
	/* a source changed behind our back, a truncated handle, a broken
	 * unit.json */
	f = fopen(file(d, "units/svc/versions/1.0.1/source"), "a");
	fputs("# tampered\n", f);
	fclose(f);
	ck_assert_int_eq(truncate(file(d, "handles/1.json"), 10), 0);
	f = fopen(file(d, "units/other/unit.json"), "w");
	fputs("{\"id\":", f);
	fclose(f);
	e = t_open(d, 1);
	ck_assert_int_eq(t_count_events(e, "corrupt", NULL), 3);
	j = t_active(e, "svc");
	ck_assert_str_eq(j, "1.0.0\n");
	free(j);
	ck_assert_str_eq(t_vstate(e, "svc", "1.0.1"), "RETIRED\n");
	ck_assert_int_eq(nd_render_handle(e, 1, &j, NULL), ENOENT);
	ck_assert_int_eq(nd_render_handle(e, 2, &j, NULL), 0);
	free(j);
	ck_assert_int_eq(nd_render_state(e, "other", &j, NULL), ENOENT);
	nd_engine_close(e);
	t_rmtree(d);
	free(d);
}
END_TEST

START_TEST(test_fault_injection)
{
	char *d = t_mkstate(), *j, *before;
	nd_engine *e = t_open(d, 1);
	nd_err err = { 0, "" };
	uint64_t hid, *hids;
	size_t n;
	int k;

	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), 0);
	t_submit(e, "svc", "def f():\n    return 1\n");
	t_submit(e, "svc", "def f():\n    return 2\n");
	t_idle(e, "svc");
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0"), 0);
	for (k = 0; k < 4; k++) {
		/* the k-th write or fsync of a submission fails */
		nd_persist_fail_after(k);
		ck_assert_int_eq(nd_submit(e, "svc", "def f():\n    return 9\n",
		    22, getuid(), &hid, &err), EIO);
		nd_persist_fail_after(-1);
		ck_assert_int_eq(nd_handle_list(e, &hids, &n), 0);
		ck_assert_uint_eq(n, 2);
		free(hids);
	}
	ck_assert_int_eq(nd_render_status(e, "svc", &before, NULL), 0);
	for (k = 0; k < 2; k++) {
		/* the journal's write or its sync fails: nothing changes */
		nd_persist_fail_after(k);
		ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.1"), EIO);
		nd_persist_fail_after(-1);
		j = t_active(e, "svc");
		ck_assert_str_eq(j, "1.0.0\n");
		free(j);
	}
	ck_assert_str_eq(t_vstate(e, "svc", "1.0.1"), "LOADED\n");
	free(before);
	/* the record is durable, then rewriting unit.json in place fails:
	 * the command stands, and the checkpoint writes the file again */
	nd_persist_fail_after(2);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.1"), 0);
	nd_persist_fail_after(-1);
	j = t_active(e, "svc");
	ck_assert_str_eq(j, "1.0.1\n");
	free(j);
	ck_assert_int_eq(nd_journal_checkpoint(&e->jr, &err), 0);
	{
		cJSON *u = nd_read_json(file(d, "units/svc/unit.json"));

		ck_assert_ptr_nonnull(u);
		ck_assert_str_eq(t_str(u, "active"), "1.0.1");
		cJSON_Delete(u);
	}
	ck_assert_int_eq(t_ctl(e, "svc", "rollback"), 0);
	nd_persist_fail_after(0);
	ck_assert_int_eq(nd_policy_set(e, "svc", "gas = 5\n", 8, getuid(), &err),
	    EIO);
	nd_persist_fail_after(-1);
	ck_assert_int_eq(nd_render_policy(e, "svc", &j, NULL), 0);
	ck_assert_ptr_nonnull(strstr(j, "gas = 100000000\n"));
	free(j);
	/* the disk fails while a submission is being validated: it stays
	 * pending (or was validated before the failure) and is validated, in
	 * order, once the next submission comes */
	{
		uint64_t h1;

		h1 = t_submit(e, "svc", "def f():\n    return 3\n");
		nd_persist_fail_after(0);
		usleep(300000);
		nd_persist_fail_after(-1);
		hid = t_submit(e, "svc", "def f():\n    return 4\n");
		t_idle(e, "svc");
		ck_assert_str_eq(t_hstate(e, h1), "VALIDATED");
		ck_assert_str_eq(t_hversion(e, h1), "1.0.2");
		ck_assert_str_eq(t_hstate(e, hid), "VALIDATED");
		ck_assert_str_eq(t_hversion(e, hid), "1.0.3");
		hid = h1;
	}
	nd_engine_close(e);
	e = t_open(d, 1);
	j = t_active(e, "svc");
	ck_assert_str_eq(j, "1.0.0\n");
	free(j);
	ck_assert_str_eq(t_hversion(e, hid), "1.0.2");
	nd_engine_close(e);
	t_rmtree(d);
	free(d);
}
END_TEST

/* Overwrite handles/HID.json with the handle in state st (a file that
 * lags behind unit.json). */
static void stale_handle(const char *d, uint64_t hid, enum nd_hstate st)
{
	char rest[64], *s;
	cJSON *j;
	nd_handle *h;
	FILE *f;

	snprintf(rest, sizeof(rest), "handles/%llu.json",
	    (unsigned long long)hid);
	j = nd_read_json(file(d, rest));
	ck_assert_ptr_nonnull(j);
	h = nd_handle_from_json(j);
	cJSON_Delete(j);
	ck_assert_ptr_nonnull(h);
	h->state = st;
	j = nd_handle_json(h);
	s = cJSON_PrintUnformatted(j);
	f = fopen(file(d, rest), "w");
	ck_assert_ptr_nonnull(f);
	fputs(s, f);
	fclose(f);
	free(s);
	cJSON_Delete(j);
	nd_handle_free(h);
}

/* The handle_state unit.json records for version ver. */
static const char *entry_hstate(cJSON *u, const char *ver)
{
	cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(u, "versions"))
		if (!strcmp(t_str(it, "version"), ver))
			return t_str(it, "handle_state");
	return "";
}

/*
 * unit.json records the state of every version's handle, and at open it
 * wins over handle files that lag behind it (a state folder of format 1
 * wrote them unsynced; a hand-restored backup can hold old ones).
 */
START_TEST(test_lagging_handle_files)
{
	char *d = t_mkstate(), *j;
	nd_engine *e = t_open(d, 1);
	nd_err err = { 0, "" };
	uint64_t h1, h2, h3;
	cJSON *u;

	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), 0);
	h1 = t_submit(e, "svc", "def f():\n    return 1\n");
	h2 = t_submit(e, "svc", "def f():\n    return 2\n");
	h3 = t_submit(e, "svc", "def f():\n    return 3\n");
	t_idle(e, "svc");
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.1"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "rollback"), 0);
	ck_assert_int_eq(t_ctl(e, "svc", "canary 1.0.2 50"), 0);
	nd_engine_close(e);
	u = nd_read_json(file(d, "units/svc/unit.json"));
	ck_assert_ptr_nonnull(u);
	ck_assert_str_eq(entry_hstate(u, "1.0.0"), "SUPERSEDED");
	ck_assert_str_eq(entry_hstate(u, "1.0.1"), "ROLLED_BACK");
	ck_assert_str_eq(entry_hstate(u, "1.0.2"), "CANARY");
	cJSON_Delete(u);
	/* the three commands' handle files lag behind */
	stale_handle(d, h1, ND_H_ACTIVE);
	stale_handle(d, h2, ND_H_ACTIVE);
	stale_handle(d, h3, ND_H_VALIDATED);
	e = t_open(d, 1);
	t_idle(e, "svc");
	j = t_active(e, "svc");
	ck_assert_str_eq(j, "1.0.0\n");
	free(j);
	ck_assert_str_eq(t_hstate(e, h1), "SUPERSEDED");
	ck_assert_str_eq(t_hstate(e, h2), "ROLLED_BACK");
	/* the canary, aborted by the restart */
	ck_assert_str_eq(t_hstate(e, h3), "ROLLED_BACK");
	ck_assert_int_eq(t_count_events(e, "canary_aborted", "svc"), 1);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.1"), 0);
	nd_engine_close(e);
	e = t_open(d, 1);
	j = t_active(e, "svc");
	ck_assert_str_eq(j, "1.0.1\n");
	free(j);
	ck_assert_str_eq(t_hstate(e, h1), "SUPERSEDED");
	ck_assert_str_eq(t_hstate(e, h2), "ROLLED_BACK");
	nd_engine_close(e);
	t_rmtree(d);
	free(d);
}
END_TEST

/* No handle of unit is ACTIVE unless its version is the active one (a
 * handle file that lagged behind unit.json would break this). */
static void check_active_handles(nd_engine *e, const char *unit)
{
	uint64_t *hids;
	size_t n, i;
	char *act = t_active(e, unit);

	ck_assert_int_eq(nd_handle_list(e, &hids, &n), 0);
	for (i = 0; i < n; i++) {
		cJSON *h = t_handle(e, hids[i]);
		char want[40];

		if (!strcmp(t_str(h, "unit"), unit) &&
		    !strcmp(t_str(h, "state"), "ACTIVE")) {
			snprintf(want, sizeof(want), "%s\n", t_str(h, "version"));
			ck_assert_msg(!strcmp(want, act), "handle %llu of %s is "
			    "ACTIVE with version %s; active is %s",
			    (unsigned long long)hids[i], unit, want, act);
		}
		cJSON_Delete(h);
	}
	free(hids);
	free(act);
}

/* Every file of the state folder parses (JSON files as JSON). */
static int check_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int bad = 0;

	if (!d)
		return 1;
	while ((de = readdir(d))) {
		char *p;
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' ||
		    asprintf(&p, "%s/%s", path, de->d_name) < 0)
			continue;
		if (de->d_type == DT_DIR) {
			bad += check_tree(p);
		} else if (strstr(de->d_name, ".tmp.")) {
			/* a temporary: ignored at open */
		} else if (l > 5 && !strcmp(de->d_name + l - 5, ".json")) {
			cJSON *j = nd_read_json(p);

			if (!j) {
				fprintf(stderr, "does not parse: %s\n", p);
				bad++;
			}
			cJSON_Delete(j);
		}
		free(p);
	}
	closedir(d);
	return bad;
}

static void child_submits(const char *d, int wfd, int round)
{
	nd_config cfg = { 0 };
	nd_engine *e;
	nd_err err = { 0, "" };
	char unit[16];
	int i;

	cfg.state_dir = d;
	cfg.workers = 2;
	if (nd_engine_open(&cfg, &e, &err) != 0)
		_exit(3);
	snprintf(unit, sizeof(unit), "u%d", round % 3);
	nd_unit_create(e, unit, getuid(), &err);
	for (i = 0;; i++) {
		char src[128];
		uint64_t hid;

		snprintf(src, sizeof(src), "def f():\n    return %d\n%s", i,
		    i % 5 == 4 ? "def g(:\n" : "");
		if (nd_submit(e, unit, src, strlen(src), getuid(), &hid,
		    &err) == 0) {
			if (write(wfd, &hid, sizeof(hid)) != sizeof(hid))
				_exit(4);
		}
		if (i % 7 == 3)
			nd_ctl(e, unit, "activate", 8, getuid(), &err);
		if (i % 7 == 5)
			nd_ctl(e, unit, "rollback", 8, getuid(), &err);
	}
}

START_TEST(test_crash_sigkill)
{
	char *d = t_mkstate();
	uint64_t acked[20000];
	size_t nacked = 0, i;
	int round;

	srand(12345);
	for (round = 0; round < 24; round++) {
		int p[2];
		pid_t pid;
		struct timespec ts;
		uint64_t hid;
		nd_engine *e;
		int st;

		ck_assert_int_eq(pipe(p), 0);
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			close(p[0]);
			child_submits(d, p[1], round);
		}
		close(p[1]);
		/* the first acknowledgement (60 s at most), then a random
		 * moment while it goes on submitting */
		{
			struct pollfd pfd = { .fd = p[0], .events = POLLIN };

			if (poll(&pfd, 1, 60000) == 1 &&
			    read(p[0], &hid, sizeof(hid)) == sizeof(hid))
				acked[nacked++] = hid;
		}
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(rand() % 100) * 1000000;
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		ck_assert_int_eq(waitpid(pid, &st, 0), pid);
		ck_assert(WIFSIGNALED(st));
		while (read(p[0], &hid, sizeof(hid)) == sizeof(hid) &&
		    nacked < 20000)
			acked[nacked++] = hid;
		close(p[0]);

		e = t_open(d, 2);
		for (i = 0; i < 3; i++) {
			char u[8];
			nd_err err = { 0, "" };

			snprintf(u, sizeof(u), "u%zu", i);
			if (nd_wait_idle(e, u, 60000, NULL, NULL, &hid, &err) ==
			    ETIMEDOUT)
				ck_abort_msg("unit %s never became idle", u);
			if (nd_unit_owner(e, u, &(uid_t){ 0 }) == 0)
				check_active_handles(e, u);
		}
		for (i = 0; i < nacked; i++) {
			const char *s = t_hstate(e, acked[i]);

			ck_assert_msg(!strcmp(s, "VALIDATED") ||
			    !strcmp(s, "VALIDATION_FAILED") || !strcmp(s, "ACTIVE") ||
			    !strcmp(s, "SUPERSEDED") || !strcmp(s, "ROLLED_BACK"),
			    "handle %llu is %s", (unsigned long long)acked[i], s);
		}
		cJSON_Delete(t_events(e));      /* every event line parses */
		nd_engine_close(e);
		ck_assert_int_eq(check_tree(d), 0);
	}
	ck_assert_uint_ge(nacked, 24);    /* at least one per round */
	t_rmtree(d);
	free(d);
}
END_TEST

/* cp -a from to */
static void copy_tree(const char *from, const char *to)
{
	char cmd[3000];

	snprintf(cmd, sizeof(cmd), "cp -a '%.1400s' '%.1400s'", from, to);
	ck_assert_int_eq(system(cmd), 0);
}

/* The end of the journal's records: its last byte that is not zero (the
 * rest of the file is zeros written in advance). */
static off_t records_end(int fd)
{
	off_t end = lseek(fd, 0, SEEK_END);
	char b = 0;

	while (end > 0 && pread(fd, &b, 1, end - 1) == 1 && b == 0)
		end--;
	return end;
}

/* The active version an engine on dir shows after its open. */
static void check_active_after_open(const char *dir, const char *want)
{
	nd_engine *e = t_open(dir, 1);
	char *j = t_active(e, "svc");

	ck_assert_msg(!strcmp(j, want), "%s: active %s, want %s", dir, j, want);
	free(j);
	ck_assert(!nd_journal_pending(&e->jr));      /* checkpointed */
	nd_engine_close(e);
}

/*
 * The journal after a crash: a change durable in the journal whose files
 * were never written is replayed at open; a record cut short or failing
 * its CRC is ignored, with what came before it.  The crash images are
 * copies of a state folder taken while its engine could write nothing
 * but the journal.
 */
START_TEST(test_journal_replay)
{
	char *d = t_mkstate(), c[4][1024], *j;
	nd_engine *e = t_open(d, 1);
	nd_err err = { 0, "" };
	int i;

	ck_assert_int_eq(nd_unit_create(e, "svc", getuid(), &err), 0);
	t_submit(e, "svc", "def f():\n    return 1\n");
	t_submit(e, "svc", "def f():\n    return 2\n");
	t_idle(e, "svc");
	{
		/* a version's source is its handle's, linked (no new inode) */
		struct stat a, b;

		ck_assert_int_eq(stat(file(d, "handles/1.source"), &a), 0);
		ck_assert_int_eq(stat(file(d, "units/svc/versions/1.0.0/source"),
		    &b), 0);
		ck_assert_uint_eq(a.st_ino, b.st_ino);
	}
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.0"), 0);
	/* the record is written and synced, then every write fails */
	nd_persist_fail_after(2);
	ck_assert_int_eq(t_ctl(e, "svc", "activate 1.0.1"), 0);
	for (i = 0; i < 4; i++) {
		snprintf(c[i], sizeof(c[i]), "%.1000s.crash%d", d, i);
		copy_tree(d, c[i]);
	}
	nd_persist_fail_after(-1);
	{
		cJSON *u = nd_read_json(file(c[0], "units/svc/unit.json"));

		ck_assert_ptr_nonnull(u);   /* the image predates the files */
		ck_assert_str_eq(t_str(u, "active"), "1.0.0");
		cJSON_Delete(u);
	}
	nd_engine_close(e);
	/* a record cut short after it */
	{
		static const char torn[16] = { 'N', 'D', 'J', '1', 0x40, 0, 0, 0,
			'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' };
		int fd = open(file(c[1], "journal"), O_RDWR);

		ck_assert_int_eq(pwrite(fd, torn, sizeof(torn), records_end(fd)),
		    (ssize_t)sizeof(torn));
		close(fd);
	}
	/* a flipped byte in it */
	{
		int fd = open(file(c[2], "journal"), O_RDWR);
		char b;
		off_t end = records_end(fd);

		ck_assert_int_gt(end, 40);
		ck_assert_int_eq(pread(fd, &b, 1, end - 3), 1);
		b ^= 0x20;
		ck_assert_int_eq(pwrite(fd, &b, 1, end - 3), 1);
		close(fd);
	}
	check_active_after_open(d, "1.0.1\n");
	check_active_after_open(c[0], "1.0.1\n");
	check_active_after_open(c[1], "1.0.1\n");
	check_active_after_open(c[2], "1.0.0\n");
	/* the unit's folder removed by hand: what the journal holds for it
	 * is skipped (and reported), the rest opens */
	t_rmtree(file(c[3], "units/svc"));
	e = t_open(c[3], 1);
	ck_assert_int_eq(nd_unit_owner(e, "svc", &(uid_t){ 0 }), ENOENT);
	ck_assert_int_eq(t_count_events(e, "corrupt", NULL), 1);
	nd_engine_close(e);
	/* the replayed change's events are in the log once */
	e = t_open(c[0], 1);
	ck_assert_int_eq(t_count_events(e, "activated", "svc"), 2);
	j = t_hstate(e, 2) ? strdup(t_hstate(e, 2)) : NULL;
	ck_assert_str_eq(j, "ACTIVE");
	free(j);
	nd_engine_close(e);
	for (i = 0; i < 4; i++)
		t_rmtree(c[i]);
	t_rmtree(d);
	free(d);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nd_persist");
	TCase *tc = tcase_create("persist");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_pbatch);
	tcase_add_test(tc, test_event_log_repair);
	tcase_add_test(tc, test_lock_and_format);
	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_recovery_canary_and_queue);
	tcase_add_test(tc, test_corrupt_files);
	tcase_add_test(tc, test_fault_injection);
	tcase_add_test(tc, test_lagging_handle_files);
	tcase_add_test(tc, test_journal_replay);
	tcase_add_test(tc, test_crash_sigkill);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return t_run_suite(suite());
}
