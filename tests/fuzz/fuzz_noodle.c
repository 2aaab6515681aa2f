/*
 * fuzz_noodle.c - the libFuzzer target of the Noodle toolchain and runtime.
 *
 * One input is one of two things, told apart by its first bytes:
 *   - a blob (starts with the magic "NBC1"): fed to nbc_verify and
 *     nbc_load_module, which must agree (the loader refuses exactly what
 *     the verifier refuses); a blob that verifies is loaded and run;
 *   - anything else is Noodle source: ncc_compile; a compiled module must
 *     pass nbc_verify (else the compiler has a bug), is loaded and every
 *     function is called.  The same text also goes to the call-expression
 *     and literal parsers (ncc_parse_call, ncc_parse_literal).
 * Calls run with small budgets (gas 100000, memory 4 MiB) and every
 * capability except fs, whose data folder is unset so fs calls fail
 * cleanly.  Broken invariants trap: the fuzzer records the input.
 *
 * Built with -DFUZZ_PLAIN_MAIN, the file has its own main, for machines
 * without libFuzzer and for tools:
 *   fuzz_noodle_plain FILE|DIR...          run each input once (replay)
 *   fuzz_noodle_plain --emit-blobs OUTDIR FILE...
 *                                          compile each source and write
 *                                          its blob to OUTDIR/NAME.nbc
 *                                          (blob seeds for the corpus)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nbc.h"
#include "ncc.h"

#define FUZZ_GAS     100000
#define FUZZ_MEMORY  (4u << 20)
#define FUZZ_OUTPUT  (64u << 10)
#define FUZZ_MAXARGS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool cond)
{
	if (!cond)
		__builtin_trap();
}

static void fuzz_limits(nbc_limits *l)
{
	nbc_limits_default(l);
	l->gas = FUZZ_GAS;
	l->memory = FUZZ_MEMORY;
	l->output = FUZZ_OUTPUT;
}

/* Call every function of m with small int arguments (its minimum count,
 * then its maximum when that differs). */
static void call_all(nbc_module *m)
{
	nbc_limits limits;
	nbc_host host = { .caps = NBC_CAP_LOG | NBC_CAP_TIME | NBC_CAP_RANDOM,
	    .seed = 1 };
	nbc_lit args[FUZZ_MAXARGS];
	size_t n = nbc_module_function_count(m);

	fuzz_limits(&limits);
	for (size_t i = 0; i < FUZZ_MAXARGS; i++) {
		args[i].type = NBC_LIT_INT;
		args[i].u.i = (int64_t)i + 1;
	}
	for (size_t i = 0; i < n; i++) {
		const char *name = nbc_module_function_name(m, i);
		uint32_t mn, mx;

		require(name != NULL);
		require(nbc_module_function(m, name, &mn, &mx) == 0);
		require(mn <= mx);
		for (int pass = 0; pass < 2; pass++) {
			uint32_t nargs = pass == 0 ? mn : mx;
			nbc_result r;
			int rc;

			if (nargs > FUZZ_MAXARGS || (pass == 1 && mx == mn))
				continue;
			rc = nbc_call(m, name, args, nargs, &limits, &host, &r);
			require(rc == 0);
			if (!r.ok) {
				require(r.exc < NBC_EXC__COUNT);
				require(r.message != NULL);
			}
			nbc_result_free(&r);
		}
	}
}

/* Load a verified blob into rt, call everything, unload. */
static void load_and_run(nbc_runtime *rt, const uint8_t *blob, size_t len)
{
	nbc_limits limits;
	nbc_error err;
	nbc_module *m;

	fuzz_limits(&limits);
	if (nbc_load_module(rt, blob, len, "fuzz", &limits, &err) != 0)
		return;      /* the module's init raised or ran out of budget */
	m = nbc_module_get(rt, "fuzz");
	require(m != NULL);
	call_all(m);
	nbc_module_release(m);
	require(nbc_unload_module(rt, "fuzz") == 0);
}

static nbc_runtime *runtime(void)
{
	static nbc_runtime *rt;

	if (rt == NULL) {
		rt = nbc_runtime_new();
		require(rt != NULL);
	}
	return rt;
}

static void fuzz_blob(const uint8_t *data, size_t size)
{
	nbc_error err;
	nbc_limits limits;
	bool valid = nbc_verify(data, size, &err) == 0;

	if (valid) {
		char *text = nbc_disasm(data, size, &err);

		require(text != NULL);
		free(text);
		load_and_run(runtime(), data, size);
		return;
	}
	fuzz_limits(&limits);
	require(nbc_load_module(runtime(), data, size, "fuzz", &limits,
	    &err) != 0);
}

/* The parsers of the `call` file and of `noodle run` arguments: any text
 * gives a result or an error, and a result can be printed. */
static void fuzz_call_text(const uint8_t *data, size_t size)
{
	char *name;
	nbc_lit *args, lit;
	size_t nargs;
	nbc_error err;

	if (ncc_parse_call((const char *)data, size, &name, &args, &nargs,
	    &err) == 0) {
		require(name != NULL);
		for (size_t i = 0; i < nargs; i++) {
			size_t len;
			char *text = nbc_lit_repr(&args[i], &len);

			require(text != NULL);
			free(text);
			nbc_lit_free(&args[i]);
		}
		free(args);
		free(name);
	}
	if (ncc_parse_literal((const char *)data, size, &lit, &err) == 0)
		nbc_lit_free(&lit);
}

static void fuzz_source(const uint8_t *data, size_t size)
{
	ncc_result res;
	nbc_error err;

	fuzz_call_text(data, size);
	if (ncc_compile((const char *)data, size, &res) != 0)
		return;
	if (res.ok) {
		require(res.blob != NULL);
		require(nbc_verify(res.blob, res.blob_len, &err) == 0);
		load_and_run(runtime(), res.blob, res.blob_len);
	} else {
		require(res.nerrors > 0);
		for (size_t i = 0; i < res.nerrors; i++)
			require(res.errors[i].message != NULL &&
			    res.errors[i].line >= 0 && res.errors[i].col >= 0);
	}
	ncc_result_free(&res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size >= 4 && memcmp(data, NBC_MAGIC, 4) == 0)
		fuzz_blob(data, size);
	else
		fuzz_source(data, size);
	return 0;
}

#ifdef FUZZ_PLAIN_MAIN
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <sys/stat.h>

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t size = 0, n;

	if (f == NULL)
		return NULL;
	*len = 0;
	for (;;) {
		if (*len == size) {
			uint8_t *nb = realloc(buf, size ? size * 2 : 65536);

			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			size = size ? size * 2 : 65536;
		}
		n = fread(buf + *len, 1, size - *len, f);
		if (n == 0)
			break;
		*len += n;
	}
	fclose(f);
	return buf;
}

/* Run one input file; directories are walked one level. */
static int replay(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t len;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *e;
		int rc = 0;

		if (d == NULL)
			return -1;
		while ((e = readdir(d)) != NULL) {
			char sub[4096];

			if (e->d_name[0] == '.')
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			if (replay(sub) != 0)
				rc = -1;
		}
		closedir(d);
		return rc;
	}
	buf = slurp(path, &len);
	if (buf == NULL) {
		fprintf(stderr, "%s: cannot read\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

/* Compile path and write its blob as outdir/NAME.nbc. */
static int emit_blob(const char *outdir, const char *path)
{
	char out[4096], base[4096], *dot;
	ncc_result res;
	size_t len;
	uint8_t *src = slurp(path, &len);
	FILE *f;
	int rc = -1;

	if (src == NULL)
		return -1;
	if (ncc_compile((const char *)src, len, &res) == 0 && res.ok) {
		snprintf(base, sizeof(base), "%s", path);
		dot = strrchr(basename(base), '.');
		if (dot != NULL)
			*dot = '\0';
		snprintf(out, sizeof(out), "%s/%s.nbc", outdir, basename(base));
		f = fopen(out, "wb");
		if (f != NULL) {
			rc = fwrite(res.blob, 1, res.blob_len, f) == res.blob_len
			    ? 0 : -1;
			fclose(f);
		}
	}
	ncc_result_free(&res);
	free(src);
	return rc;
}

int main(int argc, char **argv)
{
	int rc = 0;

	if (argc > 2 && strcmp(argv[1], "--emit-blobs") == 0) {
		for (int i = 3; i < argc; i++)
			emit_blob(argv[2], argv[i]);
		return 0;
	}
	for (int i = 1; i < argc; i++)
		if (replay(argv[i]) != 0)
			rc = 1;
	printf("replayed %d path(s), no crash\n", argc - 1);
	return rc;
}
#endif
