/*
 * Files the user names for output (capture's archive and report): written to a temporary file beside the
 * target and renamed over it, so a link planted at the name is replaced, never followed; a path through a
 * link that neither root nor this user owns (another user's, in a shared directory) is refused.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int cli_out_path_ok(const char *cmd, const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	struct stat st;

	if (len >= sizeof(buf)) {
		cli_error("%s: output path too long: '%s'", cmd, path);
		return -1;
	}
	memcpy(buf, path, len + 1);
	/* Every prefix that ends at a '/', then the whole path. */
	for (size_t i = 1; i <= len; i++) {
		if (i < len && buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (lstat(buf, &st) == 0 && S_ISLNK(st.st_mode)) {
			if (i == len) {
				cli_error("%s: '%s' is a symbolic link: name the file itself (it is never written through a link)",
					  cmd, path);
				return -1;
			}
			if (st.st_uid != 0 && st.st_uid != geteuid()) {
				cli_error("%s: '%s' goes through '%s', a link another user owns: name a path without it", cmd,
					  path, buf);
				return -1;
			}
		}
		if (i < len)
			buf[i] = '/';
	}
	return 0;
}

FILE *cli_out_open(const char *cmd, const char *path, char **tmp)
{
	char *copy = xstrdup(path), *dir = dirname(copy);
	char *base_copy = xstrdup(path), *base = basename(base_copy);
	FILE *f = NULL;
	int fd;

	*tmp = NULL;
	if (cli_out_path_ok(cmd, path) == 0) {
		*tmp = xasprintf("%s/.%s.XXXXXX", dir, base);
		fd = mkstemp(*tmp);
		if (fd < 0 || !(f = fdopen(fd, "w"))) {
			cli_error("%s: cannot write beside '%s': %s", cmd, path, strerror(errno));
			if (fd >= 0) {
				close(fd);
				unlink(*tmp);
			}
			free(*tmp);
			*tmp = NULL;
		} else {
			fchmod(fd, 0644);
		}
	}
	free(copy);
	free(base_copy);
	return f;
}

int cli_out_commit(FILE *f, char *tmp, const char *path)
{
	int rc = 0;

	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		rc = -errno;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

void cli_out_abort(FILE *f, char *tmp)
{
	if (f)
		fclose(f);
	if (tmp)
		unlink(tmp);
	free(tmp);
}
