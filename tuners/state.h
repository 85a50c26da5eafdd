/* tickready's own files under the root (journal, lock, confirm-pending, once-pending, confirm.log, bound/). */
#pragma once
#include <stddef.h>
#include <sys/types.h>

#include "sysroot.h"

/*
 * The directory of a state file, made (parents 0755, itself 0700) when missing, and opened
 * O_NOFOLLOW: never a link, owned by this user (root), 0700 (tightened when looser).
 * Returns a directory fd, -ELOOP for a link, -EPERM for another owner, or -errno.
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
