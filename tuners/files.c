/* The tree's files as apply and revert write them, and the one way tuners run a program (argv, no shell). */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

bool is_pseudo(const char *path)
{
	return !strncmp(path, "/sys/", 5) || !strncmp(path, "/proc/", 6);
}

int tree_read(const struct sysroot *sr, const char *path, char **out, size_t *len)
{
	return sysroot_read_alloc(sr, path, TREE_READ_MAX, out, len);
}

int tree_write(const struct sysroot *sr, const char *path, const char *data, size_t len)
{
	/* sysfs wants one write() of the value; a tree's regular file must lose its old bytes. */
	unsigned flags = (sr->live && is_pseudo(path) ? 0 : SW_TRUNC) | (is_pseudo(path) ? 0 : SW_FSYNC);

	return sysroot_write_file(sr, path, data, len, flags, 0);
}

int tree_mkdir_p(const struct sysroot *sr, const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);

	if (len >= sizeof(buf) || path[0] != '/')
		return -EINVAL;
	memcpy(buf, path, len + 1);
	for (size_t i = 1; i <= len; i++) {
		int fd;

		if (i != len && buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (!sysroot_is_dir(sr, buf)) {
			char *slash = strrchr(buf, '/');
			char parent[PATH_MAX];

			snprintf(parent, sizeof(parent), "%.*s", (int)(slash - buf) ? (int)(slash - buf) : 1, buf);
			fd = sysroot_openat(sr, parent, O_PATH | O_DIRECTORY, 0);
			if (fd < 0)
				return fd;
			if (mkdirat(fd, slash + 1, mode) < 0 && errno != EEXIST) {
				int rc = -errno;

				close(fd);
				return rc;
			}
			close(fd);
		}
		if (i != len)
			buf[i] = '/';
	}
	return 0;
}

int run_argv(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
