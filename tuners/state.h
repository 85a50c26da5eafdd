/* tickready's own files under the root (journal, lock, confirm-pending, once-pending, confirm.log, bound/). */
#pragma once
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sysroot.h"

/* A state directory or file another user owns or may write: refused (state_strerror says so). */
#define STATE_EUNSAFE EKEYREJECTED
const char *state_strerror(int rc);

/*
 * The directory of a state file, made (parents 0755, itself 0700) when missing, and opened
 * O_NOFOLLOW: never a link, owned by this user (root) and 0700, else refused.
 * Returns a directory fd, -ELOOP for a link, -STATE_EUNSAFE for another owner or a looser mode, or -errno.
 */
int state_dir_open(const struct sysroot *sr, const char *dir);

/* Replaces path whole: a new 0600 file created O_EXCL beside it, fsynced, renamed over it, dir fsynced. */
int state_write(const struct sysroot *sr, const char *path, const char *data, size_t len);
/* Appends one record (0600, created O_EXCL when missing), fsynced. */
int state_append(const struct sysroot *sr, const char *path, const char *data, size_t len);
/* Opens path for appending under those rules; the caller writes and fsyncs. Returns the fd or -errno. */
int state_open_append(const struct sysroot *sr, const char *path);
/* Opens path for reading: never through a link, regular files only, non-blocking. fd or -errno. */
int state_open_read(const struct sysroot *sr, const char *path);
/* Reads path whole (up to cap bytes, else -EFBIG), NUL-terminated; -ENOENT when absent. */
int state_read(const struct sysroot *sr, const char *path, size_t cap, char **out, size_t *len);
/* Removes path (a file, or an empty directory when dir); absent is fine. */
int state_remove(const struct sysroot *sr, const char *path, int dir);
/* fsync of path's directory, so a rename or a new file survives a crash. */
int state_sync_dir(const struct sysroot *sr, const char *path);

/*
 * apply --confirm's record, written (fsynced) before the run's first change: the run, the applying
 * session, the deadline, the boot it was armed in, and the pids of apply and its timer. A record of an
 * earlier boot, or one past its deadline with no timer left, is reverted by the next apply, confirm
 * or boot (cli/confirm_guard.c).
 */
struct confirm_pending {
	char run[64];
	long sid;		/* -1 when not recorded */
	long deadline;		/* epoch seconds; 0 when not recorded */
	char boot_id[40];	/* /proc/sys/kernel/random/boot_id when armed; "" when unknown */
	pid_t apply, timer;	/* 0 when not recorded */
};
int confirm_pending_load(const struct sysroot *sr, struct confirm_pending *cp);
int confirm_pending_store(const struct sysroot *sr, const struct confirm_pending *cp);
/* The run waiting for confirmation into run, and the session id of the apply (-1 when not recorded). */
int confirm_pending_read(const struct sysroot *sr, char *run, size_t size, long *sid);
int confirm_pending_remove(const struct sysroot *sr);
/* Appends one timestamped line to CONFIRM_LOG (0600). */
void confirm_log(const struct sysroot *sr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* apply --once: the run, its one-time parameters, and whether the boot loader command ran. */
struct once_pending {
	char run[64];
	char *params;
	bool update_bootloader;
};
int once_pending_write(const struct sysroot *sr, const char *run, const char *params, bool updated);
/* -ENOENT when nothing is pending, -EINVAL when the file is not ours. */
int once_pending_read(const struct sysroot *sr, struct once_pending *o);
int once_pending_remove(const struct sysroot *sr);

/* apply's record of the profile it applied (its source: a path or "builtin:NAME") and the run. */
int active_profile_write(const struct sysroot *sr, const char *profile, const char *run);
/*
 * The active profile, when its run is still applied (not reverted): *profile (allocated) and run.
 * -ENOENT when none is recorded or its run was reverted.
 */
int active_profile_read(const struct sysroot *sr, char **profile, char *run, size_t runsize);

/* The lock: flock on JOURNAL_LOCK. Returns an fd, or -EWOULDBLOCK with *holder set to its pid. */
int state_lock(const struct sysroot *sr, pid_t *holder);
/* The same, retried until the holder lets go or max_ms have passed. */
int state_lock_wait(const struct sysroot *sr, pid_t *holder, unsigned max_ms);
void state_unlock(int fd);
