/* The only way tickready touches the host: every path is a host path resolved under --root. */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cpuset.h"

struct sysroot_record;
struct sysroot_memo;

struct sysroot {
	int dirfd;		/* the root, O_PATH */
	char path[PATH_MAX];	/* the root as the user named it, made absolute */
	bool live;		/* the root is this host's "/": ioctls and CPUID may be used */
	bool aliased;		/* live, though named otherwise ("--root /mnt/x" that resolves to "/") */
	struct sysroot_record *rec;	/* non-NULL while capturing: every read is kept */
	struct sysroot_memo *memo;	/* non-NULL in a read-only run: each file is read once (sysroot_memo_start) */
	/* Live only: /proc and /sys (O_PATH), once fstatfs said procfs and sysfs; -1 otherwise (sysroot_kernfs_open). */
	int procfd, sysfd;
};

/* Largest file a plain read accepts; bigger ones need sysroot_read_alloc. */
#define SYSROOT_SMALL 4096

/* Opens root (a directory). Returns 0, -ENOENT, -ENOTDIR or another -errno. */
int sysroot_open(struct sysroot *sr, const char *root);
void sysroot_close(struct sysroot *sr);
/*
 * For a run that only reads (audit, report) of a live root: from now on each file is read once, and a later
 * sysroot_read, sysroot_read_alloc or sysroot_exists of the same path gets the first answer
 * (its bytes, or that it is absent), as a capture's replay does, so a check and the plan that
 * re-reads its knob open it once. A process's own /proc/PID, self and thread-self are read
 * afresh each time (an app's threads are read at both ends of a window). Any write through
 * the writer forgets everything kept. Not while capturing (the record replays then).
 */
void sysroot_memo_start(struct sysroot *sr);

/* openat2(RESOLVE_IN_ROOT): neither ".." nor a symlink in a tree escapes the root. Returns fd or -errno. */
int sysroot_openat(const struct sysroot *sr, const char *path, int flags, mode_t mode);
/*
 * A read-only open of a live /proc/... or /sys/... path that provably stays on that procfs or sysfs
 * (openat2 RESOLVE_BENEATH | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS from the kept directory): what it
 * opens is a regular file or a directory, never a device, FIFO or socket, so no fstat is needed.
 * -EXDEV when that cannot be said (not live, another path, a mount crossed, no openat2): the caller
 * opens as before. Exported for its tests.
 */
int sysroot_kernfs_open(const struct sysroot *sr, const char *path, int flags);
/* What sysroot_openat does where the kernel has no openat2 (before 5.6); exported for its tests. */
int sysroot_walk_open(int rootfd, const char *path, int flags, mode_t mode);

/*
 * Reads a regular file into buf (NUL-terminated). Returns its length, or -errno:
 * -EFBIG when it does not fit, -EINVAL for a non-regular file (a FIFO in a tree never hangs us).
 */
ssize_t sysroot_read(const struct sysroot *sr, const char *path, char *buf, size_t size);
/* Reads an open fd to its end (less than cap bytes, else -EFBIG); *out is malloc'd and NUL-terminated. */
int sysroot_read_fd(int fd, size_t cap, char **out, size_t *len);
/* Same for files of any size up to cap; *out is malloc'd and NUL-terminated. */
int sysroot_read_alloc(const struct sysroot *sr, const char *path, size_t cap, char **out, size_t *len);
/*
 * The same file, line by line: fn gets each line NUL-terminated, newline dropped, read in pieces
 * (a 2,048-cpu host's 361 MB /proc/interrupts never sits whole in memory), so a file of any size
 * is read; only a line of line_cap bytes or more is -EFBIG. The lines are those of the text up to
 * its first NUL byte, as a whole read would see them; while capturing, the file is read whole (up
 * to 1 GiB), so the record keeps it. Returns 0 or -errno: on an error some lines may have been
 * given already.
 */
int sysroot_read_lines(const struct sysroot *sr, const char *path, size_t line_cap,
		       void (*fn)(void *arg, char *line), void *arg);
/*
 * A file read again and again (tickready watch): opened once, then re-read from offset 0 with pread,
 * which procfs and sysfs answer afresh each time. Only for a live root: in a tree, a file renamed
 * over the path would leave the kept fd on the old one. Reads are not recorded.
 */
int sysroot_open_kept(const struct sysroot *sr, const char *path);
/* The kept file whole, as sysroot_read (NUL-terminated, -EFBIG when it does not fit). */
ssize_t sysroot_pread(int fd, char *buf, size_t size);
/* The kept file line by line, as sysroot_read_lines. */
int sysroot_read_lines_fd(int fd, size_t line_cap, void (*fn)(void *arg, char *line), void *arg);
/*
 * len bytes of a character device at offset (an MSR of /dev/cpu/N/msr): this host only. Under a foreign
 * root it is -EPERM without a look (a tree holds no devices; a capture keeps the value as a file), and
 * anything but a character device is -EINVAL. Never recorded: the caller keeps what it learnt. 0 or -errno.
 */
int sysroot_read_device(const struct sysroot *sr, const char *path, off_t offset, void *buf, size_t len);
/* One value: the file with surrounding whitespace removed. -ENODATA for an empty file. */
int sysroot_read_str(const struct sysroot *sr, const char *path, char *buf, size_t size);
/* A decimal integer; -EINVAL for anything else, -ENODATA for an empty file. */
int sysroot_read_long(const struct sysroot *sr, const char *path, long *out);
int sysroot_read_cpuset(const struct sysroot *sr, const char *path, struct cpuset *out);
int sysroot_read_mask(const struct sysroot *sr, const char *path, struct cpuset *out);
/* The target of a symlink, as stored. */
int sysroot_readlink(const struct sysroot *sr, const char *path, char *buf, size_t size);
/* Last component of a symlink's target ("../../bus/pci/drivers/vfio-pci" -> "vfio-pci"). */
int sysroot_readlink_base(const struct sysroot *sr, const char *path, char *buf, size_t size);
bool sysroot_exists(const struct sysroot *sr, const char *path);
bool sysroot_is_dir(const struct sysroot *sr, const char *path);

struct dirlist {
	size_t n;
	char **names;	/* sorted; "." and ".." left out */
};
int sysroot_list(const struct sysroot *sr, const char *path, struct dirlist *out);
/* The same, only the names starting with prefix (a 2,000-entry library directory's few wanted sonames, unsorted rest). */
int sysroot_list_prefix(const struct sysroot *sr, const char *path, const char *prefix, struct dirlist *out);
void dirlist_free(struct dirlist *dl);
/*
 * Each symlink in dir with its target, in no set order: one readlinkat per entry (the fd walk of
 * every process). fn returns nonzero to stop. Entries that are not links are left out, and so is
 * the rest of dir after a link the kernel refuses to read (EACCES: /proc/PID/fd asks once per
 * process). 0 or -errno when dir cannot be listed.
 */
int sysroot_list_links(const struct sysroot *sr, const char *dir, int (*fn)(void *arg, const char *name,
		       const char *target), void *arg);

/*
 * The one writer. Every file tickready writes is opened here: O_NOFOLLOW (the last component is
 * never a link: -ELOOP), O_NONBLOCK (a FIFO never hangs us), and refused unless fstat says a
 * regular file (-SYSROOT_ENOTREG: never into a device, FIFO or socket). sysfs and procfs
 * attributes are regular files on a live host. The policy is in the flags at each call site.
 */
enum sysroot_wflags {
	SW_CREATE = 1 << 0,	/* create when absent (mode) */
	SW_EXCL = 1 << 1,	/* with SW_CREATE: fail with -EEXIST when present */
	SW_TRUNC = 1 << 2,	/* drop the old bytes first */
	SW_APPEND = 1 << 3,
	SW_FSYNC = 1 << 4,	/* fsync before returning */
	SW_READ = 1 << 5,	/* open read-write (the lock) */
};
/* errno for "not a regular file": tickready refuses it, whatever the path says. */
#define SYSROOT_ENOTREG EMEDIUMTYPE
/* Would the writer accept path? 0 when it is a regular file or absent, -ELOOP, -SYSROOT_ENOTREG. */
int sysroot_check_write(const struct sysroot *sr, const char *path);
/* Opens path for writing under those rules. Returns the fd or -errno. */
int sysroot_open_write(const struct sysroot *sr, const char *path, unsigned flags, mode_t mode);
/* The same under an open directory (state files): name is one component. */
int sysroot_open_write_at(int dirfd, const char *name, unsigned flags, mode_t mode);
/* Opens, writes len bytes with one write() (as sysfs wants), fsyncs when asked, closes. 0 or -errno. */
int sysroot_write_file(const struct sysroot *sr, const char *path, const char *data, size_t len, unsigned flags,
		       mode_t mode);
/* Why a write was refused, for messages: strerror, or the refusal said plainly. */
const char *sysroot_strerror(int rc);

/*
 * Writes value with one write(), as sysfs expects, through the one writer. A failed write whose file
 * already holds the value counts as done. Returns 0 or -errno. Only tuners call this, through the journal.
 */
int sysroot_write(const struct sysroot *sr, const char *path, const char *value);

/*
 * Capture: keep every file read, every directory listed (its entries as empty placeholders
 * unless read too) and every path tested for, from now on.
 */
int sysroot_record_start(struct sysroot *sr);
/* Keep a file that only an ioctl could tell (ethtool), so --root audits of the capture see it. */
void sysroot_record_synthetic(const struct sysroot *sr, const char *path, const char *data, size_t len);
/* Writes what was kept into dir, laid out like the root. */
int sysroot_record_write(const struct sysroot *sr, const char *dir);
/* What the last sysroot_record_write wrote: one per path. */
struct sysroot_record_stats {
	size_t files, dirs, links;
};
void sysroot_record_stats(const struct sysroot *sr, struct sysroot_record_stats *out);
void sysroot_record_stop(struct sysroot *sr);

/* Where ioctl-only facts live in a tree: /.tickready/ethtool/IFNAME/{coalesce,ring,drvinfo}. */
#define SYSROOT_ETHTOOL_DIR "/.tickready/ethtool"
/* The SMI count a capture kept (decimal), read live from MSR_SMI_COUNT of a housekeeping cpu. */
#define SYSROOT_SMI_FILE "/.tickready/smi_count"
/* CPUID's answers (vendor, model, invariant TSC) in a capture, as "key : value" lines. */
#define SYSROOT_CPUID_FILE "/.tickready/cpuid"
