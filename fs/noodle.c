/*
 * noodle.c - main of the noodle client: global options, command dispatch,
 * help, and the color decision shared by every command.
 *
 *   noodle [--mount DIR] COMMAND [ARGS...]
 *
 * Offline commands (check, run, disasm, diff) live in noodle_offline.c and
 * need no mount.  Every other command goes to noodle_mount_command()
 * (noodle_mount.c) with the mount point chosen here: --mount DIR, else
 * $NOODLE_MOUNT, else /noodle.  Options are read only before the command
 * name, so that a command's own arguments (a negative number, say) are
 * never taken for global options.  Usage errors exit 2.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "noodle.h"
#include "noodle_cli.h"

typedef int (*noodle_cmd_fn)(int argc, char **argv);

static const struct {
	const char *name;
	noodle_cmd_fn fn;
} offline_cmds[] = {
	{ "check", noodle_cmd_check },
	{ "run", noodle_cmd_run },
	{ "disasm", noodle_cmd_disasm },
	{ "diff", noodle_cmd_diff },
};

#define NOFFLINE (sizeof(offline_cmds) / sizeof(offline_cmds[0]))

static const char usage_text[] =
"usage: noodle [--mount DIR] COMMAND [ARGS...]\n"
"\n"
"Commands on a mounted noodlefs (--mount DIR, $NOODLE_MOUNT, else /noodle):\n"
"  update FILE [--unit ID] [--version V] [--wait] [--activate]\n"
"  status UNIT [--json]        metrics UNIT\n"
"  activate UNIT [VER]         rollback UNIT\n"
"  canary UNIT VER PERCENT     promote UNIT        abort UNIT\n"
"  call UNIT 'f(1, 2)'         events [--follow]\n"
"\n"
"Offline commands (no mount needed):\n"
"  check FILE                  run every gate that needs no active version\n"
"  run FILE [FUNCTION [ARGS...]]  run FUNCTION (default main)\n"
"  disasm FILE                 the bytecode listing of FILE\n"
"  diff OLD.nc NEW.nc          the contract changes and the bump they need\n"
"\n"
"Global options:\n"
"  --mount DIR   the mount point of noodlefs\n"
"  --help        this text; `noodle help COMMAND` or `noodle COMMAND --help`\n"
"  --version     the client's version\n"
"\n"
"Exit status: 0 success, 1 validation or the call failed, 2 usage or system\n"
"error (diff: 0 no change, 4 compatible, 12 breaking, 1 does not compile).\n";

bool noodle_color(FILE *f)
{
	const char *nc = getenv("NO_COLOR");

	if (nc != NULL && nc[0] != '\0')
		return false;
	return isatty(fileno(f)) == 1;
}

static noodle_cmd_fn find_offline(const char *name)
{
	for (size_t i = 0; i < NOFFLINE; i++)
		if (strcmp(offline_cmds[i].name, name) == 0)
			return offline_cmds[i].fn;
	return NULL;
}

/* Run command argv[0]; -1 when no command has that name. */
static int dispatch(const char *mount, int argc, char **argv)
{
	noodle_cmd_fn fn = find_offline(argv[0]);

	if (fn != NULL)
		return fn(argc, argv);
	return noodle_mount_command(mount, argc, argv);
}

/* help COMMAND: the command's own --help. */
static int cmd_help(const char *mount, int argc, char **argv)
{
	char *hargv[3];
	int rc;

	if (argc < 2) {
		fputs(usage_text, stdout);
		return NOODLE_EXIT_OK;
	}
	if (argc > 2) {
		fputs("noodle: help takes one command name\n", stderr);
		return NOODLE_EXIT_USAGE;
	}
	hargv[0] = argv[1];
	hargv[1] = (char *)"--help";
	hargv[2] = NULL;
	rc = dispatch(mount, 2, hargv);
	if (rc < 0) {
		fprintf(stderr, "noodle: no command '%s' (see noodle --help)\n",
		    argv[1]);
		return NOODLE_EXIT_USAGE;
	}
	return rc;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mount", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *mount = NULL;
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			mount = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return NOODLE_EXIT_OK;
		case 'V':
			printf("noodle %s\n", ND_VERSION_STRING);
			return NOODLE_EXIT_OK;
		default:
			if (optopt == 'm')
				fputs("noodle: --mount needs a folder\n", stderr);
			else
				fprintf(stderr, "noodle: unknown option '%s'\n",
				    argv[optind - 1]);
			fputs("see noodle --help\n", stderr);
			return NOODLE_EXIT_USAGE;
		}
	}
	if (mount == NULL || mount[0] == '\0')
		mount = getenv("NOODLE_MOUNT");
	if (mount == NULL || mount[0] == '\0')
		mount = "/noodle";
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return NOODLE_EXIT_USAGE;
	}
	argc -= optind;
	argv += optind;
	if (strcmp(argv[0], "help") == 0)
		return cmd_help(mount, argc, argv);
	rc = dispatch(mount, argc, argv);
	if (rc < 0) {
		fprintf(stderr, "noodle: unknown command '%s' (see noodle --help)\n",
		    argv[0]);
		return NOODLE_EXIT_USAGE;
	}
	return rc;
}
