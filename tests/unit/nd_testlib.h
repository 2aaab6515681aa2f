/*
 * nd_testlib.h - helpers shared by the engine's Check tests: a state
 * folder in a mkdtemp() folder under /tmp (removed after), an engine on
 * it, and small accessors over the engine's JSON renderings.
 */
#ifndef ND_TESTLIB_H
#define ND_TESTLIB_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "noodle.h"

static inline char *t_mkstate(void)
{
	char *d = strdup("/tmp/nd_test_XXXXXX");

	ck_assert_ptr_nonnull(mkdtemp(d));
	return d;
}

static inline void t_rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;

	if (!d) {
		unlink(path);
		return;
	}
	while ((de = readdir(d))) {
		char *p;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (asprintf(&p, "%s/%s", path, de->d_name) < 0)
			continue;
		if (de->d_type == DT_DIR)
			t_rmtree(p);
		else
			unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(path);
}

static inline nd_engine *t_open(const char *dir, int workers)
{
	nd_config cfg = { 0 };
	nd_engine *e = NULL;
	nd_err err = { 0, "" };
	int r;

	cfg.state_dir = dir;
	cfg.workers = workers;
	r = nd_engine_open(&cfg, &e, &err);
	ck_assert_msg(r == 0, "open: %s", err.msg);
	return e;
}

static inline uint64_t t_submit(nd_engine *e, const char *unit, const char *src)
{
	uint64_t hid = 0;
	nd_err err = { 0, "" };
	int r = nd_submit(e, unit, src, strlen(src), getuid(), &hid, &err);

	ck_assert_msg(r == 0, "submit: %s", err.msg);
	return hid;
}

static inline void t_idle(nd_engine *e, const char *unit)
{
	nd_err err = { 0, "" };
	uint64_t hid;
	int r = nd_wait_idle(e, unit, 20000, NULL, NULL, &hid, &err);

	ck_assert_msg(r == 0, "wait: %s", err.msg);
}

static inline cJSON *t_handle(nd_engine *e, uint64_t hid)
{
	char *s;
	size_t n;
	cJSON *j;

	ck_assert_int_eq(nd_render_handle(e, hid, &s, &n), 0);
	j = cJSON_Parse(s);
	free(s);
	ck_assert_ptr_nonnull(j);
	return j;
}

static inline cJSON *t_status(nd_engine *e, const char *unit)
{
	char *s;
	size_t n;
	cJSON *j;

	ck_assert_int_eq(nd_render_status(e, unit, &s, &n), 0);
	j = cJSON_Parse(s);
	free(s);
	ck_assert_ptr_nonnull(j);
	return j;
}

/* A string field of a JSON object ("" when absent or not a string). */
static inline const char *t_str(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The handle's state, as a static copy. */
static inline const char *t_hstate(nd_engine *e, uint64_t hid)
{
	static char buf[32];
	cJSON *j = t_handle(e, hid);

	snprintf(buf, sizeof(buf), "%s", t_str(j, "state"));
	cJSON_Delete(j);
	return buf;
}

/* A version's state file (versions/VER/state), as a static copy with
 * its newline; "" when it cannot be rendered. */
static inline const char *t_vstate(nd_engine *e, const char *unit,
    const char *ver)
{
	static char buf[32];
	char *s = NULL;

	buf[0] = '\0';
	if (nd_render_version_file(e, unit, ver, ND_VF_STATE, &s, NULL) == 0)
		snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

static inline const char *t_hversion(nd_engine *e, uint64_t hid)
{
	static char buf[32];
	cJSON *j = t_handle(e, hid);

	snprintf(buf, sizeof(buf), "%s", t_str(j, "version"));
	cJSON_Delete(j);
	return buf;
}

static inline char *t_active(nd_engine *e, const char *unit)
{
	char *s;
	size_t n;

	ck_assert_int_eq(nd_render_active(e, unit, &s, &n), 0);
	return s;
}

static inline int t_ctl(nd_engine *e, const char *unit, const char *cmd)
{
	nd_err err = { 0, "" };

	return nd_ctl(e, unit, cmd, strlen(cmd), getuid(), &err);
}

/* The whole event log as a parsed array. */
static inline cJSON *t_events(nd_engine *e)
{
	uint64_t size = nd_events_size(e);
	char *buf = malloc(size + 1), *line, *save = NULL;
	cJSON *a = cJSON_CreateArray();
	ssize_t n = nd_events_read(e, buf, size, 0);

	ck_assert_int_eq(n, (ssize_t)size);
	buf[size] = '\0';
	for (line = strtok_r(buf, "\n", &save); line;
	    line = strtok_r(NULL, "\n", &save)) {
		cJSON *j = cJSON_Parse(line);

		ck_assert_msg(j != NULL, "event line does not parse: %s", line);
		cJSON_AddItemToArray(a, j);
	}
	free(buf);
	return a;
}

/* How many events of type (and unit, if not NULL) the log holds. */
static inline int t_count_events(nd_engine *e, const char *type,
    const char *unit)
{
	cJSON *a = t_events(e), *it;
	int n = 0;

	cJSON_ArrayForEach(it, a)
		if (!strcmp(t_str(it, "type"), type) &&
		    (!unit || !strcmp(t_str(it, "unit"), unit)))
			n++;
	cJSON_Delete(a);
	return n;
}

/* Run a Check suite; the exit status of a test program. */
static inline int t_run_suite(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}

#endif
