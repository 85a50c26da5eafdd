/* A capture archive (OUT.tar.gz from tickready capture) as a read-only root: unpacked into a private directory, removed after. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

int cli_archive_unpack(const char *archive, char *dir, size_t size)
{
	char tmpl[] = "/tmp/tickready-root-XXXXXX";
	/* GNU tar strips a leading '/' and refuses members with '..'; links stay links, and sysroot never follows one out. */
	char *argv[] = { "tar", "--no-same-owner", "--no-same-permissions", "--warning=no-timestamp", "-xzf",
			 (char *)archive, "-C", tmpl, NULL };
	int rc;

	if (!mkdtemp(tmpl))
		return -errno;
	rc = run_argv(argv);
	if (rc == 0 && !has_dir(tmpl, "proc") && !has_dir(tmpl, "sys"))
		rc = -ENOENT;	/* a tar, but not of a host: capture always records /proc or /sys */
	if (rc != 0) {
		cli_remove_tree(tmpl);
		return rc == -ENOENT ? rc : rc < 0 ? rc : -EINVAL;
	}
	if ((size_t)snprintf(dir, size, "%s", tmpl) >= size) {
		cli_remove_tree(tmpl);
		return -ENAMETOOLONG;
	}
	return 0;
}
