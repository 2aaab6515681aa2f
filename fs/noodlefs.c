/*
 * noodlefs.c - the noodlefs daemon: options, the engine, the mount and the
 * FUSE loop.
 *
 *   noodlefs [-f] [-d] [-s] [-o opt,...] MOUNTPOINT
 *
 * Start-up: parse our -o options (fuse_opt) and libfuse's; refuse a mount
 * point left by a crashed daemon (ENOTCONN) with a clear message; then,
 * unless -f, fork, and in the child open the engine (taking the state
 * folder's lock: a second daemon gets EBUSY), create the FUSE instance,
 * mount, and only then detach from the terminal and tell the parent.  So
 * every start-up error reaches the terminal and the exit status, and the
 * engine's threads live in the process that serves the mount.  The
 * notifier's toucher process is forked first, while the daemon has one
 * thread (nfs_notify.c says why it is a process).
 *
 * The loop is multi-threaded, with room for ND_MAX_WAITERS readers blocked
 * in `wait` plus a reserve, so waiters never starve other operations.
 * SIGTERM, SIGINT and SIGHUP end the loop (libfuse's handlers); blocked
 * waiters see the session end and return; then the notifier stops, the
 * mount goes, and the engine closes.  Exit status: 0 after a clean
 * unmount, 1 on a start-up or runtime failure, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nfs.h"

struct nfs_daemon nfs;

struct options {
	char *state;
	int workers;
	unsigned long max_source;
	int max_pending;
	const char *mount_arg;          /* first non-option argument */
	int mount_errno;                /* stat() or statvfs() of it failed so */
};

#define OPT(t, f) { t, offsetof(struct options, f), 0 }
static const struct fuse_opt option_spec[] = {
	OPT("state=%s", state),
	OPT("workers=%d", workers),
	OPT("max_source=%lu", max_source),
	OPT("max_pending=%d", max_pending),
	FUSE_OPT_END
};

static void usage(const char *prog)
{
	printf("usage: %s [-f] [-d] [-s] [-o opt,...] MOUNTPOINT\n\n"
	    "noodlefs options:\n"
	    "    -o state=DIR           state folder (default /var/lib/noodlefs "
	    "for root,\n"
	    "                           else $XDG_STATE_HOME/noodlefs or "
	    "~/.local/state/noodlefs)\n"
	    "    -o workers=N           validation threads (default: the CPU "
	    "count)\n"
	    "    -o max_source=BYTES    largest source accepted (default %u)\n"
	    "    -o max_pending=N       most pending submissions (default %d)\n"
	    "\n", prog, ND_DEFAULT_MAX_SOURCE, ND_DEFAULT_MAX_PENDING);
}

/* Note the mount point as it is given, before libfuse resolves it.  A
 * dead FUSE mount may still answer stat() from the kernel's attribute
 * cache (ours keeps attributes NFS_ENTRY_TIMEOUT); statvfs() always asks
 * the daemon, so it fails with ENOTCONN. */
static int opt_proc(void *data, const char *arg, int key,
    struct fuse_args *outargs)
{
	struct options *o = data;
	struct statvfs sv;
	struct stat st;

	if (key == FUSE_OPT_KEY_NONOPT && o->mount_arg == NULL) {
		o->mount_arg = arg;
		if (stat(arg, &st) != 0 || statvfs(arg, &sv) != 0)
			o->mount_errno = errno;
	}
	return 1;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
	char buf[PATH_MAX], *s;

	if (strlcpy(buf, path, sizeof buf) >= sizeof buf)
		return ENAMETOOLONG;
	for (s = buf + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return errno;
		*s = '/';
	}
	if (mkdir(buf, 0700) != 0 && errno != EEXIST)
		return errno;
	return 0;
}

/* The state folder: -o state=DIR, else the default; made absolute. */
static int state_dir(const char *given, char out[PATH_MAX])
{
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char want[PATH_MAX];
	int rc;

	if (given != NULL)
		strlcpy(want, given, sizeof want);
	else if (geteuid() == 0)
		strlcpy(want, "/var/lib/noodlefs", sizeof want);
	else if (xdg != NULL && xdg[0] == '/')
		snprintf(want, sizeof want, "%s/noodlefs", xdg);
	else if (home != NULL && home[0] == '/')
		snprintf(want, sizeof want, "%s/.local/state/noodlefs", home);
	else
		return ENOENT;
	rc = make_dirs(want);
	if (rc != 0)
		return rc;
	return realpath(want, out) != NULL ? 0 : errno;
}

/* Fork; the parent waits for the child's start-up verdict (one byte on a
 * pipe) and exits with it.  Returns the pipe's write end in the child. */
static int daemon_fork(void)
{
	int p[2];
	char verdict;
	pid_t pid;

	if (pipe(p) != 0) {
		perror("noodlefs: pipe");
		exit(1);
	}
	pid = fork();
	if (pid < 0) {
		perror("noodlefs: fork");
		exit(1);
	}
	if (pid == 0) {
		close(p[0]);
		return p[1];
	}
	close(p[1]);
	if (read(p[0], &verdict, 1) != 1)
		verdict = 1;
	if (verdict != 0)
		waitpid(pid, NULL, 0);
	_exit(verdict);
}

/* In the child: detach from the terminal and report success. */
static void daemon_ready(int fd)
{
	char ok = 0;
	int null;

	setsid();
	if (chdir("/") != 0)
		perror("noodlefs: chdir /");
	null = open("/dev/null", O_RDWR);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(fd, &ok, 1) != 1)
		_exit(1);
	close(fd);
}

static void on_intr_signal(int sig)
{
}

/* Interrupts are on (nfs_init sets intr): libfuse wakes a thread serving
 * an interrupted request with NFS_INTR_SIGNAL, which must not kill us. */
static int intr_signal_handler(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_intr_signal;
	sigemptyset(&sa.sa_mask);
	return sigaction(NFS_INTR_SIGNAL, &sa, NULL);
}

static int run_loop(struct fuse *fuse, const struct fuse_cmdline_opts *c)
{
	struct fuse_loop_config *cfg;
	unsigned max = ND_MAX_WAITERS + NFS_THREAD_RESERVE;
	int rc;

	if (c->singlethread)
		return fuse_loop(fuse);
	cfg = fuse_loop_cfg_create();
	if (cfg == NULL)
		return -ENOMEM;
	fuse_loop_cfg_set_clone_fd(cfg, (unsigned)c->clone_fd);
	if (c->max_idle_threads != UINT_MAX)
		fuse_loop_cfg_set_idle_threads(cfg, c->max_idle_threads);
	fuse_loop_cfg_set_max_threads(cfg, c->max_threads > max ?
	    c->max_threads : max);
	rc = fuse_loop_mt(fuse, cfg);
	fuse_loop_cfg_destroy(cfg);
	return rc;
}

int main(int argc, char **argv)
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts copts;
	struct options o = { 0 };
	char state[PATH_MAX];
	nd_config ncfg = { 0 };
	nd_err err = { 0 };
	struct fuse *fuse = NULL;
	struct fuse_session *se;
	int ready_fd = -1, rc, status = 1;

	memset(&copts, 0, sizeof copts);
	if (fuse_opt_parse(&args, &o, option_spec, opt_proc) != 0 ||
	    fuse_opt_insert_arg(&args, 1, "-ofsname=noodlefs") != 0)
		return 2;
	if (o.mount_errno == ENOTCONN) {
		fprintf(stderr, "noodlefs: %s: transport endpoint is not "
		    "connected: a crashed daemon left it mounted; run "
		    "`fusermount3 -u %s` first\n", o.mount_arg, o.mount_arg);
		return 1;
	}
	if (fuse_parse_cmdline(&args, &copts) != 0)
		return 2;
	if (copts.show_help) {
		usage(argv[0]);
		fuse_cmdline_help();
		fuse_lib_help(&args);
		status = 0;
		goto out;
	}
	if (copts.show_version) {
		printf("noodlefs %s\n", ND_VERSION_STRING);
		printf("FUSE library version %s\n", fuse_pkgversion());
		fflush(stdout);
		fuse_lowlevel_version();
		status = 0;
		goto out;
	}
	if (copts.mountpoint == NULL) {
		fprintf(stderr, "usage: %s [-f] [-d] [-s] [-o opt,...] "
		    "MOUNTPOINT (see --help)\n", argv[0]);
		status = 2;
		goto out;
	}
	if (o.workers < 0 || o.max_pending < 0 || o.max_source > (1ul << 30)) {
		fprintf(stderr, "noodlefs: workers and max_pending must be 0 or "
		    "more, max_source at most 1 GiB\n");
		status = 2;
		goto out;
	}
	rc = state_dir(o.state, state);
	if (rc != 0) {
		fprintf(stderr, "noodlefs: state folder %s: %s\n",
		    o.state ? o.state : "(default)", strerror(rc));
		goto out;
	}

	if (!copts.foreground)
		ready_fd = daemon_fork();

	strlcpy(nfs.mountpoint, copts.mountpoint, sizeof nfs.mountpoint);
	nfs.max_source = o.max_source ? o.max_source : ND_DEFAULT_MAX_SOURCE;
	nfs.uid = getuid();
	nfs.gid = getgid();
	nfs.debug = copts.debug;
	nfs.single = copts.singlethread;
	clock_gettime(CLOCK_REALTIME, &nfs.started);
	ncfg.state_dir = state;
	ncfg.workers = o.workers;
	ncfg.max_source = nfs.max_source;
	ncfg.max_pending = o.max_pending;
	ncfg.notify = nfs_notify_change;
	rc = nfs_notify_init();
	if (rc != 0) {
		fprintf(stderr, "noodlefs: cannot start the notifier: %s\n",
		    strerror(rc));
		goto out;
	}
	rc = nd_engine_open(&ncfg, &nfs.eng, &err);
	if (rc != 0) {
		if (err.msg[0] != '\0')
			fprintf(stderr, "noodlefs: %s\n", err.msg);
		else
			fprintf(stderr, "noodlefs: state folder %s: %s\n",
			    state, strerror(rc));
		goto out_notify;
	}
	fuse = fuse_new(&args, &nfs_ops, sizeof nfs_ops, NULL);
	if (fuse == NULL)
		goto out_engine;
	if (fuse_mount(fuse, copts.mountpoint) != 0)
		goto out_engine;
	se = fuse_get_session(fuse);
	if (fuse_set_signal_handlers(se) != 0 || intr_signal_handler() != 0 ||
	    nfs_notify_start() != 0)
		goto out_unmount;
	if (ready_fd >= 0) {
		daemon_ready(ready_fd);
		ready_fd = -1;
	}
	status = run_loop(fuse, &copts) == 0 ? 0 : 1;
	fuse_remove_signal_handlers(se);
out_unmount:
	nfs_notify_stop();
	fuse_unmount(fuse);
out_engine:
	nfs_notify_join();
	if (fuse != NULL)
		fuse_destroy(fuse);
	nd_engine_close(nfs.eng);
	goto out;
out_notify:
	nfs_notify_join();
out:
	free(copts.mountpoint);
	free(o.state);
	fuse_opt_free_args(&args);
	if (ready_fd >= 0) {
		char verdict = (char)(status != 0 ? status : 1);

		if (write(ready_fd, &verdict, 1) != 1)
			status = 1;
	}
	return status;
}
