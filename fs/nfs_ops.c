/*
 * nfs_ops.c - the FUSE callbacks of noodlefs (libfuse 3 high-level API).
 *
 * Each callback routes its path to a row of the node table (nfs_nodes.c)
 * and calls the row's handler, or acts on the engine directly for the
 * namespace operations: mkdir creates a unit, rmdir retires it, unlink and
 * rename act on staging files (rename onto submit submits).  Writes that
 * change a unit are the owner's and root's only, from the caller's
 * credentials (fuse_get_context), also under allow_other; the engine
 * checks again.  chmod, chown and utimens of fixed nodes succeed as
 * no-ops for the unit's owner, as rsync, cp -p, touch and the notifier
 * need.
 *
 * Caches: the kernel keeps a name it has looked up and its attributes
 * for NFS_ENTRY_TIMEOUT (entry_timeout and attr_timeout), but never a
 * missing name (negative_timeout 0: a new unit, version or handle is there
 * at once).  A cached name only saves the LOOKUP: the high-level library
 * maps it to the same path, and each open routes that path afresh, so a
 * name gone behind the kernel's back fails at open (ENOENT), while stat
 * may show its last attributes for up to the timeout.  Names created or
 * removed through the mount (mkdir, rmdir, create, unlink, rename) update
 * the kernel's cache by themselves; mkdir and O_EXCL creates always look
 * up.  Attributes of a file the engine changes are refreshed by the
 * notifier's touch (nfs_notify.c): its SETATTR's reply carries them; a
 * file it does not touch (a version's state) shows them within the
 * timeout.
 *
 * Content: every open takes its own snapshot (nfs_nodes.c).  A read-only
 * open of a snapshot file whose text equals the one the kernel's page
 * cache holds for that path reads through the page cache (keep_cache, not
 * direct_io), so an unchanged `status` costs one OPEN per open/read/close
 * (the kernel needs no GETATTR while the attributes are fresh, and the
 * RELEASE is asynchronous); any other open is direct_io, its READs served
 * from its snapshot.  When and how the cached text changes, and why a
 * cached read is never torn or stale, is told in nfs_nodes.c ("the
 * kernel's page cache of snapshot files"): the size we report is the
 * cached text's, and a new text is taken only inside a SETATTR of the
 * path (or at open, for a file whose text never changes), after which its
 * pages and attributes are invalidated.  Snapshot opens never drop the
 * cache (keep_cache), whichever path they take; the files that grow or
 * act (events, log, wait, call, submit, ctl, policy, staging files) are
 * always direct_io.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "nfs.h"

#define FH(fi) ((struct nfs_file *)(uintptr_t)(fi)->fh)

static uid_t caller_uid(void)
{
	return fuse_get_context()->uid;
}

static void *nfs_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	cfg->entry_timeout = NFS_ENTRY_TIMEOUT;
	cfg->attr_timeout = NFS_ENTRY_TIMEOUT;
	cfg->negative_timeout = 0;
	cfg->direct_io = 0;             /* decided per open (open_path) */
	cfg->kernel_cache = 0;
	cfg->auto_cache = 0;
	cfg->hard_remove = 1;
	cfg->use_ino = 0;
	cfg->intr = 1;
	cfg->intr_signal = NFS_INTR_SIGNAL;
	return NULL;
}

static int nfs_getattr(const char *path, struct stat *st,
    struct fuse_file_info *fi)
{
	struct nfs_path p;
	int rc = path ? nfs_route(path, &p, false) : -ENOENT;

	if (rc < 0 && fi == NULL)
		return rc;
	if (rc == 0)
		nfs_node_stat(&p, st);
	else
		nfs_file_stat(FH(fi), st);
	return 0;
}

static int nfs_access(const char *path, int mask)
{
	struct nfs_path p;
	int rc = nfs_route(path, &p, false);
	uid_t uid = caller_uid();

	if (rc < 0)
		return rc;
	if ((mask & R_OK) && !(p.node->mode & 0444) && p.node->kind != NK_STAGE)
		return -EACCES;
	if ((mask & W_OK) && !(p.node->mode & 0222) && uid != 0)
		return -EACCES;
	if ((mask & W_OK) && p.node->unit_owned && p.node->kind != NK_CALL &&
	    !nfs_may_write_unit(&p, uid))
		return -EACCES;
	if ((mask & X_OK) && !S_ISDIR(p.node->mode))
		return -EACCES;
	return 0;
}

struct dir_fill {
	void *buf;
	fuse_fill_dir_t filler;
};

static int dir_add(void *ctx, const char *name)
{
	struct dir_fill *d = ctx;

	return d->filler(d->buf, name, NULL, 0, 0);
}

static int nfs_readdir(const char *path, void *buf, fuse_fill_dir_t filler,
    off_t off, struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	struct dir_fill d = { buf, filler };
	struct nfs_path p;
	int rc = path ? nfs_route(path, &p, false) : -ENOENT;

	if (rc < 0)
		return rc;
	if (!S_ISDIR(p.node->mode))
		return -ENOTDIR;
	filler(buf, ".", NULL, 0, 0);
	filler(buf, "..", NULL, 0, 0);
	return nfs_node_list(&p, dir_add, &d);
}

/* mkdir units/ID creates a unit owned by the caller; nothing else can be
 * created as a folder (the kernel only asks when the parent exists). */
static int nfs_mkdir(const char *path, mode_t mode)
{
	nd_err err = { 0 };
	struct nfs_path p;
	int rc = nfs_route(path, &p, true);

	if (rc == -ENOENT)
		return -EPERM;
	if (rc < 0)
		return rc;
	if (p.exists)
		return -EEXIST;
	if (p.node->kind != NK_UNIT)
		return -EPERM;
	rc = nd_unit_create(nfs.eng, p.unit, caller_uid(), &err);
	return rc != 0 ? nfs_fail("mkdir", rc, &err) : 0;
}

static int nfs_rmdir(const char *path)
{
	nd_err err = { 0 };
	struct nfs_path p;
	int rc = nfs_route(path, &p, false);

	if (rc < 0)
		return rc;
	if (!S_ISDIR(p.node->mode))
		return -ENOTDIR;
	if (p.node->kind != NK_UNIT)
		return -EPERM;
	rc = nd_unit_retire(nfs.eng, p.unit, caller_uid(), &err);
	if (rc != 0)
		return nfs_fail("rmdir", rc, &err);
	nfs_stage_drop_unit(p.unit);
	nfs_kc_drop_unit(p.unit);
	return 0;
}

/* unlink: a staging file goes away; `submit` hides until it is created
 * again (install(1) unlinks its target, then creates it with O_EXCL);
 * anything else is refused. */
static int nfs_unlink(const char *path)
{
	struct nfs_path p;
	int rc = nfs_route(path, &p, false);

	if (rc < 0)
		return rc;
	if (S_ISDIR(p.node->mode))
		return -EISDIR;
	if (p.node->kind != NK_STAGE && p.node->kind != NK_SUBMIT)
		return -EPERM;
	if (!nfs_may_write_unit(&p, caller_uid()))
		return -EACCES;
	return p.node->kind == NK_STAGE ? nfs_stage_unlink(&p) :
	    nfs_submit_hide(p.unit);
}

static int nfs_rename(const char *from, const char *to, unsigned flags)
{
	struct nfs_path pf, pt;
	int rc = nfs_route(from, &pf, false);

	if (rc < 0)
		return rc;
	if (pf.node->kind != NK_STAGE)
		return -EPERM;
	rc = nfs_route(to, &pt, true);
	if (rc < 0)
		return rc == -EINVAL ? -EPERM : rc;
	if (!nfs_may_write_unit(&pf, caller_uid()))
		return -EACCES;
	return nfs_stage_rename(&pf, &pt, caller_uid(), flags);
}

/* Attribute changes: staging files keep them; fixed nodes accept them as
 * no-ops from the unit's owner, root and the daemon itself. */
static int set_attr(const char *path, struct fuse_file_info *fi,
    const mode_t *mode, const uid_t *uid, const gid_t *gid,
    const struct timespec tv[2])
{
	struct nfs_path p;
	uid_t who = caller_uid();
	int rc = path ? nfs_route(path, &p, false) : -ENOENT;

	if (rc < 0 && fi == NULL)
		return rc;
	if (rc < 0)
		p = FH(fi)->p;
	if (p.node->kind == NK_STAGE)
		return nfs_may_write_unit(&p, who) ?
		    nfs_stage_setattr(&p, mode, uid, gid, tv) : -EPERM;
	if (who != 0 && who != nfs.uid &&
	    !(p.node->unit_owned && who == p.info.owner))
		return -EPERM;
	nfs_kc_setattr(&p, rc == 0 ? path : NULL);
	return 0;
}

static int nfs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	return set_attr(path, fi, &mode, NULL, NULL, NULL);
}

static int nfs_chown(const char *path, uid_t uid, gid_t gid,
    struct fuse_file_info *fi)
{
	return set_attr(path, fi, NULL, &uid, &gid, NULL);
}

static int nfs_utimens(const char *path, const struct timespec tv[2],
    struct fuse_file_info *fi)
{
	return set_attr(path, fi, NULL, NULL, NULL, tv);
}

static int nfs_truncate(const char *path, off_t size,
    struct fuse_file_info *fi)
{
	struct nfs_path p;
	int rc;

	if (fi != NULL)
		return nfs_file_truncate(FH(fi), size);
	rc = nfs_route(path, &p, false);
	if (rc < 0)
		return rc;
	if (S_ISDIR(p.node->mode))
		return -EISDIR;
	if (p.node->kind != NK_STAGE && !(p.node->mode & 0222))
		return -EACCES;
	if (p.node->kind != NK_CALL && !nfs_may_write_unit(&p, caller_uid()))
		return -EACCES;
	return p.node->kind == NK_STAGE ? nfs_stage_truncate(&p, size) : 0;
}

/* The notifier's toucher opens a changed file write-only and closes it
 * unwritten, for IN_CLOSE_WRITE (nfs_notify.c): it gets an empty
 * description, whatever the file's mode (no render, no cache reader). */
static int open_path(const struct nfs_path *p, const char *path,
    struct fuse_file_info *fi)
{
	bool touch = (fi->flags & O_ACCMODE) == O_WRONLY &&
	    nfs_notify_is_toucher(fuse_get_context()->pid);
	struct nfs_file *f;
	int rc = touch ? nfs_file_touch(p, &f) :
	    nfs_file_open(p, path, fi->flags, caller_uid(), &f);

	if (rc < 0)
		return rc;
	fi->fh = (uintptr_t)f;
	fi->direct_io = !f->cached;
	/* A snapshot file's pages are shared by its cached readers: an open
	 * that does not use them must not drop them either. */
	fi->keep_cache = f->kc != NULL;
	/* Nothing to do at close(2) for a read-only description: spare it
	 * the FLUSH round trip (the RELEASE that frees it is asynchronous). */
	fi->noflush = touch || (fi->flags & O_ACCMODE) == O_RDONLY;
	return 0;
}

static int nfs_open(const char *path, struct fuse_file_info *fi)
{
	struct nfs_path p;
	int rc = nfs_route(path, &p, false);

	return rc < 0 ? rc : open_path(&p, path, fi);
}

/* create: a new name in a unit folder is a staging file (the unit's
 * owner's and root's only); an existing node is opened. */
static int nfs_create(const char *path, mode_t mode,
    struct fuse_file_info *fi)
{
	struct fuse_context *c = fuse_get_context();
	struct nfs_path p;
	int rc = nfs_route(path, &p, true);

	if (rc == -EINVAL)
		return -EPERM;
	if (rc < 0)
		return rc;
	if (p.exists && (fi->flags & O_EXCL))
		return -EEXIST;
	if (p.exists) {
		nfs_kc_created(&p);
		return open_path(&p, path, fi);
	}
	if (p.node->kind != NK_STAGE && p.node->kind != NK_SUBMIT)
		return -EPERM;
	if (!nfs_may_write_unit(&p, c->uid))
		return -EACCES;
	if (p.node->kind == NK_SUBMIT) {
		nfs_submit_unhide(p.unit);
		p.exists = true;
		return open_path(&p, path, fi);
	}
	rc = nfs_stage_create(&p, mode, c->uid, c->gid);
	if (rc < 0)
		return rc;
	p.exists = true;
	rc = open_path(&p, path, fi);
	if (rc < 0)
		nfs_stage_unlink(&p);
	return rc;
}

static int nfs_read(const char *path, char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	return nfs_file_read(FH(fi), buf, size, off);
}

static int nfs_write(const char *path, const char *buf, size_t size,
    off_t off, struct fuse_file_info *fi)
{
	return nfs_file_write(FH(fi), buf, size, off, caller_uid());
}

static int nfs_flush(const char *path, struct fuse_file_info *fi)
{
	return nfs_file_flush(FH(fi));
}

static int nfs_release(const char *path, struct fuse_file_info *fi)
{
	nfs_file_release(FH(fi));
	return 0;
}

static int nfs_fsync(const char *path, int datasync,
    struct fuse_file_info *fi)
{
	return 0;
}

static int nfs_statfs(const char *path, struct statvfs *sv)
{
	memset(sv, 0, sizeof *sv);
	sv->f_bsize = 4096;
	sv->f_frsize = 4096;
	sv->f_namemax = NAME_MAX;
	return 0;
}

static int nfs_poll(const char *path, struct fuse_file_info *fi,
    struct fuse_pollhandle *ph, unsigned *reventsp)
{
	return nfs_file_poll(FH(fi), ph, reventsp);
}

const struct fuse_operations nfs_ops = {
	.init = nfs_init,
	.getattr = nfs_getattr,
	.access = nfs_access,
	.readdir = nfs_readdir,
	.mkdir = nfs_mkdir,
	.rmdir = nfs_rmdir,
	.unlink = nfs_unlink,
	.rename = nfs_rename,
	.chmod = nfs_chmod,
	.chown = nfs_chown,
	.utimens = nfs_utimens,
	.truncate = nfs_truncate,
	.open = nfs_open,
	.create = nfs_create,
	.read = nfs_read,
	.write = nfs_write,
	.flush = nfs_flush,
	.release = nfs_release,
	.fsync = nfs_fsync,
	.statfs = nfs_statfs,
	.poll = nfs_poll,
};
