/* tickready capture: record every file an audit reads (and the ethtool facts) into a tree or a tar.gz. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "cli.h"
#include "util.h"

enum { OPT_ROOT = 'r', OPT_PROFILE = 'p' };

static const struct cli_opt capture_opts[] = {
	{ "root", "DIR", OPT_ROOT, "capture the tree under DIR instead of /" },
	{ "profile", "NAME|PATH", OPT_PROFILE, "profile whose checks decide what is read (default: every check reads its files anyway)" },
	{ NULL, NULL, 0, NULL },
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && !strcmp(s + n - m, suffix);
}

/* exec, never a shell: the output name is the user's text. */
static int run_tar(const char *out, const char *dir)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("tar", "tar", "--numeric-owner", "-czf", out, "-C", dir, ".", (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void remove_tree(const char *dir)
{
	pid_t pid = fork();

	if (pid == 0) {
		execlp("rm", "rm", "-rf", "--one-file-system", dir, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
}

int cmd_capture(int argc, char **argv)
{
	const char *root = "/", *profile = NULL, *arg, *out;
	char tmp[] = "/tmp/tickready-capture-XXXXXX";
	bool tarball;
	struct cli_parser p;
	struct session s;
	struct finding *f;
	struct stat st;
	size_t n;
	int c, rc;

	cli_parser_init(&p, "capture", "tickready capture [--root DIR] [--profile NAME|PATH] OUT[.tar.gz]",
			"Writes the files audit reads, laid out like the root (a directory, or a tar.gz when OUT ends in .tar.gz).",
			capture_opts, argc, argv);
	while ((c = cli_parser_next(&p, &arg)) != -1) {
		if (c == CLI_HELP)
			return EXIT_READY;
		if (c == OPT_ROOT)
			root = arg;
		else if (c == OPT_PROFILE)
			profile = arg;
		else
			return EXIT_ERROR;
	}
	if (optind != argc - 1) {
		cli_error("capture: name one output (a directory, or a file ending in .tar.gz)");
		return EXIT_ERROR;
	}
	out = argv[optind];
	tarball = ends_with(out, ".tar.gz") || ends_with(out, ".tgz");
	if (!tarball && stat(out, &st) == 0 && (!S_ISDIR(st.st_mode) || rmdir(out) < 0)) {
		cli_error("capture: '%s' exists and is not an empty directory", out);
		return EXIT_ERROR;
	}
	rc = session_open(&s, root, profile, true);
	if (rc)
		return rc;
	f = checks_run(&(struct check_ctx){ &s.host, &s.prof, &s.sr }, NULL, &n);
	findings_free(f, n);
	/* Checks read only what their profile asks about: run every shipped profile too, so any of them audits the capture. */
	for (const struct builtin_profile *b = builtin_profiles; b->name; b++) {
		struct profile other;
		struct profile_error err;

		if (profile_load(&other, b->name, &err) < 0)
			continue;
		if (profile_resolve(&other, &s.host, &err) == 0) {
			f = checks_run(&(struct check_ctx){ &s.host, &other, &s.sr }, NULL, &n);
			findings_free(f, n);
		}
		profile_free(&other);
	}
	if (tarball && !mkdtemp(tmp)) {
		cli_error("capture: cannot create a temporary directory: %s", strerror(errno));
		session_close(&s);
		return EXIT_ERROR;
	}
	rc = sysroot_record_write(&s.sr, tarball ? tmp : out);
	if (rc == 0 && tarball)
		rc = run_tar(out, tmp);
	if (tarball)
		remove_tree(tmp);
	session_close(&s);
	if (rc < 0) {
		cli_error("capture: cannot write '%s': %s", out, strerror(-rc));
		return EXIT_ERROR;
	}
	fprintf(stderr, "tickready: captured %s into '%s'\n", root, out);
	return EXIT_READY;
}
