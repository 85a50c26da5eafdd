/* The check-test harness: a reused fixture copy comes back equal to the source, and cases never share writes. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "checktest.h"
#include "util.h"

#define DEV "/sys/devices/pci0000:00/0000:3b:00.0"

/* Every entry of a tree as "path mode size target", sorted: nftw, independent of the harness. */
static struct strbuf *listing;
static size_t root_len;

static int list_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	char target[PATH_MAX] = "";
	ssize_t n;

	(void)type;
	(void)ftw;
	if (S_ISLNK(st->st_mode) && (n = readlink(path, target, sizeof(target) - 1)) >= 0)
		target[n] = '\0';
	strbuf_addf(listing, "%s %o %lld %s\n", path + root_len, (unsigned)st->st_mode,
		    S_ISREG(st->st_mode) ? (long long)st->st_size : 0LL, target);
	return 0;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *tree_listing(const char *root)
{
	struct strbuf sb = { 0 };
	char *text, **lines = NULL, *p, *save;
	size_t n = 0, i;

	listing = &sb;
	root_len = strlen(root);
	assert_int_equal(nftw(root, list_one, 16, FTW_PHYS), 0);
	text = strbuf_detach(&sb);
	for (p = strtok_r(text, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
		lines = xrealloc(lines, (n + 1) * sizeof(*lines));
		lines[n++] = p;
	}
	qsort(lines, n, sizeof(*lines), line_cmp);
	for (i = 0; i < n; i++)
		strbuf_addf(&sb, "%s\n", lines[i]);
	free(lines);
	free(text);
	return strbuf_detach(&sb);
}

/* Same entries, modes and link targets (listing), same bytes (diff -r). */
static void assert_pristine(struct fx *fx)
{
	char src[PATH_MAX], *want, *got;
	pid_t pid;
	int status;

	snprintf(src, sizeof(src), "%s/tests/fixtures/base", TEST_SRCDIR);
	want = tree_listing(src);
	got = tree_listing(fx->dir);
	assert_string_equal(got, want);
	free(want);
	free(got);
	pid = fork();
	if (pid == 0) {
		execlp("diff", "diff", "-r", "--no-dereference", src, fx->dir, (char *)NULL);
		_exit(127);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void write_in_place(struct fx *fx, const char *path, const char *bytes)
{
	int fd = open(fx_path(fx, path), O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, strlen(bytes)), (ssize_t)strlen(bytes));
	close(fd);
}

/* Every kind of change a case (or the code under test) can make, undone before the next case. */
static void test_changes_undone(void **state)
{
	char dir[PATH_MAX], other[PATH_MAX], cmdline[4096];
	struct fx fx;
	FILE *fp;
	size_t n;

	(void)state;
	fx_init(&fx, "base");
	assert_pristine(&fx);
	snprintf(dir, sizeof(dir), "%s", fx.dir);
	fp = fopen(fx_path(&fx, "/proc/cmdline"), "r");
	assert_non_null(fp);
	n = fread(cmdline, 1, sizeof(cmdline) - 1, fp);
	cmdline[n] = '\0';
	fclose(fp);
	assert_true(n > 2);

	fx_write(&fx, "/etc/new/dir/file", "new\n");
	fx_write(&fx, "/sys/devices/system/cpu/isolated", "9\n");
	fx_remove(&fx, "/sys/devices/system/node");
	fx_symlink(&fx, "../../../bus/pci/drivers/ixgbe", DEV "/driver");
	/* Same size, other bytes, same inode: only a byte compare sees it. */
	cmdline[0] = cmdline[0] == 'X' ? 'Y' : 'X';
	write_in_place(&fx, "/proc/cmdline", cmdline);
	assert_int_equal(chmod(fx_path(&fx, "/proc/interrupts"), 0600), 0);
	assert_int_equal(chmod(fx_path(&fx, "/etc"), 0700), 0);
	assert_int_equal(mkfifo(fx_path(&fx, "/proc/fifo"), 0600), 0);
	/* fx_path's buffer is static: one path at a time. */
	snprintf(other, sizeof(other), "%s", fx_path(&fx, "/proc/mounts"));
	assert_int_equal(link(other, fx_path(&fx, "/proc/mounts2")), 0);
	fx_remove(&fx, "/proc/meminfo");
	assert_int_equal(mkdir(fx_path(&fx, "/proc/meminfo"), 0755), 0);
	fx_remove(&fx, "/proc/4242/fd/3");
	fx_write(&fx, "/proc/4242/fd/3", "not a link\n");
	fx_done(&fx);

	fx_init(&fx, "base");
	assert_string_equal(fx.dir, dir);
	assert_pristine(&fx);
	fx_done(&fx);
}

/* Two copies in use at once are two trees: a write in one is not seen in the other. */
static void test_copies_apart(void **state)
{
	struct fx a, b;
	struct stat st;

	(void)state;
	fx_init(&a, "base");
	fx_init(&b, "base");
	assert_string_not_equal(a.dir, b.dir);
	fx_write(&a, "/etc/only-in-a", "a\n");
	assert_int_equal(stat(fx_path(&a, "/etc/only-in-a"), &st), 0);
	assert_int_equal(stat(fx_path(&b, "/etc/only-in-a"), &st), -1);
	assert_int_equal(errno, ENOENT);
	fx_done(&a);
	fx_done(&b);
	fx_init(&b, "base");
	assert_pristine(&b);
	fx_done(&b);
}

/*
 * This binary run again with CHECKTEST_END=SIG (0: exit): a copy made, its path printed; a child it forks is
 * killed by SIGTERM (which must leave the copy alone: only the process that made the root removes it), then it
 * ends by SIG. Prints "lost" when the child's end took the copy.
 */
static int end_by(int sig)
{
	struct fx fx;
	pid_t pid;

	fx_init(&fx, "base");
	printf("%s\n", fx.dir);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		raise(SIGTERM);
		_exit(1);
	}
	if (pid < 0 || waitpid(pid, NULL, 0) != pid || access(fx.dir, F_OK) < 0)
		printf("lost\n");
	fflush(stdout);
	if (sig)
		raise(sig);
	fx_done(&fx);
	return 0;
}

/* An interrupted or aborted run leaves no /tmp/tickready-fx-* tree behind (it did: they went at exit only). */
static void test_root_gone_after_signal(void **state)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		char line[PATH_MAX] = "", more[16], env[32], *slash;
		int fds[2], status;
		FILE *out;
		pid_t pid;

		assert_int_equal(pipe(fds), 0);
		snprintf(env, sizeof(env), "%d", sigs[i]);
		pid = fork();
		if (pid == 0) {
			struct rlimit none = { 0, 0 };

			setrlimit(RLIMIT_CORE, &none);	/* SIGQUIT and SIGABRT dump no core */
			dup2(fds[1], STDOUT_FILENO);
			close(fds[0]);
			setenv("CHECKTEST_END", env, 1);
			execl("/proc/self/exe", "test_checktest", (char *)NULL);
			_exit(127);
		}
		assert_true(pid > 0);
		close(fds[1]);
		out = fdopen(fds[0], "r");
		assert_non_null(fgets(line, sizeof(line), out));
		line[strcspn(line, "\n")] = '\0';
		assert_null(fgets(more, sizeof(more), out));	/* no "lost" */
		fclose(out);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (sigs[i])
			assert_true(WIFSIGNALED(status) && WTERMSIG(status) == sigs[i]);
		else
			assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		assert_true(!strncmp(line, "/tmp/tickready-fx-", strlen("/tmp/tickready-fx-")));
		assert_int_equal(access(line, F_OK), -1);	/* the copy, */
		assert_int_equal(errno, ENOENT);
		slash = strrchr(line, '/');	/* and its root */
		*slash = '\0';
		assert_int_equal(access(line, F_OK), -1);
		assert_int_equal(errno, ENOENT);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes_undone),
		cmocka_unit_test(test_copies_apart),
		cmocka_unit_test(test_root_gone_after_signal),
	};

	if (getenv("CHECKTEST_END"))
		return end_by(atoi(getenv("CHECKTEST_END")));
	return cmocka_run_group_tests_name("checktest", tests, NULL, NULL);
}
