/*
 * noodle_offline.c - the noodle commands that need no mount: check, run,
 * disasm and diff (SPEC.md section 8).  They drive the compiler (ncc.h)
 * and a private runtime (nbc.h) directly, in this process.
 *
 *   check   the gates that need no active version, in the engine's order:
 *           compile, contract, capabilities (against --caps, default the
 *           policy's default "log"), verify+load, self-test.  The first
 *           failing gate stops the pipeline, as in the engine.  Messages
 *           `FILE:line:col: error: [gate] message` on stderr, one summary
 *           line on stdout.
 *   run     compile, load, call one function with literal arguments, every
 *           capability granted; print() output goes to stdout as it is made.
 *   disasm  the runtime's listing of the compiled module.
 *   diff    the contract changes between two sources and the bump.
 *
 * Messages go to stderr, results to stdout.  A FILE of "-" is read from
 * stdin and named "<stdin>" in messages.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ncc.h"
#include "noodle_cli.h"

#define DIFF_EXIT_NONE       0
#define DIFF_EXIT_COMPATIBLE 4
#define DIFF_EXIT_BREAKING   12

/* ANSI attributes, used only when noodle_color() says so. */
#define C_BOLD  "\033[1m"
#define C_RED   "\033[1;31m"
#define C_MAG   "\033[1;35m"
#define C_GREEN "\033[32m"
#define C_RESET "\033[0m"

static const char *const cap_names[] = {
#define CAP_NAME(id, name) name,
	NBC_CAPS(CAP_NAME)
#undef CAP_NAME
};
#define NCAPS (sizeof(cap_names) / sizeof(cap_names[0]))

/* ---- shared helpers ------------------------------------------------------ */

static const char *display_name(const char *path)
{
	return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

/*
 * Read a whole source file ("-": stdin) into a malloc'd buffer.  Reads at
 * most NCC_MAX_SOURCE + 1 bytes, so the compiler still sees (and reports)
 * an oversized source without this reading unbounded input.  On failure
 * prints `noodle: PATH: reason` and returns -1.
 */
static int read_source(const char *path, char **out, size_t *outlen)
{
	const size_t cap = (size_t)NCC_MAX_SOURCE + 1;
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, size = 0;

	if (f == NULL) {
		fprintf(stderr, "noodle: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == size) {
			size_t nsize = size == 0 ? 65536 : size * 2;
			char *nbuf;

			if (nsize > cap + 1)
				nsize = cap + 1;
			nbuf = realloc(buf, nsize);
			if (nbuf == NULL) {
				fprintf(stderr, "noodle: %s: out of memory\n",
				    path);
				goto fail;
			}
			buf = nbuf;
			size = nsize;
		}
		n = fread(buf + len, 1, size - len, f);
		len += n;
		if (n == 0 || len >= cap)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "noodle: %s: %s\n", path, strerror(errno));
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	free(buf);
	if (f != stdin)
		fclose(f);
	return -1;
}

/*
 * One diagnostic as a compiler prints it:
 *   FILE:LINE:COL: error: [gate] message
 * The column (col <= 0), the line (line <= 0) and the gate (NULL) are left
 * out when unknown.
 */
static void print_diag(const char *file, bool error, const char *gate,
    int line, int col, const char *msg)
{
	bool color = noodle_color(stderr);

	fputs(color ? C_BOLD : "", stderr);
	fputs(file, stderr);
	if (line > 0)
		fprintf(stderr, ":%d", line);
	if (line > 0 && col > 0)
		fprintf(stderr, ":%d", col);
	fputs(color ? ": " C_RESET : ": ", stderr);
	if (color)
		fputs(error ? C_RED : C_MAG, stderr);
	fputs(error ? "error:" : "warning:", stderr);
	fputs(color ? C_RESET " " : " ", stderr);
	if (gate != NULL)
		fprintf(stderr, "[%s] ", gate);
	fprintf(stderr, "%s\n", msg);
}

static void print_compile_diags(const char *file, const ncc_result *res,
    const char *gate)
{
	for (size_t i = 0; i < res->nerrors; i++)
		print_diag(file, true, gate, res->errors[i].line,
		    res->errors[i].col, res->errors[i].message);
	for (size_t i = 0; i < res->nwarnings; i++)
		print_diag(file, false, gate, res->warnings[i].line,
		    res->warnings[i].col, res->warnings[i].message);
}

/*
 * Read and compile path into *res.  Returns NOODLE_EXIT_OK when it
 * compiled, NOODLE_EXIT_FAIL when it did not (diagnostics printed, tagged
 * with gate unless NULL; *res filled and to be freed), NOODLE_EXIT_USAGE
 * when the file could not be read or memory ran out (*res not filled).
 */
static int compile_file(const char *path, const char *gate, ncc_result *res)
{
	char *src;
	size_t len;
	int rc;

	if (read_source(path, &src, &len) < 0)
		return NOODLE_EXIT_USAGE;
	rc = ncc_compile(src, len, res);
	free(src);
	if (rc < 0) {
		ncc_result_free(res);
		fprintf(stderr, "noodle: %s: out of memory\n", path);
		return NOODLE_EXIT_USAGE;
	}
	print_compile_diags(display_name(path), res, gate);
	return res->ok ? NOODLE_EXIT_OK : NOODLE_EXIT_FAIL;
}

/* Parse a count with an optional k/M/G (binary) suffix.  -1 if malformed. */
static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned shift = 0;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	if (shift != 0)
		end++;
	if (*end != '\0' || v > (UINT64_MAX >> shift))
		return -1;
	*out = (uint64_t)v << shift;
	return 0;
}

/* Parse a capability list ("log time", "log,time", "" for none). */
static int parse_caps(const char *s, uint32_t *out)
{
	uint32_t caps = 0;

	while (*s != '\0') {
		size_t n;
		size_t i;

		s += strspn(s, " \t,");
		n = strcspn(s, " \t,");
		if (n == 0)
			break;
		for (i = 0; i < NCAPS; i++)
			if (strlen(cap_names[i]) == n &&
			    memcmp(cap_names[i], s, n) == 0)
				break;
		if (i == NCAPS) {
			fprintf(stderr, "noodle: unknown capability '%.*s' "
			    "(known: log time random fs)\n", (int)n, s);
			return -1;
		}
		caps |= 1u << i;
		s += n;
	}
	*out = caps;
	return 0;
}

static void caps_text(uint32_t caps, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < NCAPS; i++) {
		if (!(caps & (1u << i)))
			continue;
		if (buf[0] != '\0')
			strlcat(buf, " ", size);
		strlcat(buf, cap_names[i], size);
	}
	if (buf[0] == '\0')
		strlcpy(buf, "none", size);
}

static const char *cap_name(uint32_t bit)
{
	for (size_t i = 0; i < NCAPS; i++)
		if (bit == (1u << i))
			return cap_names[i];
	return "?";
}

/* Usage error for a command: the message, then where help is. */
static int usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "noodle %s: %s\nsee noodle %s --help\n", cmd, msg, cmd);
	return NOODLE_EXIT_USAGE;
}

/*
 * getopt_long over a command's argv (argv[0] is the command name), which
 * stops at the first operand.  Returns the option, -1 at the end, '?' for
 * an unknown option or a missing argument (message printed).
 */
static int next_opt(int argc, char **argv, const struct option *opts)
{
	int c = getopt_long(argc, argv, "+h", opts, NULL);

	if (c == '?' || c == ':') {
		fprintf(stderr, "noodle %s: bad option '%s'\n"
		    "see noodle %s --help\n", argv[0], argv[optind - 1],
		    argv[0]);
		return '?';
	}
	return c;
}

/* ---- check --------------------------------------------------------------- */

static const char check_help[] =
"usage: noodle check [--caps \"log time\"] FILE\n"
"\n"
"Run every validation gate that needs no active version on FILE (\"-\" reads\n"
"stdin): compile, contract, capabilities, verify+load, self-test (every\n"
"test_* function).  The first failing gate stops, as in noodlefs.\n"
"Messages on stderr as FILE:line:col: error: [gate] message; a summary line\n"
"on stdout.\n"
"\n"
"  --caps LIST   the capabilities the policy grants (default \"log\"); any of\n"
"                log time random fs, separated by spaces or commas\n"
"\n"
"Exit status: 0 every gate passed, 1 a gate failed, 2 usage or system error.\n";

/* Gate capabilities: every use of a capability that is not granted. */
static int gate_caps(const char *file, const ncc_result *res, uint32_t granted)
{
	char grant[64];
	char msg[160];
	int bad = 0;

	caps_text(granted, grant, sizeof(grant));
	for (size_t i = 0; i < res->ncapuses; i++) {
		const ncc_capuse *u = &res->capuses[i];

		if (granted & u->cap)
			continue;
		snprintf(msg, sizeof(msg), "capability '%s' is not granted "
		    "(the policy grants: %s)", cap_name(u->cap), grant);
		print_diag(file, true, "capabilities", u->line, u->col, msg);
		bad++;
	}
	return bad;
}

/* Gate self-test: call every test_* function; count the failures. */
static int gate_selftest(const char *file, nbc_module *m,
    const ncc_result *res, uint32_t granted)
{
	nbc_limits limits;
	nbc_host host = { .caps = granted };
	int bad = 0;

	nbc_limits_default(&limits);
	for (size_t i = 0; i < res->ntests; i++) {
		const ncc_test *t = &res->tests[i];
		nbc_result r;
		char msg[512];

		nbc_call(m, t->name, NULL, 0, &limits, &host, &r);
		if (!r.ok) {
			const char *text = r.message ? r.message : "";

			snprintf(msg, sizeof(msg), "%s: %s%s%s", t->name,
			    nbc_exc_name(r.exc), text[0] ? ": " : "", text);
			print_diag(file, true, "self-test",
			    r.line > 0 ? r.line : t->line, 0, msg);
			bad++;
		}
		nbc_result_free(&r);
	}
	return bad;
}

static int check_summary(const char *file, const char *gate, int nerrors)
{
	printf("%s: failed at gate %s (%d error%s)\n", file, gate, nerrors,
	    nerrors == 1 ? "" : "s");
	return NOODLE_EXIT_FAIL;
}

int noodle_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "caps", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint32_t granted = NBC_CAP_LOG;
	const char *path, *file;
	ncc_result res;
	nbc_runtime *rt;
	nbc_module *m;
	nbc_error err;
	int c, rc, bad;

	optind = 0;
	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c == 'h') {
			fputs(check_help, stdout);
			return NOODLE_EXIT_OK;
		}
		if (c != 'c')
			return NOODLE_EXIT_USAGE;
		if (parse_caps(optarg, &granted) < 0)
			return NOODLE_EXIT_USAGE;
	}
	if (argc - optind != 1)
		return usage_error("check", "expected one FILE");
	path = argv[optind];
	file = display_name(path);

	rc = compile_file(path, "compile", &res);
	if (rc == NOODLE_EXIT_USAGE)
		return rc;
	if (rc != NOODLE_EXIT_OK) {
		rc = check_summary(file, "compile", (int)res.nerrors);
		ncc_result_free(&res);
		return rc;
	}
	bad = gate_caps(file, &res, granted);
	if (bad > 0) {
		ncc_result_free(&res);
		return check_summary(file, "capabilities", bad);
	}

	rt = nbc_runtime_new();
	if (rt == NULL) {
		ncc_result_free(&res);
		fputs("noodle: out of memory\n", stderr);
		return NOODLE_EXIT_USAGE;
	}
	memset(&err, 0, sizeof(err));
	if (nbc_verify(res.blob, res.blob_len, &err) < 0 ||
	    nbc_load_module(rt, res.blob, res.blob_len, "check", NULL,
	    &err) < 0) {
		print_diag(file, true, "verify+load", err.line, 0, err.message);
		nbc_runtime_free(rt);
		ncc_result_free(&res);
		return check_summary(file, "verify+load", 1);
	}
	m = nbc_module_get(rt, "check");
	bad = gate_selftest(file, m, &res, granted);
	nbc_module_release(m);
	nbc_runtime_free(rt);
	if (bad > 0) {
		ncc_result_free(&res);
		return check_summary(file, "self-test", bad);
	}
	printf("%s: ok: compile, contract (%zu public function%s), capabilities, "
	    "verify+load, self-test (%zu test%s) passed\n", file,
	    res.contract.nfuncs, res.contract.nfuncs == 1 ? "" : "s",
	    res.ntests, res.ntests == 1 ? "" : "s");
	ncc_result_free(&res);
	return NOODLE_EXIT_OK;
}

/* ---- run ----------------------------------------------------------------- */

static const char run_help[] =
"usage: noodle run [OPTIONS] FILE [FUNCTION [ARGS...]]\n"
"\n"
"Compile FILE (\"-\" reads stdin), load it and call FUNCTION (default main)\n"
"with ARGS, each a Noodle literal (42, -1.5, 'text', [1, 2], {'a': 1},\n"
"True, None); a word that is not a literal is passed as a string.  Every\n"
"capability is granted.  print() writes to stdout; a return value other\n"
"than None is printed as print would.  A runtime error prints\n"
"FILE:LINE: ErrorType: message on stderr.\n"
"\n"
"  --gas N          instruction budget of the call (default 100000000)\n"
"  --memory BYTES   memory budget of the call (default 64M; k/M/G suffixes)\n"
"  --data DIR       the folder fs.read and fs.write work in (default .)\n"
"  --seed N         seed of the random module (default: from the clock)\n"
"  --time           after the call, print its CPU and wall time and its\n"
"                   instruction count on stderr\n"
"                   (`time: US us cpu, US us wall, N instructions`)\n"
"\n"
"Options come before FILE.  Exit status: 0 the call returned, 1 it raised\n"
"or FILE does not compile, 2 usage or system error.\n";

static void write_stdout(void *ctx, const char *buf, size_t len)
{
	(void)ctx;
	fwrite(buf, 1, len, stdout);
}

/* A runtime error as `FILE:LINE: Type: message` (parts left out when
 * unknown or empty). */
static void print_runtime_error(const char *file, int line, const char *type,
    const char *message)
{
	bool color = noodle_color(stderr);

	fflush(stdout);
	fputs(file, stderr);
	if (line > 0)
		fprintf(stderr, ":%d", line);
	fprintf(stderr, ": %s%s%s", color ? C_RED : "", type,
	    color ? C_RESET : "");
	if (message != NULL && message[0] != '\0')
		fprintf(stderr, ": %s", message);
	fputc('\n', stderr);
}

/* CPU time of this process in microseconds (for --time: on a loaded
 * machine wall time says little about the interpreter). */
static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Call arguments from the command line: literals, else strings. */
static nbc_lit *parse_args(char **words, int n)
{
	nbc_lit *args = calloc(n > 0 ? (size_t)n : 1, sizeof(*args));

	if (args == NULL)
		return NULL;
	for (int i = 0; i < n; i++) {
		nbc_error err;
		size_t len = strlen(words[i]);

		if (ncc_parse_literal(words[i], len, &args[i], &err) == 0)
			continue;
		args[i].type = NBC_LIT_STR;
		args[i].u.str.s = strdup(words[i]);
		args[i].u.str.len = len;
		if (args[i].u.str.s == NULL) {
			args[i].type = NBC_LIT_NONE;
			for (int j = 0; j < i; j++)
				nbc_lit_free(&args[j]);
			free(args);
			return NULL;
		}
	}
	return args;
}

/* Load res's blob into a fresh runtime and call func with args. */
static int run_module(const char *file, const ncc_result *res,
    const char *func, nbc_lit *args, size_t nargs, const nbc_limits *limits,
    const nbc_host *host, bool timing)
{
	nbc_runtime *rt = nbc_runtime_new();
	nbc_module *m;
	nbc_error err;
	nbc_result r;
	uint32_t min_args, max_args;
	double cpu0, cpu1;
	int rc;

	if (rt == NULL) {
		fputs("noodle: out of memory\n", stderr);
		return NOODLE_EXIT_USAGE;
	}
	memset(&err, 0, sizeof(err));
	if (nbc_load_module(rt, res->blob, res->blob_len, "main", limits,
	    &err) < 0) {
		fflush(stdout);
		fputs(file, stderr);
		if (err.line > 0)
			fprintf(stderr, ":%d", err.line);
		fprintf(stderr, ": %s\n", err.message);
		nbc_runtime_free(rt);
		return NOODLE_EXIT_FAIL;
	}
	m = nbc_module_get(rt, "main");
	if (nbc_module_function(m, func, &min_args, &max_args) < 0) {
		char msg[300];

		snprintf(msg, sizeof(msg), "no function '%s'", func);
		print_diag(file, true, NULL, 0, 0, msg);
		nbc_module_release(m);
		nbc_runtime_free(rt);
		return NOODLE_EXIT_FAIL;
	}
	cpu0 = cpu_us();
	nbc_call(m, func, args, nargs, limits, host, &r);
	cpu1 = cpu_us();
	fflush(stdout);
	if (timing)
		fprintf(stderr, "time: %.1f us cpu, %.1f us wall, %" PRIu64
		    " instructions\n", cpu1 - cpu0, (double)r.ns / 1000.0,
		    r.instructions);
	if (r.ok) {
		if (r.value.type != NBC_LIT_NONE) {
			size_t len;
			char *s = nbc_lit_str(&r.value, &len);

			if (s != NULL) {
				fwrite(s, 1, len, stdout);
				fputc('\n', stdout);
				free(s);
			}
		}
		rc = NOODLE_EXIT_OK;
	} else {
		print_runtime_error(file, r.line, nbc_exc_name(r.exc),
		    r.message);
		rc = NOODLE_EXIT_FAIL;
	}
	nbc_result_free(&r);
	nbc_module_release(m);
	nbc_runtime_free(rt);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "noodle: stdout: %s\n", strerror(errno));
		rc = NOODLE_EXIT_USAGE;
	}
	return rc;
}

int noodle_cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "gas", required_argument, NULL, 'g' },
		{ "memory", required_argument, NULL, 'M' },
		{ "data", required_argument, NULL, 'd' },
		{ "seed", required_argument, NULL, 's' },
		{ "time", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	nbc_limits limits;
	nbc_host host = { .write = write_stdout, .data_dir = "." };
	const char *path, *func = "main";
	ncc_result res;
	nbc_lit *args;
	size_t nargs = 0;
	bool timing = false;
	int c, rc;

	nbc_limits_default(&limits);
	for (size_t i = 0; i < NCAPS; i++)
		host.caps |= 1u << i;
	optind = 0;
	while ((c = next_opt(argc, argv, opts)) != -1) {
		switch (c) {
		case 'h':
			fputs(run_help, stdout);
			return NOODLE_EXIT_OK;
		case 'g':
			if (parse_size(optarg, &limits.gas) < 0 ||
			    limits.gas == 0)
				return usage_error("run", "--gas needs a "
				    "positive count");
			break;
		case 'M':
			if (parse_size(optarg, &limits.memory) < 0 ||
			    limits.memory == 0)
				return usage_error("run", "--memory needs a "
				    "positive size");
			break;
		case 'd':
			host.data_dir = optarg;
			break;
		case 't':
			timing = true;
			break;
		case 's':
			if (parse_size(optarg, &host.seed) < 0)
				return usage_error("run", "--seed needs a "
				    "number");
			break;
		default:
			return NOODLE_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return usage_error("run", "expected FILE");
	path = argv[optind++];
	if (optind < argc)
		func = argv[optind++];

	rc = compile_file(path, NULL, &res);
	if (rc == NOODLE_EXIT_USAGE)
		return rc;
	if (rc != NOODLE_EXIT_OK) {
		ncc_result_free(&res);
		return rc;
	}
	nargs = (size_t)(argc - optind);
	args = parse_args(argv + optind, argc - optind);
	if (args == NULL) {
		ncc_result_free(&res);
		fputs("noodle: out of memory\n", stderr);
		return NOODLE_EXIT_USAGE;
	}
	rc = run_module(display_name(path), &res, func, args, nargs, &limits,
	    &host, timing);
	for (size_t i = 0; i < nargs; i++)
		nbc_lit_free(&args[i]);
	free(args);
	ncc_result_free(&res);
	return rc;
}

/* ---- disasm -------------------------------------------------------------- */

static const char disasm_help[] =
"usage: noodle disasm FILE\n"
"\n"
"Compile FILE (\"-\" reads stdin) and print the bytecode listing: constants,\n"
"module constants and each function's code with source lines.\n"
"\n"
"Exit status: 0 listed, 1 FILE does not compile, 2 usage or system error.\n";

int noodle_cmd_disasm(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	ncc_result res;
	nbc_error err;
	char *text;
	int c, rc;

	optind = 0;
	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c != 'h')
			return NOODLE_EXIT_USAGE;
		fputs(disasm_help, stdout);
		return NOODLE_EXIT_OK;
	}
	if (argc - optind != 1)
		return usage_error("disasm", "expected one FILE");
	rc = compile_file(argv[optind], NULL, &res);
	if (rc == NOODLE_EXIT_USAGE)
		return rc;
	if (rc == NOODLE_EXIT_OK) {
		memset(&err, 0, sizeof(err));
		text = nbc_disasm(res.blob, res.blob_len, &err);
		if (text == NULL) {
			fprintf(stderr, "noodle: %s: %s\n",
			    display_name(argv[optind]), err.message);
			rc = NOODLE_EXIT_FAIL;
		} else {
			fputs(text, stdout);
			free(text);
		}
	}
	ncc_result_free(&res);
	return rc;
}

/* ---- diff ---------------------------------------------------------------- */

static const char diff_help[] =
"usage: noodle diff OLD.nc NEW.nc\n"
"\n"
"Compare the contracts (public functions and signatures) of two sources.\n"
"Prints each change as `breaking: FUNCTION: what` or `compatible: FUNCTION:\n"
"what`, then `bump: patch|minor|major`, the semver bump the change needs.\n"
"\n"
"Exit status: 0 no contract change, 4 compatible changes only, 12 breaking\n"
"changes, 1 a file does not compile, 2 usage or system error.\n";

int noodle_cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	ncc_result old_res, new_res;
	ncc_diff d;
	bool color = noodle_color(stdout);
	bool breaking = false;
	int c, rc_old, rc_new, rc;

	optind = 0;
	while ((c = next_opt(argc, argv, opts)) != -1) {
		if (c != 'h')
			return NOODLE_EXIT_USAGE;
		fputs(diff_help, stdout);
		return NOODLE_EXIT_OK;
	}
	if (argc - optind != 2)
		return usage_error("diff", "expected OLD.nc NEW.nc");
	if (strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0)
		return usage_error("diff", "only one file can be stdin");
	rc_old = compile_file(argv[optind], NULL, &old_res);
	if (rc_old == NOODLE_EXIT_USAGE)
		return rc_old;
	rc_new = compile_file(argv[optind + 1], NULL, &new_res);
	if (rc_new == NOODLE_EXIT_USAGE) {
		ncc_result_free(&old_res);
		return rc_new;
	}
	if (rc_old != NOODLE_EXIT_OK || rc_new != NOODLE_EXIT_OK) {
		rc = NOODLE_EXIT_FAIL;
		goto out;
	}
	if (ncc_contract_diff(&old_res.contract, &new_res.contract, &d) < 0) {
		fputs("noodle: out of memory\n", stderr);
		rc = NOODLE_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < d.nchanges; i++) {
		const ncc_change *ch = &d.changes[i];

		if (ch->breaking)
			breaking = true;
		printf("%s%s%s %s: %s\n",
		    color ? (ch->breaking ? C_RED : C_GREEN) : "",
		    ch->breaking ? "breaking:" : "compatible:",
		    color ? C_RESET : "", ch->function, ch->message);
	}
	printf("bump: %s\n", ncc_bump_name(d.bump));
	if (breaking)
		rc = DIFF_EXIT_BREAKING;
	else if (d.nchanges > 0)
		rc = DIFF_EXIT_COMPATIBLE;
	else
		rc = DIFF_EXIT_NONE;
	ncc_diff_free(&d);
out:
	ncc_result_free(&old_res);
	ncc_result_free(&new_res);
	return rc;
}
