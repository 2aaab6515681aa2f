/*
 * noodle_cli.h - the parts of the noodle client: main and the offline
 * commands (noodle.c, noodle_offline.c) and the commands that drive a
 * mount (noodle_mount.c).
 *
 * Exit status everywhere (SPEC.md section 8): 0 success, 1 validation or
 * the call failed, 2 usage or system error; `diff` has its own 0/4/12/1.
 */
#ifndef NOODLE_CLI_H
#define NOODLE_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum { NOODLE_EXIT_OK = 0, NOODLE_EXIT_FAIL = 1, NOODLE_EXIT_USAGE = 2 };

/* Offline commands (no mount): check, run, disasm, diff.  argv[0] is the
 * command name. */
int noodle_cmd_check(int argc, char **argv);
int noodle_cmd_run(int argc, char **argv);
int noodle_cmd_disasm(int argc, char **argv);
int noodle_cmd_diff(int argc, char **argv);

/* Mount-side commands: update, status, metrics, activate, rollback,
 * canary, promote, abort, call, events.  mount is the mount point chosen
 * by main (--mount, $NOODLE_MOUNT, else /noodle).  Returns -1 if cmd is
 * not a mount-side command. */
int noodle_mount_command(const char *mount, int argc, char **argv);

/* Whether to color output on f (a terminal, and NO_COLOR unset). */
bool noodle_color(FILE *f);

#endif
