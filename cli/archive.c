/* A capture archive (OUT.tar.gz from tickready capture) as a read-only root: unpacked into a private directory, removed after. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

bool cli_root_is_archive(const char *root)
{
	struct stat st;

	return root && (str_ends_with(root, ".tar.gz") || str_ends_with(root, ".tgz")) && stat(root, &st) == 0 &&
	       S_ISREG(st.st_mode);
}

static bool has_dir(const char *root, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	return lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool cli_refuse_archive(const char *root, const char *cmd)
{
	if (!cli_root_is_archive(root))
		return false;
	cli_error("%s%sroot '%s' is a capture archive: audit, report, diff, capture and profile read one; apply, revert, "
		  "status and confirm need a directory (unpack it with tar -xzf, nothing was changed)", cmd ? cmd : "",
		  cmd ? ": " : "", root);
	return true;
}

void cli_remove_tree(const char *dir)
{
	char *argv[] = { "rm", "-rf", "--one-file-system", "--", (char *)dir, NULL };

	run_argv(argv);
}

/*
 * A child that removes dir once the write end of its pipe closes: at session_close, or when this process
 * dies in any way (a signal, a crash), so an interrupted run leaves no unpacked tree behind. It ignores the
 * terminal's signals (Ctrl-C reaches the whole process group) and holds no descriptor of ours.
 */
static int reaper_start(const char *dir, pid_t *pid)
{
	int fds[2], null;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	*pid = fork();
	if (*pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -errno;
	}
	if (*pid == 0) {
		char *argv[] = { "rm", "-rf", "--one-file-system", "--", (char *)dir, NULL };
		char c;

		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGPIPE, SIG_IGN);
		null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, STDIN_FILENO);
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		if (fds[0] != 3 && dup2(fds[0], 3) < 0)
			_exit(1);
		close_range(4, ~0u, 0);
		while (read(3, &c, 1) != 0 && errno == EINTR)
			;
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[0]);
	return fds[1];
}

void cli_archive_release(struct cli_unpacked *u)
{
	if (!u->dir[0])
		return;
	if (u->reaper_fd >= 0) {
		close(u->reaper_fd);
		while (waitpid(u->reaper, NULL, 0) < 0 && errno == EINTR)
			;
	} else {
		cli_remove_tree(u->dir);
	}
	u->dir[0] = '\0';
	u->reaper_fd = -1;
}

/* nftw keeps no argument for its callback: the first special member found, relative to the tree. */
static char special_found[256];
static size_t special_skip;

static int note_special(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)ftw;
	if (type == FTW_F && (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode) || S_ISFIFO(st->st_mode) ||
			      S_ISSOCK(st->st_mode))) {
		snprintf(special_found, sizeof(special_found), "%s", path + special_skip);
		return 1;
	}
	return 0;
}

/* A device node's open alone can act (a watchdog arms): an archive holding one is refused whole. */
static bool holds_special(const char *dir, char *out, size_t size)
{
	special_found[0] = '\0';
	special_skip = strlen(dir);
	if (nftw(dir, note_special, 16, FTW_PHYS | FTW_MOUNT) != 1)
		return false;
	snprintf(out, size, "%s", special_found);
	return true;
}

/*
 * Listed before anything is unpacked, and given up as soon as a limit is passed: a 9 MB archive can hold
 * 2 GiB of zeros or 300,000 files. A capture of a 512-cpu host holds ~60,000 members and a few MB.
 */
#define ARCHIVE_MAX_MEMBERS 500000
#define ARCHIVE_MAX_BYTES (1024ull << 20)

static int within_limits(const char *archive, struct cli_unpacked *u)
{
	char *argv[] = { "tar", "--force-local", "-tvzf", (char *)archive, NULL };
	unsigned long long bytes = 0, members = 0;
	char line[8192];
	int fds[2], status, rc = 0;
	pid_t pid;
	FILE *f;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(fds[0]);
		close(fds[1]);
		return rc;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		dup2(fds[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	if (!f) {
		close(fds[0]);
		kill(pid, SIGKILL);
	}
	/* "-rw-r--r-- 0/0   1234 2026-12-07 00:00 ./proc/cpuinfo": the third field is the size. */
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long size = 0;

		members++;
		if (sscanf(line, "%*s %*s %llu", &size) == 1)
			bytes += size;
		if (members > ARCHIVE_MAX_MEMBERS || bytes > ARCHIVE_MAX_BYTES) {
			snprintf(u->special, sizeof(u->special), "more than %s",
				 members > ARCHIVE_MAX_MEMBERS ? "500,000 members" : "1 GiB unpacked");
			rc = -EFBIG;
			kill(pid, SIGKILL);
			break;
		}
	}
	if (f)
		fclose(f);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!rc && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		rc = -EINVAL;
	return rc;
}

int cli_archive_unpack(const char *archive, struct cli_unpacked *u)
{
	char tmpl[] = "/tmp/tickready-root-XXXXXX";
	/* GNU tar strips a leading '/' and refuses members with '..'; links stay links, and sysroot never follows one out. */
	/* --force-local: a name with a ':' is a file here, never a remote archive reached over a shell. */
	char *argv[] = { "tar", "--force-local", "--no-same-owner", "--no-same-permissions", "--warning=no-timestamp", "-xzf",
			 (char *)archive, "-C", tmpl, NULL };
	int rc;

	u->dir[0] = '\0';
	u->reaper_fd = -1;
	u->special[0] = '\0';
	if ((rc = within_limits(archive, u)) < 0)
		return rc;
	if (!mkdtemp(tmpl))
		return -errno;
	snprintf(u->dir, sizeof(u->dir), "%s", tmpl);
	/* Before tar runs, so that even a run killed while unpacking leaves nothing. */
	u->reaper_fd = reaper_start(u->dir, &u->reaper);
	if (u->reaper_fd < 0) {
		rc = u->reaper_fd;
		cli_archive_release(u);
		return rc;
	}
	rc = run_argv(argv);
	if (rc == 0 && !has_dir(tmpl, "proc") && !has_dir(tmpl, "sys"))
		rc = -ENOENT;	/* a tar, but not of a host: capture always records /proc or /sys */
	if (rc == 0 && holds_special(tmpl, u->special, sizeof(u->special)))
		rc = -EMEDIUMTYPE;
	if (rc != 0) {
		cli_archive_release(u);
		return rc == -ENOENT || rc == -EMEDIUMTYPE ? rc : rc < 0 ? rc : -EINVAL;
	}
	return 0;
}
