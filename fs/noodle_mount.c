/*
 * noodle_mount.c - the noodle commands that drive a mounted noodlefs.
 *
 * Every command here is a thin user of the file interface of SPEC.md
 * section 5, exactly what a shell user would do with cat and echo:
 *
 *   update   mkdir units/ID; write the source to units/ID/submit opened
 *            O_RDWR and read back the handle id; poll handles/HID.json
 *            until the handle leaves QUEUED/VALIDATING (--wait), print
 *            every gate; write "activate VER" to ctl (--activate)
 *   status   read units/ID/status (JSON) and print a summary or the JSON
 *   metrics  copy units/ID/metrics
 *   activate, rollback, canary, promote, abort
 *            one write to units/ID/ctl; a refusal is reported with the
 *            errno's meaning and status.last_error
 *   call     write the call to units/ID/call and read the reply on the
 *            same O_RDWR descriptor
 *   events   copy the events file, filtered by unit; --follow polls its
 *            size and reads what was added, as tail -f does
 *
 * The client links nothing of the engine: it only knows the mount.  JSON
 * is parsed with cJSON.  Exit status: 0 success, 1 validation, the call
 * or a ctl command was refused, 2 usage or system error (no mount, no such
 * unit, I/O error).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "noodle_cli.h"

#define WAIT_TIMEOUT_DEFAULT 300   /* seconds --wait waits for a handle */
#define WAIT_POLL_MAX_MS 8         /* --wait: longest pause between polls */
#define FOLLOW_POLL_MS 100         /* events --follow: re-read period */

/* ---- small helpers ------------------------------------------------------- */

/* ANSI color code when stdout is a colored terminal, else "". */
static const char *col(const char *code)
{
	static int on = -1;

	if (on < 0)
		on = noodle_color(stdout);
	return on ? code : "";
}
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

/* Color for a state word: green for good, red for failure, yellow else. */
static const char *state_color(const char *s)
{
	if (!s)
		return "";
	if (!strcmp(s, "ACTIVE") || !strcmp(s, "VALIDATED"))
		return col(C_GREEN);
	if (!strcmp(s, "FAILED") || !strcmp(s, "VALIDATION_FAILED") ||
	    !strcmp(s, "ROLLED_BACK"))
		return col(C_RED);
	return col(C_YELLOW);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "ENOENT" for ENOENT, or "errno N". */
static const char *errno_name(int e)
{
	static char buf[32];
	const char *n = strerrorname_np(e);

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "errno %d", e);
	return buf;
}

/* Build MOUNT/rel into dst.  Returns false (and says so) if too long. */
static bool mpath(char *dst, size_t n, const char *mount, const char *fmt, ...)
{
	char rel[PATH_MAX];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof(rel) ||
	    (size_t)snprintf(dst, n, "%s/%s", mount, rel) >= n) {
		fprintf(stderr, "noodle: path too long under %s\n", mount);
		return false;
	}
	return true;
}

/* Read fd to end of file into a malloc'd NUL-terminated buffer.  Returns 0
 * or an errno value. */
static int read_all(int fd, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *p = malloc(cap);

	if (!p)
		return ENOMEM;
	for (;;) {
		ssize_t r;

		if (cap - n < 2) {
			char *q = realloc(p, cap * 2);

			if (!q) {
				free(p);
				return ENOMEM;
			}
			p = q;
			cap *= 2;
		}
		r = read(fd, p + n, cap - n - 1);
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(p);
			return e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	p[n] = '\0';
	*out = p;
	if (len)
		*len = n;
	return 0;
}

/* Read a whole file.  Returns 0 or an errno value. */
static int slurp(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int e;

	if (fd < 0)
		return errno;
	e = read_all(fd, out, len);
	close(fd);
	return e;
}

/* Write all of buf to fd.  Returns 0 or an errno value. */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Read and parse a JSON file; prints the reason and returns NULL on
 * failure. */
static cJSON *read_json(const char *path)
{
	char *text;
	cJSON *j;
	int e = slurp(path, &text, NULL);

	if (e) {
		fprintf(stderr, "noodle: %s: %s\n", path, strerror(e));
		return NULL;
	}
	j = cJSON_Parse(text);
	if (!j)
		fprintf(stderr, "noodle: %s: not valid JSON\n", path);
	free(text);
	return j;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* Print a JSON value for a person: strings bare, the rest compact. */
static void print_value(FILE *f, const cJSON *v)
{
	char *s;

	if (cJSON_IsString(v)) {
		fputs(v->valuestring, f);
		return;
	}
	s = cJSON_PrintUnformatted(v);
	if (s) {
		fputs(s, f);
		free(s);
	}
}

/* The text of status.last_error (a string, or an object with a message),
 * or NULL when there is none. */
static char *last_error_text(const cJSON *status)
{
	const cJSON *le = cJSON_GetObjectItemCaseSensitive(status, "last_error");

	if (!le || cJSON_IsNull(le))
		return NULL;
	if (cJSON_IsString(le))
		return *le->valuestring ? strdup(le->valuestring) : NULL;
	if (cJSON_IsObject(le) && jstr(le, "message"))
		return strdup(jstr(le, "message"));
	return cJSON_PrintUnformatted(le);
}

/* ---- the mount and its units --------------------------------------------- */

/*
 * Check that a noodlefs is mounted at mount: it answers, and has a
 * version file, an events file and a units folder.  Prints why not and
 * returns false otherwise.
 */
static bool mount_ok(const char *mount)
{
	static const char *const need[] = { "version", "events", "units" };
	char p[PATH_MAX];
	struct stat st;
	size_t i;

	if (stat(mount, &st) != 0) {
		if (errno == ENOTCONN)
			fprintf(stderr, "noodle: %s: the noodlefs daemon is gone "
			    "(transport endpoint is not connected); unmount it "
			    "with 'fusermount3 -u %s'\n", mount, mount);
		else
			fprintf(stderr, "noodle: %s: %s\n", mount,
			    strerror(errno));
		return false;
	}
	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (!mpath(p, sizeof(p), mount, "%s", need[i]))
			return false;
		if (stat(p, &st) != 0 || (i == 2) != !!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "noodle: no noodlefs mounted at %s "
			    "(no %s there)\n"
			    "noodle: mount one with 'noodlefs %s', or choose "
			    "the mount point with --mount or NOODLE_MOUNT\n",
			    mount, p, mount);
			return false;
		}
	}
	return true;
}

/* Whether id matches [A-Za-z0-9][A-Za-z0-9._-]{0,63}. */
static bool unit_id_ok(const char *id)
{
	size_t i, n = strlen(id);

	if (n == 0 || n > 64 || !isalnum((unsigned char)id[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!isalnum((unsigned char)id[i]) && !strchr("._-", id[i]))
			return false;
	return true;
}

/* Check a unit argument and that the unit exists on the mount.  Prints
 * the reason and returns false otherwise. */
static bool unit_ok(const char *mount, const char *unit)
{
	char p[PATH_MAX];
	struct stat st;

	if (!unit_id_ok(unit)) {
		fprintf(stderr, "noodle: '%s' is not a unit id "
		    "([A-Za-z0-9][A-Za-z0-9._-]{0,63})\n", unit);
		return false;
	}
	if (!mpath(p, sizeof(p), mount, "units/%s", unit))
		return false;
	if (stat(p, &st) != 0) {
		if (errno == ENOENT)
			fprintf(stderr, "noodle: no unit '%s' at %s\n", unit,
			    mount);
		else
			fprintf(stderr, "noodle: %s: %s\n", p, strerror(errno));
		return false;
	}
	return true;
}

/* The unit's status JSON, or NULL (reason printed). */
static cJSON *read_status(const char *mount, const char *unit)
{
	char p[PATH_MAX];

	if (!mpath(p, sizeof(p), mount, "units/%s/status", unit))
		return NULL;
	return read_json(p);
}

/* ---- argument parsing ---------------------------------------------------- */

struct opt {
	const char *name;          /* long name without the dashes */
	const char **val;          /* for an option with a value */
	bool *flag;                /* for a flag */
};

struct cmd {
	const char *name;
	const char *usage;         /* after "noodle NAME " */
	const char *help;          /* what it does and its options */
	int minpos, maxpos;        /* positional arguments */
	int (*run)(const char *mount, char **pos, int npos);
};

static void usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "usage: noodle [--mount DIR] %s %s\n", c->name, c->usage);
	if (f == stdout)
		fputs(c->help, f);
	else
		fprintf(f, "Try 'noodle %s --help'.\n", c->name);
}

/*
 * Split argv (argv[0] is the command) into options and positional
 * arguments.  Options may come anywhere, as --name VALUE or --name=VALUE;
 * "--" ends them.  Returns -1 to go on, or the exit status (0 after
 * --help, 2 on a usage error).
 */
static int parse_args(const struct cmd *c, const struct opt *opts, int argc,
    char **argv, char **pos, int *npos)
{
	bool dashdash = false;
	int i;

	*npos = 0;
	for (i = 1; i < argc; i++) {
		char *a = argv[i];
		const struct opt *o;
		size_t nl;

		if (dashdash || a[0] != '-' || !strcmp(a, "-")) {
			if (*npos >= c->maxpos) {
				fprintf(stderr, "noodle %s: unexpected argument "
				    "'%s'\n", c->name, a);
				usage(stderr, c);
				return NOODLE_EXIT_USAGE;
			}
			pos[(*npos)++] = a;
			continue;
		}
		if (!strcmp(a, "--")) {
			dashdash = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout, c);
			return NOODLE_EXIT_OK;
		}
		for (o = opts; o && o->name; o++) {
			nl = strlen(o->name);
			if (a[1] == '-' && !strncmp(a + 2, o->name, nl) &&
			    (a[2 + nl] == '\0' || a[2 + nl] == '='))
				break;
		}
		if (!o || !o->name) {
			fprintf(stderr, "noodle %s: unknown option '%s'\n",
			    c->name, a);
			usage(stderr, c);
			return NOODLE_EXIT_USAGE;
		}
		if (o->flag) {
			if (a[2 + nl] == '=') {
				fprintf(stderr, "noodle %s: --%s takes no "
				    "value\n", c->name, o->name);
				return NOODLE_EXIT_USAGE;
			}
			*o->flag = true;
		} else if (a[2 + nl] == '=') {
			*o->val = a + 3 + nl;
		} else if (i + 1 < argc) {
			*o->val = argv[++i];
		} else {
			fprintf(stderr, "noodle %s: --%s needs a value\n",
			    c->name, o->name);
			return NOODLE_EXIT_USAGE;
		}
	}
	if (*npos < c->minpos) {
		fprintf(stderr, "noodle %s: missing arguments\n", c->name);
		usage(stderr, c);
		return NOODLE_EXIT_USAGE;
	}
	return -1;
}

/* ---- ctl commands -------------------------------------------------------- */

/* What a ctl errno means, for a person. */
static const char *ctl_reason(int e)
{
	switch (e) {
	case EINVAL: return "malformed or unknown command";
	case ENOENT: return "no such version";
	case EBUSY: return "not allowed in the current state";
	case EACCES: case EPERM:
		return "only the unit's owner or root may do that";
	default: return strerror(e);
	}
}

/* One line summarising what is active now, after a ctl command. */
static void print_after(const char *mount, const char *unit)
{
	cJSON *st = read_status(mount, unit);
	const cJSON *can;
	const char *s;

	if (!st)
		return;
	s = jstr(st, "state");
	printf("%s: %s%s%s", unit, state_color(s), s ? s : "?", col(C_OFF));
	if (jstr(st, "active"))
		printf(", active %s", jstr(st, "active"));
	if (jstr(st, "previous"))
		printf(", previous %s", jstr(st, "previous"));
	can = cJSON_GetObjectItemCaseSensitive(st, "canary");
	if (cJSON_IsObject(can) && jstr(can, "version"))
		printf(", canary %s at %g%%", jstr(can, "version"),
		    jnum(can, "percent", 0));
	putchar('\n');
	cJSON_Delete(st);
}

/*
 * Write one command line to units/UNIT/ctl.  On refusal print the errno's
 * meaning and status.last_error.  Returns an exit status.
 */
static int ctl_write(const char *mount, const char *unit, const char *line)
{
	char p[PATH_MAX];
	int fd, e;

	if (!mpath(p, sizeof(p), mount, "units/%s/ctl", unit))
		return NOODLE_EXIT_USAGE;
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "noodle: %s: %s\n", p, strerror(errno));
		return NOODLE_EXIT_USAGE;
	}
	e = write_all(fd, line, strlen(line));
	if (close(fd) != 0 && !e)
		e = errno;
	if (e) {
		cJSON *st = read_status(mount, unit);
		char *le = st ? last_error_text(st) : NULL;
		size_t n = strcspn(line, "\n");

		fprintf(stderr, "noodle: %s: '%.*s' refused: %s (%s)\n", unit,
		    (int)n, line, ctl_reason(e), errno_name(e));
		if (le)
			fprintf(stderr, "noodle: %s: %s\n", unit, le);
		free(le);
		cJSON_Delete(st);
		return e == EIO || e == ENOTCONN || e == ENOMEM ?
		    NOODLE_EXIT_USAGE : NOODLE_EXIT_FAIL;
	}
	return NOODLE_EXIT_OK;
}

/* Whether a word can go on a ctl line (no blanks, no control bytes). */
static bool word_ok(const char *what, const char *w)
{
	const char *s;

	for (s = w; *s; s++)
		if (isspace((unsigned char)*s) || iscntrl((unsigned char)*s))
			break;
	if (*w && !*s)
		return true;
	fprintf(stderr, "noodle: '%s' is not a valid %s\n", w, what);
	return false;
}

static int ctl_command(const char *mount, const char *unit, const char *line)
{
	int rc;

	if (!unit_ok(mount, unit))
		return NOODLE_EXIT_USAGE;
	rc = ctl_write(mount, unit, line);
	if (rc == NOODLE_EXIT_OK)
		print_after(mount, unit);
	return rc;
}

static int run_activate(const char *mount, char **pos, int npos)
{
	char line[160];

	if (npos > 1 && !word_ok("version", pos[1]))
		return NOODLE_EXIT_USAGE;
	snprintf(line, sizeof(line), "activate%s%s\n", npos > 1 ? " " : "",
	    npos > 1 ? pos[1] : "");
	return ctl_command(mount, pos[0], line);
}

static int run_rollback(const char *mount, char **pos, int npos)
{
	return ctl_command(mount, pos[0], "rollback\n");
}

static int run_promote(const char *mount, char **pos, int npos)
{
	return ctl_command(mount, pos[0], "promote\n");
}

static int run_abort(const char *mount, char **pos, int npos)
{
	return ctl_command(mount, pos[0], "abort\n");
}

static int run_canary(const char *mount, char **pos, int npos)
{
	char line[200];

	if (!word_ok("version", pos[1]) || !word_ok("percent", pos[2]))
		return NOODLE_EXIT_USAGE;
	snprintf(line, sizeof(line), "canary %s %s\n", pos[1], pos[2]);
	return ctl_command(mount, pos[0], line);
}

/* ---- update -------------------------------------------------------------- */

/* If the line at s is `__version__ = "X"` (or with an annotation), X
 * malloc'd; else NULL. */
static char *line_version(const char *s)
{
	size_t eol = strcspn(s, "\n");
	const char *eq, *q, *end;

	if (strncmp(s, "__version__", 11) != 0)
		return NULL;
	s += 11;
	s += strspn(s, " \t");
	if (*s != ':' && *s != '=')
		return NULL;
	eq = memchr(s, '=', eol);
	if (!eq || eq[1] == '=')
		return NULL;
	q = eq + 1 + strspn(eq + 1, " \t");
	if (*q != '"' && *q != '\'')
		return NULL;
	end = strchr(q + 1, *q);
	if (!end || memchr(q, '\n', (size_t)(end - q)))
		return NULL;
	return strndup(q + 1, (size_t)(end - q - 1));
}

/* The value of the first top-level __version__ line (indent: the common
 * indentation of the source), malloc'd, or NULL. */
static char *declared_version(const char *src, size_t indent)
{
	const char *line;
	char *v;

	for (line = src; line && *line; line = strchr(line, '\n'),
	    line = line ? line + 1 : NULL) {
		if (strspn(line, " \t") < indent)
			continue;
		v = line_version(line + indent);
		if (v)
			return v;
	}
	return NULL;
}

/* The indentation common to every line that holds code (LANGUAGE.md: a
 * source may carry one, and it is removed); *ws points to its text. */
static size_t common_indent(const char *src, const char **ws)
{
	const char *line = src;
	size_t best = SIZE_MAX;

	*ws = "";
	while (*line) {
		size_t n = strspn(line, " \t");
		char c = line[n];

		if (c != '\n' && c != '\r' && c != '#' && c != '\0' &&
		    n < best) {
			best = n;
			*ws = line;
		}
		line = strchr(line, '\n');
		if (!line)
			break;
		line++;
	}
	return best == SIZE_MAX ? 0 : best;
}

/* Whether v is MAJOR.MINOR.PATCH in decimal. */
static bool semver_ok(const char *v)
{
	int parts = 0;

	for (;;) {
		if (!isdigit((unsigned char)*v))
			return false;
		while (isdigit((unsigned char)*v))
			v++;
		parts++;
		if (*v == '\0')
			return parts == 3;
		if (*v != '.' || parts == 3)
			return false;
		v++;
	}
}

/* The unit id a file submits to by default: its name without folder and
 * extension. */
static char *file_stem(const char *file)
{
	const char *b = strrchr(file, '/');
	const char *dot;

	b = b ? b + 1 : file;
	dot = strrchr(b, '.');
	return strndup(b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
}

static const char *submit_reason(int e)
{
	switch (e) {
	case EFBIG: return "the source is larger than the mount's max_source";
	case EAGAIN: return "too many updates are pending; try again later";
	case EACCES: case EPERM: return "only the unit's owner or root may submit";
	default: return strerror(e);
	}
}

/*
 * Submit src to unit: mkdir the unit if needed, write units/ID/submit on
 * an O_RDWR descriptor, read back the handle id.  Returns an exit status.
 */
static int submit(const char *mount, const char *unit, const char *src,
    size_t len, uint64_t *hid)
{
	char p[PATH_MAX], *reply = NULL, *end;
	int fd, e;

	if (!mpath(p, sizeof(p), mount, "units/%s", unit))
		return NOODLE_EXIT_USAGE;
	if (mkdir(p, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "noodle: cannot create unit %s: %s\n", unit,
		    strerror(errno));
		return NOODLE_EXIT_USAGE;
	}
	if (!mpath(p, sizeof(p), mount, "units/%s/submit", unit))
		return NOODLE_EXIT_USAGE;
	fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "noodle: %s: %s\n", p, strerror(errno));
		return NOODLE_EXIT_USAGE;
	}
	e = write_all(fd, src, len);
	if (!e)
		e = read_all(fd, &reply, NULL);
	if (close(fd) != 0 && !e)
		e = errno;
	if (e) {
		fprintf(stderr, "noodle: submitting to %s failed: %s (%s)\n",
		    unit, submit_reason(e), errno_name(e));
		free(reply);
		return e == EFBIG || e == EAGAIN || e == EACCES || e == EPERM ?
		    NOODLE_EXIT_FAIL : NOODLE_EXIT_USAGE;
	}
	errno = 0;
	*hid = strtoull(reply, &end, 10);
	if (errno || end == reply || (*end != '\n' && *end != '\0')) {
		fprintf(stderr, "noodle: %s gave no handle id (read '%s')\n", p,
		    reply);
		free(reply);
		return NOODLE_EXIT_USAGE;
	}
	free(reply);
	return NOODLE_EXIT_OK;
}

static bool handle_pending(const char *state)
{
	return !state || !strcmp(state, "QUEUED") ||
	    !strcmp(state, "VALIDATING");
}

/* Poll handles/HID.json (1, 2, 4, then every 8 ms: a read costs a fraction
 * of a millisecond) until the handle leaves QUEUED and VALIDATING or
 * timeout_s runs out.  Returns the handle JSON or NULL (reason printed). */
static cJSON *wait_handle(const char *mount, uint64_t hid, long timeout_s)
{
	char p[PATH_MAX];
	int64_t deadline = now_ms() + timeout_s * 1000;
	long delay = 1;

	if (!mpath(p, sizeof(p), mount, "handles/%llu.json",
	    (unsigned long long)hid))
		return NULL;
	for (;;) {
		cJSON *h = read_json(p);

		if (!h)
			return NULL;
		if (!handle_pending(jstr(h, "state")))
			return h;
		cJSON_Delete(h);
		if (now_ms() >= deadline) {
			fprintf(stderr, "noodle: handle %llu still pending after "
			    "%ld s; see %s\n", (unsigned long long)hid,
			    timeout_s, p);
			return NULL;
		}
		sleep_ms(delay);
		if (delay < WAIT_POLL_MAX_MS)
			delay *= 2;
	}
}

/* Print one gate error as FILE:line:col: KIND: [gate] message. */
static void print_diag(const char *file, const char *kind, const cJSON *d,
    const char *gate)
{
	const char *g = jstr(d, "gate") ? jstr(d, "gate") : gate;
	const char *m = jstr(d, "message");
	int line = (int)jnum(d, "line", 0), column = (int)jnum(d, "col", 0);

	if (cJSON_IsString(d))
		m = d->valuestring;
	fputs(file, stderr);
	if (line > 0)
		fprintf(stderr, ":%d", line);
	if (line > 0 && column > 0)
		fprintf(stderr, ":%d", column);
	fprintf(stderr, ": %s: ", kind);
	if (g)
		fprintf(stderr, "[%s] ", g);
	fprintf(stderr, "%s\n", m ? m : "(no message)");
}

/*
 * Print a finished handle: each gate with its result and time, then the
 * errors and warnings as a compiler does.  Returns whether it passed.
 */
static bool print_validation(const char *file, const cJSON *h)
{
	const cJSON *val = cJSON_GetObjectItemCaseSensitive(h, "validation");
	const cJSON *gates = cJSON_GetObjectItemCaseSensitive(val, "gates");
	const cJSON *errs = cJSON_GetObjectItemCaseSensitive(val, "errors");
	const cJSON *warns = cJSON_GetObjectItemCaseSensitive(val, "warnings");
	const cJSON *g, *d;
	const char *state = jstr(h, "state"), *ver = jstr(h, "version");
	bool passed = state && strcmp(state, "VALIDATION_FAILED") != 0;
	bool any_err = cJSON_GetArraySize(errs) > 0;

	cJSON_ArrayForEach(g, gates) {
		const char *name = jstr(g, "name") ? jstr(g, "name") :
		    jstr(g, "gate");
		const cJSON *ok = cJSON_GetObjectItemCaseSensitive(g, "passed");
		const cJSON *skip = cJSON_GetObjectItemCaseSensitive(g,
		    "skipped");

		if (cJSON_IsTrue(skip))
			printf("  %s skip%s  %s\n", col(C_YELLOW), col(C_OFF),
			    name ? name : "?");
		else
			printf("  %s%s%s  %-14s %8.3f ms\n",
			    cJSON_IsTrue(ok) ? col(C_GREEN) : col(C_RED),
			    cJSON_IsTrue(ok) ? " ok " : "FAIL", col(C_OFF),
			    name ? name : "?", jnum(g, "ms", 0));
	}
	fflush(stdout);
	cJSON_ArrayForEach(d, errs)
		print_diag(file, "error", d, NULL);
	if (!any_err)
		cJSON_ArrayForEach(g, gates) {
			const char *name = jstr(g, "name") ? jstr(g, "name") :
			    jstr(g, "gate");

			cJSON_ArrayForEach(d,
			    cJSON_GetObjectItemCaseSensitive(g, "errors"))
				print_diag(file, "error", d, name);
		}
	cJSON_ArrayForEach(d, warns)
		print_diag(file, "warning", d, NULL);
	printf("%s %s: %s%s%s\n", jstr(h, "unit") ? jstr(h, "unit") : "?",
	    ver ? ver : "(no version)", state_color(state),
	    state ? state : "?", col(C_OFF));
	return passed;
}

/* Read the source to submit: FILE, or standard input for "-". */
static int read_source(const char *file, char **src, size_t *len)
{
	int fd = strcmp(file, "-") ? open(file, O_RDONLY | O_CLOEXEC) : 0;
	int e;

	if (fd < 0)
		return errno;
	e = read_all(fd, src, len);
	if (fd > 0)
		close(fd);
	return e;
}

/*
 * With --version V: V must be MAJOR.MINOR.PATCH; a source that declares
 * another __version__ is an error; one that declares none gets
 * __version__ = "V" as its last line (with the source's common
 * indentation).  Returns an exit status (-1 to go on).
 */
static int apply_version(const char *file, const char *v, char **src,
    size_t *len)
{
	const char *ws;
	size_t ind = common_indent(*src, &ws);
	char *decl = declared_version(*src, ind), *out;
	bool nl = *len > 0 && (*src)[*len - 1] != '\n';
	int n;

	if (!semver_ok(v)) {
		fprintf(stderr, "noodle: --version '%s' is not MAJOR.MINOR.PATCH"
		    "\n", v);
		free(decl);
		return NOODLE_EXIT_USAGE;
	}
	if (decl) {
		int same = !strcmp(decl, v);

		if (!same)
			fprintf(stderr, "noodle: %s declares __version__ = "
			    "\"%s\", not %s: change the source or drop "
			    "--version\n", file, decl, v);
		free(decl);
		return same ? -1 : NOODLE_EXIT_USAGE;
	}
	n = asprintf(&out, "%s%s%.*s__version__ = \"%s\"\n", *src,
	    nl ? "\n" : "", (int)ind, ws, v);
	if (n < 0) {
		fprintf(stderr, "noodle: out of memory\n");
		return NOODLE_EXIT_USAGE;
	}
	free(*src);
	*src = out;
	*len = (size_t)n;
	return -1;
}

static const char *o_unit, *o_version, *o_timeout;
static bool o_wait, o_activate, o_json, o_follow;

static int run_update(const char *mount, char **pos, int npos)
{
	const char *file = pos[0];
	char *src = NULL, *unit;
	size_t len;
	uint64_t hid;
	long timeout_s = WAIT_TIMEOUT_DEFAULT;
	cJSON *h;
	int rc, e;

	if (o_timeout) {
		char *end;

		timeout_s = strtol(o_timeout, &end, 10);
		if (*end || end == o_timeout || timeout_s <= 0) {
			fprintf(stderr, "noodle: --timeout wants seconds > 0\n");
			return NOODLE_EXIT_USAGE;
		}
	}
	if (!o_unit && !strcmp(file, "-")) {
		fprintf(stderr, "noodle: reading standard input needs --unit\n");
		return NOODLE_EXIT_USAGE;
	}
	unit = o_unit ? strdup(o_unit) : file_stem(file);
	if (!unit || !unit_id_ok(unit)) {
		fprintf(stderr, "noodle: '%s' is not a unit id ([A-Za-z0-9]"
		    "[A-Za-z0-9._-]{0,63}); choose one with --unit\n",
		    unit ? unit : "");
		free(unit);
		return NOODLE_EXIT_USAGE;
	}
	e = read_source(file, &src, &len);
	if (e) {
		fprintf(stderr, "noodle: %s: %s\n", file, strerror(e));
		free(unit);
		return NOODLE_EXIT_USAGE;
	}
	rc = o_version ? apply_version(file, o_version, &src, &len) : -1;
	if (rc < 0 && !mount_ok(mount))
		rc = NOODLE_EXIT_USAGE;
	if (rc < 0)
		rc = submit(mount, unit, src, len, &hid);
	free(src);
	if (rc != NOODLE_EXIT_OK) {
		free(unit);
		return rc;
	}
	printf("%s: submitted %s as handle %llu\n", unit, file,
	    (unsigned long long)hid);
	if (!o_wait && !o_activate) {
		free(unit);
		return NOODLE_EXIT_OK;
	}
	fflush(stdout);
	h = wait_handle(mount, hid, timeout_s);
	if (!h) {
		free(unit);
		return NOODLE_EXIT_USAGE;
	}
	rc = print_validation(file, h) ? NOODLE_EXIT_OK : NOODLE_EXIT_FAIL;
	if (rc == NOODLE_EXIT_OK && o_activate) {
		const char *st = jstr(h, "state"), *ver = jstr(h, "version");
		char line[160];

		if (strcmp(st, "VALIDATED") != 0) {
			printf("%s %s is already %s (the unit's activation "
			    "policy); not activating\n", unit,
			    ver ? ver : "?", st);
		} else {
			snprintf(line, sizeof(line), "activate %s\n",
			    ver ? ver : "");
			rc = ctl_write(mount, unit, line);
			if (rc == NOODLE_EXIT_OK)
				print_after(mount, unit);
		}
	}
	cJSON_Delete(h);
	free(unit);
	return rc;
}

/* ---- status, metrics ----------------------------------------------------- */

/* Print a JSON array of strings (or anything) separated by spaces. */
static void print_list(const cJSON *a, const char *none)
{
	const cJSON *v;
	bool first = true;

	if (!cJSON_IsArray(a)) {
		if (a && !cJSON_IsNull(a))
			print_value(stdout, a);
		else
			fputs(none, stdout);
		return;
	}
	cJSON_ArrayForEach(v, a) {
		if (!first)
			putchar(' ');
		print_value(stdout, v);
		first = false;
	}
	if (first)
		fputs(none, stdout);
}

static void print_status(const cJSON *st)
{
	const cJSON *can = cJSON_GetObjectItemCaseSensitive(st, "canary");
	const cJSON *vers = cJSON_GetObjectItemCaseSensitive(st, "versions");
	const cJSON *pol = cJSON_GetObjectItemCaseSensitive(st, "policy");
	const cJSON *owner = cJSON_GetObjectItemCaseSensitive(st, "owner");
	const cJSON *v;
	const char *s = jstr(st, "state");
	char *le = last_error_text(st);

	printf("%sunit%s      %s", col(C_BOLD), col(C_OFF),
	    jstr(st, "unit") ? jstr(st, "unit") : "?");
	if (cJSON_IsNumber(owner)) {
		struct passwd *pw = getpwuid((uid_t)owner->valuedouble);

		if (pw)
			printf("  (owner %s, uid %.0f)", pw->pw_name,
			    owner->valuedouble);
		else
			printf("  (owner uid %.0f)", owner->valuedouble);
	} else if (owner && !cJSON_IsNull(owner)) {
		fputs("  (owner ", stdout);
		print_value(stdout, owner);
		putchar(')');
	}
	printf("\nstate     %s%s%s\n", state_color(s), s ? s : "?", col(C_OFF));
	printf("active    %s\n", jstr(st, "active") ? jstr(st, "active") : "none");
	printf("previous  %s\n",
	    jstr(st, "previous") ? jstr(st, "previous") : "none");
	if (cJSON_IsObject(can)) {
		double calls = jnum(can, "calls", 0), errs = jnum(can, "errors", 0);

		printf("canary    %s at %g%% of calls: %.0f calls, %.0f errors "
		    "(%.2f%%)\n", jstr(can, "version") ? jstr(can, "version") :
		    "?", jnum(can, "percent", 0), calls, errs,
		    calls > 0 ? 100.0 * errs / calls : 0.0);
	} else {
		printf("canary    none\n");
	}
	fputs("pending   ", stdout);
	print_list(cJSON_GetObjectItemCaseSensitive(st, "pending"), "none");
	printf("\nversions%s\n", cJSON_GetArraySize(vers) ? "" : "  none");
	cJSON_ArrayForEach(v, vers) {
		const char *vs = jstr(v, "state");

		printf("  %-10s %s%-8s%s handle %-4.0f",
		    jstr(v, "version") ? jstr(v, "version") : "?",
		    state_color(vs), vs ? vs : "?", col(C_OFF),
		    jnum(v, "handle", 0));
		if (cJSON_GetObjectItemCaseSensitive(v, "calls"))
			printf(" calls %-6.0f errors %-5.0f (%5.1f%%) mean %.0f us",
			    jnum(v, "calls", 0), jnum(v, "errors", 0),
			    100.0 * jnum(v, "error_rate", 0),
			    jnum(v, "mean_us", 0));
		fputs("  caps ", stdout);
		print_list(cJSON_GetObjectItemCaseSensitive(v, "capabilities"),
		    "none");
		putchar('\n');
	}
	if (cJSON_IsObject(pol)) {
		fputs("policy   ", stdout);
		cJSON_ArrayForEach(v, pol) {
			printf(" %s=", v->string);
			print_list(v, "");
		}
		putchar('\n');
	} else if (cJSON_IsString(pol)) {
		printf("policy    %s\n", pol->valuestring);
	}
	printf("last error %s%s%s\n", le ? col(C_RED) : "", le ? le : "none",
	    le ? col(C_OFF) : "");
	free(le);
}

static int run_status(const char *mount, char **pos, int npos)
{
	char p[PATH_MAX], *text;
	cJSON *st;
	int e;

	if (!unit_ok(mount, pos[0]) ||
	    !mpath(p, sizeof(p), mount, "units/%s/status", pos[0]))
		return NOODLE_EXIT_USAGE;
	e = slurp(p, &text, NULL);
	if (e) {
		fprintf(stderr, "noodle: %s: %s\n", p, strerror(e));
		return NOODLE_EXIT_USAGE;
	}
	if (o_json) {
		fputs(text, stdout);
		free(text);
		return NOODLE_EXIT_OK;
	}
	st = cJSON_Parse(text);
	free(text);
	if (!st) {
		fprintf(stderr, "noodle: %s: not valid JSON\n", p);
		return NOODLE_EXIT_USAGE;
	}
	print_status(st);
	cJSON_Delete(st);
	return NOODLE_EXIT_OK;
}

static int run_metrics(const char *mount, char **pos, int npos)
{
	char p[PATH_MAX], *text;
	int e;

	if (!unit_ok(mount, pos[0]) ||
	    !mpath(p, sizeof(p), mount, "units/%s/metrics", pos[0]))
		return NOODLE_EXIT_USAGE;
	e = slurp(p, &text, NULL);
	if (e) {
		fprintf(stderr, "noodle: %s: %s\n", p, strerror(e));
		return NOODLE_EXIT_USAGE;
	}
	fputs(text, stdout);
	free(text);
	return NOODLE_EXIT_OK;
}

/* ---- call ---------------------------------------------------------------- */

/* End of the JSON value that starts at p (after blanks), or NULL. */
static const char *json_value_end(const char *p)
{
	int depth = 0;

	p += strspn(p, " \t\r\n");
	do {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				return NULL;
			p++;
		} else if (*p == '[' || *p == '{') {
			depth++;
			p++;
		} else if (*p == ']' || *p == '}') {
			depth--;
			p++;
		} else if (*p == '\0') {
			return NULL;
		} else if (depth > 0) {
			p++;
		} else {
			p += strcspn(p, ",}] \t\r\n");
		}
	} while (depth > 0);
	return p;
}

/*
 * Print a call's result as the reply wrote it (so 24.0 stays 24.0, which
 * a parse and print would turn into 24); a string bare.
 */
static void print_result(const char *reply, const cJSON *result)
{
	const char *k = strstr(reply, "\"result\"");
	const char *v, *end;

	if (cJSON_IsString(result) || !k) {
		print_value(stdout, result);
		return;
	}
	v = k + 8;
	v += strspn(v, " \t\r\n");
	if (*v == ':')
		v++;
	v += strspn(v, " \t\r\n");
	end = json_value_end(v);
	if (end)
		fwrite(v, 1, (size_t)(end - v), stdout);
	else
		print_value(stdout, result);
}

static int run_call(const char *mount, char **pos, int npos)
{
	char p[PATH_MAX], *reply = NULL;
	const cJSON *err;
	cJSON *j;
	int fd, e;

	if (!unit_ok(mount, pos[0]) ||
	    !mpath(p, sizeof(p), mount, "units/%s/call", pos[0]))
		return NOODLE_EXIT_USAGE;
	fd = open(p, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "noodle: %s: %s\n", p, strerror(errno));
		return NOODLE_EXIT_USAGE;
	}
	e = write_all(fd, pos[1], strlen(pos[1]));
	if (!e)
		e = read_all(fd, &reply, NULL);
	close(fd);
	if (e == EINVAL) {
		fprintf(stderr, "noodle: '%s' is not a call: write name(literal, "
		    "...) with literal arguments\n", pos[1]);
		return NOODLE_EXIT_USAGE;
	}
	if (e) {
		fprintf(stderr, "noodle: call on %s failed: %s (%s)\n", pos[0],
		    e == EBUSY ? "the unit has no active version" : strerror(e),
		    errno_name(e));
		return e == EBUSY ? NOODLE_EXIT_FAIL : NOODLE_EXIT_USAGE;
	}
	if (o_json) {
		fputs(reply, stdout);
		j = cJSON_Parse(reply);
		free(reply);
		e = j && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"));
		cJSON_Delete(j);
		return e ? NOODLE_EXIT_OK : NOODLE_EXIT_FAIL;
	}
	j = cJSON_Parse(reply);
	if (!j) {
		fprintf(stderr, "noodle: %s: reply is not JSON: %s\n", p, reply);
		free(reply);
		return NOODLE_EXIT_USAGE;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "ok"))) {
		print_result(reply, cJSON_GetObjectItemCaseSensitive(j,
		    "result"));
		putchar('\n');
		free(reply);
		cJSON_Delete(j);
		return NOODLE_EXIT_OK;
	}
	free(reply);
	err = cJSON_GetObjectItemCaseSensitive(j, "error");
	fprintf(stderr, "noodle: %s", pos[0]);
	if (jstr(j, "version"))
		fprintf(stderr, " %s", jstr(j, "version"));
	if (jnum(err, "line", 0) > 0)
		fprintf(stderr, " line %.0f", jnum(err, "line", 0));
	fprintf(stderr, ": %s: %s\n",
	    jstr(err, "type") ? jstr(err, "type") : "Error",
	    jstr(err, "message") ? jstr(err, "message") : "");
	cJSON_Delete(j);
	return NOODLE_EXIT_FAIL;
}

/* ---- events -------------------------------------------------------------- */

/* Print one event line (without its newline) if it passes the filter. */
static void print_event(const char *line, const char *unit)
{
	cJSON *ev = cJSON_Parse(line);
	const cJSON *f;
	const char *u;

	if (!ev) {
		if (!unit)
			printf("%s\n", line);
		return;
	}
	u = jstr(ev, "unit");
	if (unit && (!u || strcmp(u, unit) != 0)) {
		cJSON_Delete(ev);
		return;
	}
	if (o_json) {
		printf("%s\n", line);
		cJSON_Delete(ev);
		return;
	}
	printf("%6.0f %s %s%-16s%s %s", jnum(ev, "seq", 0),
	    jstr(ev, "time") ? jstr(ev, "time") : "-", col(C_BOLD),
	    jstr(ev, "type") ? jstr(ev, "type") : "?", col(C_OFF),
	    u ? u : "-");
	cJSON_ArrayForEach(f, ev) {
		if (!strcmp(f->string, "seq") || !strcmp(f->string, "time") ||
		    !strcmp(f->string, "type") || !strcmp(f->string, "unit") ||
		    cJSON_IsNull(f))
			continue;
		printf(" %s=", f->string);
		if (cJSON_IsString(f) && strpbrk(f->valuestring, " \t\"=")) {
			char *q = cJSON_PrintUnformatted(f);

			fputs(q ? q : "", stdout);
			free(q);
		} else {
			print_value(stdout, f);
		}
	}
	putchar('\n');
	cJSON_Delete(ev);
}

/*
 * Read the events file from *off on, print every complete line, keep a
 * trailing partial line in *part.  Returns 0 or an errno value.
 */
static int events_pump(const char *path, const char *unit, off_t *off,
    char **part)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	for (;;) {
		ssize_t r = pread(fd, buf, sizeof(buf), *off);
		char *s, *nl, *start = buf;

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : 0;

			close(fd);
			return e;
		}
		*off += r;
		s = buf;
		while ((nl = memchr(s, '\n', (size_t)(buf + r - s)))) {
			*nl = '\0';
			if (*part) {
				char *full;

				if (asprintf(&full, "%s%s", *part, start) >= 0) {
					print_event(full, unit);
					free(full);
				}
				free(*part);
				*part = NULL;
			} else {
				print_event(start, unit);
			}
			s = start = nl + 1;
		}
		if (s < buf + r) {
			char *more;

			if (asprintf(&more, "%s%.*s", *part ? *part : "",
			    (int)(buf + r - s), s) >= 0) {
				free(*part);
				*part = more;
			}
		}
	}
}

static int run_events(const char *mount, char **pos, int npos)
{
	char p[PATH_MAX], *part = NULL;
	off_t off = 0;
	int e;

	if (o_unit && !unit_id_ok(o_unit)) {
		fprintf(stderr, "noodle: '%s' is not a unit id\n", o_unit);
		return NOODLE_EXIT_USAGE;
	}
	if (!mpath(p, sizeof(p), mount, "events"))
		return NOODLE_EXIT_USAGE;
	for (;;) {
		struct stat st;

		e = events_pump(p, o_unit, &off, &part);
		fflush(stdout);
		while (!e && o_follow) {
			/* the log only grows: wait until its size passes off */
			sleep_ms(FOLLOW_POLL_MS);
			if (stat(p, &st) != 0)
				e = errno;
			else if (st.st_size > off)
				break;
		}
		if (e) {
			fprintf(stderr, "noodle: %s: %s\n", p, strerror(e));
			free(part);
			return NOODLE_EXIT_USAGE;
		}
		if (!o_follow)
			break;
	}
	free(part);
	return NOODLE_EXIT_OK;
}

/* ---- the command table --------------------------------------------------- */

static const struct opt update_opts[] = {
	{ "unit", &o_unit, NULL }, { "version", &o_version, NULL },
	{ "timeout", &o_timeout, NULL }, { "wait", NULL, &o_wait },
	{ "activate", NULL, &o_activate }, { NULL, NULL, NULL },
};
static const struct opt json_opts[] = {
	{ "json", NULL, &o_json }, { NULL, NULL, NULL },
};
static const struct opt events_opts[] = {
	{ "follow", NULL, &o_follow }, { "unit", &o_unit, NULL },
	{ "json", NULL, &o_json }, { NULL, NULL, NULL },
};

static const struct {
	struct cmd c;
	const struct opt *opts;
} commands[] = {
	{ { "update", "FILE [--unit ID] [--version V] [--wait] [--activate] "
	    "[--timeout SEC]",
	    "Submit FILE (or - for standard input) as a new version of a unit.\n"
	    "  --unit ID      the unit (default: FILE's name without extension);\n"
	    "                 created if missing\n"
	    "  --version V    submit as version V: appends __version__ = \"V\",\n"
	    "                 an error if FILE declares another version\n"
	    "  --wait         wait for validation and print every gate; exit 1\n"
	    "                 if it failed\n"
	    "  --activate     wait, then activate the new version\n"
	    "  --timeout SEC  how long to wait (default 300)\n",
	    1, 1, run_update }, update_opts },
	{ { "status", "UNIT [--json]",
	    "Show the unit's state, active, previous and canary versions, its\n"
	    "versions, pending handles and last error.\n"
	    "  --json   print the status file as it is\n",
	    1, 1, run_status }, json_opts },
	{ { "metrics", "UNIT",
	    "Print the unit's metrics (Prometheus text format).\n",
	    1, 1, run_metrics }, NULL },
	{ { "activate", "UNIT [VER]",
	    "Make VER (default: the newest validated version) the active one.\n",
	    1, 2, run_activate }, NULL },
	{ { "rollback", "UNIT",
	    "Make the previous version active again.\n",
	    1, 1, run_rollback }, NULL },
	{ { "canary", "UNIT VER PERCENT",
	    "Route PERCENT of the unit's calls to VER; it is promoted or rolled\n"
	    "back on its own figures (policy canary.min_calls and\n"
	    "canary.max_error_rate), or by promote, abort or rollback.\n",
	    3, 3, run_canary }, NULL },
	{ { "promote", "UNIT",
	    "Make the running canary the active version now.\n",
	    1, 1, run_promote }, NULL },
	{ { "abort", "UNIT",
	    "Stop the running canary; the stable version takes all calls.\n",
	    1, 1, run_abort }, NULL },
	{ { "call", "UNIT 'f(ARG, ...)' [--json]",
	    "Call a public function of the unit with literal arguments and\n"
	    "print its result; exit 1 with the error if the call failed.\n"
	    "  --json   print the reply as it is\n",
	    2, 2, run_call }, json_opts },
	{ { "events", "[--follow] [--unit ID] [--json]",
	    "Print the event log.\n"
	    "  --follow   keep printing new events, as tail -f\n"
	    "  --unit ID  only the events of unit ID\n"
	    "  --json     the JSON lines as they are\n",
	    0, 0, run_events }, events_opts },
};

int noodle_mount_command(const char *mount, int argc, char **argv)
{
	char *pos[4];
	int npos, rc;
	size_t i;

	if (argc < 1)
		return -1;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		const struct cmd *c = &commands[i].c;

		if (strcmp(argv[0], c->name) != 0)
			continue;
		rc = parse_args(c, commands[i].opts, argc, argv, pos, &npos);
		if (rc >= 0)
			return rc;
		/* update checks the mount itself, after reading FILE */
		if (c->run != run_update && !mount_ok(mount))
			return NOODLE_EXIT_USAGE;
		rc = c->run(mount, pos, npos);
		fflush(stdout);
		return rc;
	}
	return -1;
}
