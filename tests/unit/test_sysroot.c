/* sysroot: containment under the root, bounded reads, garbage, FIFOs, and capture recording. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/openat2.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sysroot.h"
#include "util.h"

static char root[64];

static void put(const char *rel, const char *data, size_t len)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (char *p = path + strlen(root) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(path, 0755);
			*p = '/';
		}
	fp = fopen(path, "w");
	assert_non_null(fp);
	fwrite(data, 1, len, fp);
	fclose(fp);
}

static int setup(void **state)
{
	(void)state;
	strcpy(root, "/tmp/tickready-sr-XXXXXX");
	if (!mkdtemp(root))
		return -1;
	put("/proc/sys/kernel/osrelease", "6.1.0\n", 6);
	put("/sys/a/value", " 42 \n", 5);
	put("/sys/a/neg", "-7\n", 3);
	put("/sys/a/word", "abc\n", 4);
	put("/sys/a/empty", "", 0);
	put("/sys/a/binary", "1\0002", 3);
	put("/sys/a/list", "0-3,8\n", 6);
	put("/sys/a/mask", "ff\n", 3);
	put("/sys/real/dir/file", "inside\n", 7);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_reads(void **state)
{
	struct sysroot sr;
	struct cpuset s;
	char buf[64];
	long v;

	(void)state;
	assert_int_equal(sysroot_open(&sr, root), 0);
	assert_false(sr.live);
	assert_int_equal(sysroot_read_str(&sr, "/proc/sys/kernel/osrelease", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "6.1.0");
	assert_int_equal(sysroot_read_long(&sr, "/sys/a/value", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(sysroot_read_long(&sr, "/sys/a/neg", &v), 0);
	assert_int_equal(v, -7);
	assert_int_equal(sysroot_read_long(&sr, "/sys/a/word", &v), -EINVAL);
	assert_int_equal(sysroot_read_long(&sr, "/sys/a/empty", &v), -ENODATA);
	assert_int_equal(sysroot_read_str(&sr, "/sys/a/binary", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sysroot_read_long(&sr, "/sys/a/missing", &v), -ENOENT);
	assert_int_equal(sysroot_read_cpuset(&sr, "/sys/a/list", &s), 0);
	assert_int_equal(cpuset_count(&s), 5);
	assert_int_equal(sysroot_read_mask(&sr, "/sys/a/mask", &s), 0);
	assert_int_equal(cpuset_count(&s), 8);
	assert_int_equal(sysroot_read_str(&sr, "relative/path", buf, sizeof(buf)), -EINVAL);
	sysroot_close(&sr);
}

/* A device is read only on this host; in a tree the answer is -EPERM whatever is there (FB: no such read). */
static void test_read_device(void **state)
{
	struct sysroot sr;
	char buf[8];

	(void)state;
	put("/dev/cpu/0/msr", "12345678", 8);
	assert_int_equal(sysroot_open(&sr, root), 0);
	assert_int_equal(sysroot_read_device(&sr, "/dev/cpu/0/msr", 0, buf, sizeof(buf)), -EPERM);
	sysroot_close(&sr);
	assert_int_equal(sysroot_open(&sr, "/"), 0);
	/* Only a character device: a regular file is refused; /dev/null answers nothing, which is no value. */
	assert_int_equal(sysroot_read_device(&sr, "/proc/self/stat", 0, buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sysroot_read_device(&sr, "/dev/null", 0x34, buf, sizeof(buf)), -EIO);
	assert_int_equal(sysroot_read_device(&sr, "/dev/zero", 0x34, buf, sizeof(buf)), 0);
	assert_int_equal(sysroot_read_device(&sr, "/dev/tickready-none", 0, buf, sizeof(buf)), -ENOENT);
	sysroot_close(&sr);
}

static void test_bad_roots(void **state)
{
	struct sysroot sr;
	char file[128];

	(void)state;
	assert_int_equal(sysroot_open(&sr, "/nonexistent/root"), -ENOENT);
	snprintf(file, sizeof(file), "%s/sys/a/value", root);
	assert_int_equal(sysroot_open(&sr, file), -ENOTDIR);
	assert_int_equal(sysroot_open(&sr, "/"), 0);
	assert_true(sr.live);
	sysroot_close(&sr);
}

static void test_containment(void **state)
{
	struct sysroot sr;
	char buf[64], link[512];

	(void)state;
	/* A tree's links and ".." never lead to the live host's files. */
	snprintf(link, sizeof(link), "%s/sys/escape-abs", root);
	assert_int_equal(symlink("/etc/hostname", link), 0);
	snprintf(link, sizeof(link), "%s/sys/escape-rel", root);
	assert_int_equal(symlink("../../../../../../../../etc/hostname", link), 0);
	snprintf(link, sizeof(link), "%s/sys/inner", root);
	assert_int_equal(symlink("real/dir", link), 0);
	assert_int_equal(sysroot_open(&sr, root), 0);
	assert_int_equal(sysroot_read_str(&sr, "/sys/escape-abs", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(sysroot_read_str(&sr, "/sys/escape-rel", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(sysroot_read_str(&sr, "/../../../../etc/hostname", buf, sizeof(buf)), -ENOENT);
	assert_int_equal(sysroot_read_str(&sr, "/sys/inner/file", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "inside");
	assert_int_equal(sysroot_readlink_base(&sr, "/sys/inner", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "dir");
	sysroot_close(&sr);
}

static void test_fifo_and_huge(void **state)
{
	struct sysroot sr;
	char path[512], buf[16], *big, *out;
	size_t len;

	(void)state;
	snprintf(path, sizeof(path), "%s/sys/a/fifo", root);
	assert_int_equal(mkfifo(path, 0600), 0);
	big = malloc(200000);
	memset(big, '1', 200000);
	put("/sys/a/big", big, 200000);
	free(big);
	assert_int_equal(sysroot_open(&sr, root), 0);
	/* A FIFO in a tree is refused at once, not read forever. */
	assert_int_equal(sysroot_read_str(&sr, "/sys/a/fifo", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sysroot_read(&sr, "/sys/a/big", buf, sizeof(buf)), -EFBIG);
	assert_int_equal(sysroot_read_alloc(&sr, "/sys/a/big", 1000, &out, &len), -EFBIG);
	assert_int_equal(sysroot_read_alloc(&sr, "/sys/a/big", 1 << 20, &out, &len), 0);
	assert_int_equal(len, 200000);
	free(out);
	sysroot_close(&sr);
}

struct lines {
	struct strbuf sb;	/* each line given, then "|" */
	size_t n;
};

static void collect(void *arg, char *line)
{
	struct lines *l = arg;

	strbuf_addf(&l->sb, "%s|", line);
	l->n++;
}

/* Lines read in pieces are the lines of the whole file: across the read size, past a NUL, the last without a newline. */
static void test_read_lines(void **state)
{
	struct sysroot sr;
	struct lines l = { { 0 }, 0 };
	struct strbuf want = { 0 }, text = { 0 };
	char *whole;
	size_t len;

	(void)state;
	/* 100,000 lines, one of 300 kB (longer than a read), an empty one, no newline at the end. */
	for (int i = 0; i < 100000; i++)
		strbuf_addf(&text, "line %d\n", i);
	strbuf_add(&text, "\n");
	for (int i = 0; i < 30000; i++)
		strbuf_add(&text, "0123456789");
	strbuf_add(&text, "\nlast");
	put("/proc/lines", text.s, text.len);
	put("/proc/nul", "a\nb\0c\nd\n", 8);
	assert_int_equal(sysroot_open(&sr, root), 0);
	assert_int_equal(sysroot_read_lines(&sr, "/proc/lines", 64u << 20, collect, &l), 0);
	assert_int_equal(l.n, 100003);
	for (char *p = text.s; *p;) {
		size_t n = strcspn(p, "\n");

		strbuf_addf(&want, "%.*s|", (int)n, p);
		p += n + (p[n] == '\n');
	}
	assert_string_equal(l.sb.s, want.s);
	strbuf_free(&l.sb);
	/* Too big: said so. */
	l.n = 0;
	assert_int_equal(sysroot_read_lines(&sr, "/proc/lines", 1000, collect, &l), -EFBIG);
	strbuf_free(&l.sb);
	/* The size of the file is no limit, only a line's: 200,000 short lines (1.5 MB) under a 4 kB line bound. */
	{
		struct strbuf many = { 0 };

		for (int i = 0; i < 200000; i++)
			strbuf_addf(&many, "%d\n", i);
		put("/proc/many", many.s, many.len);
		assert_true(many.len > 1000000);
		l.n = 0;
		assert_int_equal(sysroot_read_lines(&sr, "/proc/many", 4096, collect, &l), 0);
		assert_int_equal(l.n, 200000);
		strbuf_free(&l.sb);
		strbuf_free(&many);
	}
	/* A NUL ends the text, as for a whole read into a C string. */
	l.n = 0;
	assert_int_equal(sysroot_read_lines(&sr, "/proc/nul", 1 << 20, collect, &l), 0);
	assert_string_equal(l.sb.s, "a|b|");
	strbuf_free(&l.sb);
	assert_int_equal(sysroot_read_lines(&sr, "/proc/absent", 1 << 20, collect, &l), -ENOENT);
	/* Capturing: the whole file is kept, the lines the same. */
	assert_int_equal(sysroot_record_start(&sr), 0);
	l.n = 0;
	assert_int_equal(sysroot_read_lines(&sr, "/proc/lines", 64u << 20, collect, &l), 0);
	assert_string_equal(l.sb.s, want.s);
	strbuf_free(&l.sb);
	assert_int_equal(sysroot_read_alloc(&sr, "/proc/lines", 64u << 20, &whole, &len), 0);
	assert_int_equal(len, text.len);
	free(whole);
	sysroot_close(&sr);
	strbuf_free(&want);
	strbuf_free(&text);
}

static void test_list_sorted(void **state)
{
	struct sysroot sr;
	struct dirlist dl;

	(void)state;
	assert_int_equal(sysroot_open(&sr, root), 0);
	assert_int_equal(sysroot_list(&sr, "/sys/a", &dl), 0);
	assert_true(dl.n >= 7);
	for (size_t i = 1; i < dl.n; i++)
		assert_true(strcmp(dl.names[i - 1], dl.names[i]) < 0);
	dirlist_free(&dl);
	assert_int_equal(sysroot_list(&sr, "/sys/nothing", &dl), -ENOENT);
	/* Only the names with the prefix, sorted; capturing keeps the whole listing and gives the same. */
	put("/usr/lib/t/libfoo_ext.so", "", 0);
	put("/usr/lib/t/libfoo.so.1", "", 0);
	put("/usr/lib/t/libbar.so", "", 0);
	put("/usr/lib/t/libfo.so", "", 0);
	for (int pass = 0; pass < 2; pass++) {
		if (pass)
			assert_int_equal(sysroot_record_start(&sr), 0);
		assert_int_equal(sysroot_list_prefix(&sr, "/usr/lib/t", "libfoo", &dl), 0);
		assert_int_equal(dl.n, 2);
		assert_string_equal(dl.names[0], "libfoo.so.1");
		assert_string_equal(dl.names[1], "libfoo_ext.so");
		dirlist_free(&dl);
	}
	assert_int_equal(sysroot_list_prefix(&sr, "/usr/lib/none", "libfoo", &dl), -ENOENT);
	sysroot_close(&sr);
}

static void test_record_roundtrip(void **state)
{
	struct sysroot sr, cap;
	char out[128], buf[64];
	long v;

	(void)state;
	/* A link whose target passes through another link, like /proc/mounts -> self/mounts. */
	snprintf(out, sizeof(out), "%s/sys/self", root);
	assert_int_equal(symlink("real", out), 0);
	snprintf(out, sizeof(out), "%s/sys/chained", root);
	assert_int_equal(symlink("self/dir/file", out), 0);
	assert_int_equal(sysroot_open(&sr, root), 0);
	sysroot_record_start(&sr);
	assert_int_equal(sysroot_read_str(&sr, "/sys/chained", buf, sizeof(buf)), 0);
	assert_int_equal(sysroot_read_long(&sr, "/sys/a/value", &v), 0);
	assert_int_equal(sysroot_read_str(&sr, "/sys/inner/file", buf, sizeof(buf)), 0);
	sysroot_record_synthetic(&sr, "/.tickready/ethtool/x/ring", "rx_pending=1\n", 13);
	snprintf(out, sizeof(out), "%s-capture", root);
	assert_int_equal(sysroot_record_write(&sr, out), 0);
	sysroot_close(&sr);
	/* The capture answers the same reads, through the same link. */
	assert_int_equal(sysroot_open(&cap, out), 0);
	assert_int_equal(sysroot_read_long(&cap, "/sys/a/value", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(sysroot_read_str(&cap, "/sys/inner/file", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "inside");
	assert_int_equal(sysroot_readlink_base(&cap, "/sys/inner", buf, sizeof(buf)), 0);
	assert_int_equal(sysroot_read_str(&cap, "/.tickready/ethtool/x/ring", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "rx_pending=1");
	assert_int_equal(sysroot_read_str(&cap, "/sys/chained", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "inside");
	assert_int_equal(sysroot_read_long(&cap, "/sys/a/neg", &v), -ENOENT);	/* never read, not kept */
	sysroot_close(&cap);
	char *cmd = xasprintf("rm -rf '%s'", out);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static void rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* Listed entries and tested paths are kept: a capture lists and tests like its source. */
static void test_record_listing_and_tests(void **state)
{
	struct sysroot sr, cap;
	struct sysroot_record_stats st;
	struct dirlist dl, again;
	char out[128], path[160];
	long v;

	(void)state;
	put("/sys/list/only-listed", "never read\n", 11);
	put("/sys/list/read", "7\n", 2);
	put("/sys/list/sub/deep", "x\n", 2);
	put("/sys/tested/file", "present\n", 8);
	assert_int_equal(sysroot_open(&sr, root), 0);
	sysroot_record_start(&sr);
	assert_int_equal(sysroot_list(&sr, "/sys/list", &dl), 0);
	assert_int_equal(sysroot_read_long(&sr, "/sys/list/read", &v), 0);
	assert_true(sysroot_exists(&sr, "/sys/tested/file"));
	assert_true(sysroot_is_dir(&sr, "/sys/tested"));
	assert_false(sysroot_is_dir(&sr, "/sys/tested/file"));
	assert_false(sysroot_exists(&sr, "/sys/tested/absent"));
	/* A name that appears after the first listing is not seen by later listings of the capture. */
	put("/sys/list/later", "new\n", 4);
	assert_int_equal(sysroot_list(&sr, "/sys/list", &again), 0);
	assert_int_equal(again.n, dl.n);
	for (size_t i = 0; i < dl.n; i++)
		assert_string_equal(again.names[i], dl.names[i]);
	dirlist_free(&again);
	snprintf(out, sizeof(out), "%s-capture", root);
	assert_int_equal(sysroot_record_write(&sr, out), 0);
	sysroot_record_stats(&sr, &st);
	assert_true(st.files >= 3 && st.dirs >= 2);
	assert_int_equal(sysroot_list(&sr, "/sys/list", &again), 0);	/* still the first listing after a write */
	assert_int_equal(again.n, dl.n);
	dirlist_free(&again);
	sysroot_close(&sr);

	assert_int_equal(sysroot_open(&cap, out), 0);
	assert_int_equal(sysroot_list(&cap, "/sys/list", &again), 0);
	assert_int_equal(again.n, dl.n);
	for (size_t i = 0; i < dl.n; i++)
		assert_string_equal(again.names[i], dl.names[i]);
	dirlist_free(&again);
	dirlist_free(&dl);
	assert_int_equal(sysroot_read_long(&cap, "/sys/list/read", &v), 0);	/* the read wins over the placeholder */
	assert_int_equal(v, 7);
	assert_int_equal(sysroot_read_str(&cap, "/sys/list/only-listed", path, sizeof(path)), -ENODATA);
	assert_true(sysroot_is_dir(&cap, "/sys/list/sub"));
	assert_false(sysroot_exists(&cap, "/sys/list/sub/deep"));	/* inside an unlisted directory */
	assert_true(sysroot_exists(&cap, "/sys/tested/file"));
	assert_false(sysroot_is_dir(&cap, "/sys/tested/file"));
	assert_false(sysroot_exists(&cap, "/sys/tested/absent"));
	sysroot_close(&cap);
	rm_rf(out);
}

/* The live /proc: its own links (mounts -> self/mounts, self -> PID, net -> self/net) become plain files and dirs. */
static void test_record_live_proc(void **state)
{
	struct sysroot sr;
	struct dirlist dl;
	char out[128], path[192], *text;
	struct stat st;

	(void)state;
	assert_int_equal(sysroot_open(&sr, "/"), 0);
	sysroot_record_start(&sr);
	assert_int_equal(sysroot_read_alloc(&sr, "/proc/mounts", 1u << 20, &text, NULL), 0);
	free(text);
	assert_int_equal(sysroot_list(&sr, "/proc", &dl), 0);
	dirlist_free(&dl);
	assert_true(sysroot_exists(&sr, "/proc/self/status"));
	if (sysroot_exists(&sr, "/proc/net/dev"))
		assert_true(sysroot_is_dir(&sr, "/proc/net"));
	snprintf(out, sizeof(out), "%s-live", root);
	assert_int_equal(sysroot_record_write(&sr, out), 0);
	sysroot_close(&sr);
	snprintf(path, sizeof(path), "%s/proc/mounts", out);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_true(st.st_size > 0);
	snprintf(path, sizeof(path), "%s/proc/self", out);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/proc/self/status", out);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	snprintf(path, sizeof(path), "%s/proc/net", out);
	if (lstat(path, &st) == 0)
		assert_true(S_ISDIR(st.st_mode));
	/* Appending a mount line, as apply does in a tree, works on the capture. */
	snprintf(path, sizeof(path), "%s/proc/mounts", out);
	int fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW);

	assert_true(fd >= 0);
	close(fd);
	rm_rf(out);
}

/* The one writer: never into a device, FIFO, socket or through a link; a device is not even truncated. */
static void test_writer_refuses(void **state)
{
	char path[512], outside[] = "/tmp/tickready-out-XXXXXX", victim[600], buf[64];
	struct sysroot sr;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s, fd;

	(void)state;
	assert_non_null(mkdtemp(outside));
	snprintf(victim, sizeof(victim), "%s/victim", outside);
	fd = open(victim, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep\n", 5), 5);
	close(fd);
	put("/sys/w/regular", "old\n", 4);
	snprintf(path, sizeof(path), "%s/sys/w/null", root);
	assert_int_equal(mknod(path, S_IFCHR | 0666, makedev(1, 3)), 0);
	snprintf(path, sizeof(path), "%s/sys/w/fifo", root);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/sys/w/link-out", root);
	assert_int_equal(symlink(victim, path), 0);
	snprintf(path, sizeof(path), "%s/sys/w/link-in", root);
	assert_int_equal(symlink("regular", path), 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sys/w/sock", root);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);

	assert_int_equal(sysroot_open(&sr, root), 0);
	assert_int_equal(sysroot_write_file(&sr, "/sys/w/null", "x", 1, SW_TRUNC, 0), -SYSROOT_ENOTREG);
	assert_int_equal(sysroot_write_file(&sr, "/sys/w/fifo", "x", 1, 0, 0), -SYSROOT_ENOTREG);
	assert_int_equal(sysroot_write_file(&sr, "/sys/w/sock", "x", 1, 0, 0), -SYSROOT_ENOTREG);
	assert_int_equal(sysroot_write_file(&sr, "/sys/w/link-out", "x", 1, SW_TRUNC, 0), -ELOOP);
	assert_int_equal(sysroot_write_file(&sr, "/sys/w/link-in", "x", 1, SW_TRUNC, 0), -ELOOP);
	assert_int_equal(sysroot_write(&sr, "/sys/w/fifo", "1"), -SYSROOT_ENOTREG);
	assert_int_equal(sysroot_check_write(&sr, "/sys/w/null"), -SYSROOT_ENOTREG);
	assert_int_equal(sysroot_check_write(&sr, "/sys/w/absent"), 0);
	assert_int_equal(sysroot_check_write(&sr, "/sys/w/regular"), 0);
	/* The victim outside the root kept its bytes; the regular file takes the write. */
	fd = open(victim, O_RDONLY);
	assert_int_equal(read(fd, buf, sizeof(buf)), 5);
	close(fd);
	assert_int_equal(sysroot_write_file(&sr, "/sys/w/regular", "new\n", 4, SW_TRUNC | SW_FSYNC, 0), 0);
	assert_int_equal(sysroot_read(&sr, "/sys/w/regular", buf, sizeof(buf)), 4);
	assert_string_equal(buf, "new\n");
	/* Create-exclusive: a second create fails, the first sets the mode despite the umask. */
	assert_int_equal(sysroot_write_file(&sr, "/sys/w/made", "x", 1, SW_CREATE | SW_EXCL, 0750), 0);
	assert_int_equal(sysroot_write_file(&sr, "/sys/w/made", "x", 1, SW_CREATE | SW_EXCL, 0750), -EEXIST);
	{
		struct stat st;

		snprintf(path, sizeof(path), "%s/sys/w/made", root);
		assert_int_equal(stat(path, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0750);
	}
	assert_string_equal(sysroot_strerror(-ELOOP), "a symbolic link: tickready never writes through a link");
	sysroot_close(&sr);
	close(s);
	snprintf(path, sizeof(path), "rm -rf '%s'", outside);
	assert_int_equal(system(path), 0);
}

/* A root that is "/" under another name is the live host, and says so. */
static void test_root_alias(void **state)
{
	char link[600];
	struct sysroot sr;

	(void)state;
	snprintf(link, sizeof(link), "%s/to-slash", root);
	assert_int_equal(symlink("/", link), 0);
	assert_int_equal(sysroot_open(&sr, link), 0);
	assert_true(sr.live);
	assert_true(sr.aliased);
	assert_string_equal(sr.path, "/");
	sysroot_close(&sr);
	assert_int_equal(sysroot_open(&sr, "/"), 0);
	assert_true(sr.live);
	assert_false(sr.aliased);
	sysroot_close(&sr);
	assert_int_equal(sysroot_open(&sr, root), 0);
	assert_false(sr.live);
	sysroot_close(&sr);
	unlink(link);
}

/* What an open under the root gives: the file's first bytes, "link" for a symlink's own fd, or the errno. */
static void opened(int fd, char *out, size_t size)
{
	struct stat st;
	ssize_t n;

	if (fd < 0) {
		snprintf(out, size, "errno %d", -fd);
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISLNK(st.st_mode))
		snprintf(out, size, "link");
	else if (S_ISDIR(st.st_mode))
		snprintf(out, size, "dir");
	else if ((n = read(fd, out, size - 1)) >= 0)
		out[n] = '\0';
	else
		snprintf(out, size, "read errno %d", errno);
	close(fd);
}

static int openat2_here(int dirfd, const char *path, int flags)
{
	struct open_how how = { .flags = (unsigned long long)(flags | O_CLOEXEC),
				.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* Kernels before 5.6 have no openat2: the walk that replaces it resolves every path as openat2 does here. */
static void test_walk_matches_openat2(void **state)
{
	static const char *const links[][2] = {
		{ "/w/abs", "/sys/real/dir/file" },	{ "/w/rel", "../sys/real/dir" },
		{ "/w/escape", "../../../../../../etc/hostname" }, { "/w/escdir", "/../../etc" },
		{ "/w/loop1", "loop2" },		{ "/w/loop2", "loop1" },
		{ "/w/dangling", "/nowhere/file" },	{ "/w/chain", "abs" },
		{ "/w/todir", "/sys/real" },		{ "/w/dot", "./././rel/file" },
	};
	static const char *const paths[] = {
		"/sys/real/dir/file", "/w/abs", "/w/rel/file", "/w/escape", "/w/escdir/hostname", "/w/loop1",
		"/w/dangling", "/w/chain", "/w/todir/dir/file", "/w/todir/../real/dir/file", "/w/dot",
		"/../../../sys/real/dir/file", "/sys/real/dir/file/", "/sys/real/dir/file/x", "/sys/./real//dir/file",
		"/w/rel/../dir/file", "/w/rel/..", "/", "/w", "/sys/real/dir/../../a/value", "/missing/x",
	};
	static const int flag_sets[] = { O_RDONLY, O_PATH, O_PATH | O_NOFOLLOW, O_RDONLY | O_DIRECTORY };
	char link[512], want[128], got[128], full[600];
	int rootfd, procfd;

	(void)state;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(link, sizeof(link), "%s%s", root, links[i][0]);
		snprintf(full, sizeof(full), "%s/w", root);
		mkdir(full, 0755);
		assert_int_equal(symlink(links[i][1], link), 0);
	}
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);
	for (size_t f = 0; f < sizeof(flag_sets) / sizeof(flag_sets[0]); f++)
		for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
			opened(openat2_here(rootfd, paths[i], flag_sets[f]), want, sizeof(want));
			opened(sysroot_walk_open(rootfd, paths[i], flag_sets[f], 0), got, sizeof(got));
			if (strcmp(want, got))
				fail_msg("%s (flags %#x): openat2 gives '%s', the walk '%s'", paths[i], flag_sets[f], want, got);
		}
	/* Creating through a link to a directory lands inside the root, as openat2 does. */
	opened(sysroot_walk_open(rootfd, "/w/todir/new", O_WRONLY | O_CREAT | O_EXCL, 0644), got, sizeof(got));
	snprintf(full, sizeof(full), "%s/sys/real/new", root);
	assert_int_equal(access(full, F_OK), 0);
	close(rootfd);
	/* On the live /proc: self is an ordinary link, a descriptor's link is refused (RESOLVE_NO_MAGICLINKS). */
	procfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(procfd >= 0);
	for (size_t i = 0; i < 3; i++) {
		static const char *const live[] = { "/proc/self/status", "/proc/self/fd/0", "/proc/self/exe" };

		opened(openat2_here(procfd, live[i], O_RDONLY), want, sizeof(want));
		opened(sysroot_walk_open(procfd, live[i], O_RDONLY, 0), got, sizeof(got));
		/* status differs between the two reads (it is this process's): its first field, or the whole errno */
		if (strncmp(want, got, strncmp(want, "errno", 5) ? 5 : sizeof(want)))
			fail_msg("%s: openat2 gives '%.20s', the walk '%.20s'", live[i], want, got);
	}
	close(procfd);
}

static void count_line(void *arg, char *line)
{
	(void)line;
	++*(size_t *)arg;
}

/* A regular file on a mount below live /sys or /proc (cgroup, tracefs, binfmt_misc...): path filled, or false. */
static bool file_on_kernfs_submount(char *path, size_t size)
{
	FILE *fp = fopen("/proc/self/mounts", "r");
	char line[1024], mnt[256];
	bool found = false;

	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp)) {
		struct dirlist dl;
		struct sysroot sr;

		if (sscanf(line, "%*s %255s", mnt) != 1 || (strncmp(mnt, "/sys/", 5) && strncmp(mnt, "/proc/", 6)))
			continue;
		if (sysroot_open(&sr, "/") != 0)
			break;
		if (sysroot_list(&sr, mnt, &dl) == 0) {
			for (size_t i = 0; i < dl.n && !found; i++) {
				struct stat st;
				int fd;

				snprintf(path, size, "%s/%s", mnt, dl.names[i]);
				fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
				found = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
				if (fd >= 0)
					close(fd);
			}
			dirlist_free(&dl);
		}
		sysroot_close(&sr);
	}
	fclose(fp);
	return found;
}

/*
 * The live /proc and /sys are opened without an fstat only where the file provably lives on them; a
 * tree's FIFO or device under proc/ or sys/ is still refused, and a path on a mount below /sys falls
 * back to the checked open and is still read.
 */
static void test_kernfs_open(void **state)
{
	struct sysroot sr;
	char path[512], buf[64], *out;
	size_t n = 0;
	int fd;

	(void)state;
	/* a tree: never the fast path, so the fstat refuses a FIFO and a device at /proc and /sys paths */
	snprintf(path, sizeof(path), "%s/proc/fifo", root);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/sys/a/null", root);
	if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) != 0)
		put("/sys/a/null", "", 0);	/* not root: the FIFO alone holds it */
	assert_int_equal(sysroot_open(&sr, root), 0);
	assert_int_equal(sysroot_kernfs_open(&sr, "/proc/fifo", O_RDONLY), -EXDEV);
	assert_int_equal(sysroot_read_str(&sr, "/proc/fifo", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sysroot_read_alloc(&sr, "/proc/fifo", 1024, &out, NULL), -EINVAL);
	assert_int_equal(sysroot_read_lines(&sr, "/proc/fifo", 1024, count_line, &n), -EINVAL);
	snprintf(path, sizeof(path), "%s/sys/a/null", root);
	{
		struct stat st;

		if (stat(path, &st) == 0 && S_ISCHR(st.st_mode))
			assert_int_equal(sysroot_read(&sr, "/sys/a/null", buf, sizeof(buf)), -EINVAL);
	}
	sysroot_close(&sr);

	assert_int_equal(sysroot_open(&sr, "/"), 0);
	assert_true(sr.procfd >= 0 && sr.sysfd >= 0);
	fd = sysroot_kernfs_open(&sr, "/proc/self/status", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	fd = sysroot_kernfs_open(&sr, "/sys/devices/system/cpu/online", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sysroot_kernfs_open(&sr, "/proc/self/fd/0", O_RDONLY), -ELOOP);
	assert_int_equal(sysroot_kernfs_open(&sr, "/proc/no-such-file", O_RDONLY), -ENOENT);
	/* leaving /proc, and anything but a plain read, is for the checked open */
	assert_int_equal(sysroot_kernfs_open(&sr, "/proc/../etc/hostname", O_RDONLY), -EXDEV);
	assert_int_equal(sysroot_kernfs_open(&sr, "/etc/hostname", O_RDONLY), -EXDEV);
	assert_int_equal(sysroot_kernfs_open(&sr, "/proc/self/status", O_WRONLY), -EXDEV);
	/* a directory opened there reads as the non-regular file it is */
	assert_int_equal(sysroot_read(&sr, "/proc/self", buf, sizeof(buf)), -EINVAL);
	assert_int_equal(sysroot_read_alloc(&sr, "/sys/devices", 1024, &out, NULL), -EINVAL);
	assert_int_equal(sysroot_read_lines(&sr, "/sys/kernel", 1024, count_line, &n), -EINVAL);
	assert_true(sysroot_read(&sr, "/proc/self/status", buf, sizeof(buf)) == -EFBIG);
	assert_int_equal(sysroot_read_alloc(&sr, "/proc/self/status", 1 << 20, &out, NULL), 0);
	assert_non_null(strstr(out, "Name:"));
	free(out);
	if (file_on_kernfs_submount(path, sizeof(path))) {
		assert_int_equal(sysroot_kernfs_open(&sr, path, O_RDONLY), -EXDEV);
		assert_int_equal(sysroot_read_alloc(&sr, path, 1 << 24, &out, NULL), 0);
		free(out);
	} else {
		printf("# no mount with a regular file below /sys or /proc: the fallback's read is not tried\n");
	}
	sysroot_close(&sr);
}

/* Whether the inode at path was opened (not O_PATH) since the watch began: inotify's IN_OPEN. */
static bool opened_since(int in)
{
	char ev[4096] __attribute__((aligned(__alignof__(struct inotify_event))));

	return read(in, ev, sizeof(ev)) > 0;
}

/*
 * A FIFO or a device where a file is read, directly or through a link in the tree, is refused without
 * ever being opened: no driver's open runs (a watchdog would arm). inotify reports every open but
 * O_PATH's; a regular file read the same way shows one, so the watch can see it.
 */
static void test_special_never_opened(void **state)
{
	static const char *const paths[] = { "/sys/n/fifo", "/sys/n/null", "/sys/n/to-null", "/sys/n/regular" };
	char path[512], buf[64], *out;
	struct sysroot sr;
	size_t n = 0;
	int in, rc;

	(void)state;
	put("/sys/n/regular", "1\n", 2);
	snprintf(path, sizeof(path), "%s/sys/n/fifo", root);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof(path), "%s/sys/n/null", root);
	if (mknod(path, S_IFCHR | 0600, makedev(1, 3)) != 0)
		assert_int_equal(mkfifo(path, 0600), 0);	/* not root: a second FIFO */
	snprintf(path, sizeof(path), "%s/sys/n/to-null", root);
	assert_int_equal(symlink("null", path), 0);
	assert_int_equal(sysroot_open(&sr, root), 0);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		bool regular = !strcmp(paths[i], "/sys/n/regular");

		in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		assert_true(in >= 0);
		snprintf(path, sizeof(path), "%s%s", root, paths[i]);
		assert_true(inotify_add_watch(in, path, IN_OPEN) >= 0);	/* a link: its target's inode */
		rc = sysroot_read(&sr, paths[i], buf, sizeof(buf));
		assert_int_equal(rc < 0 ? rc : 0, regular ? 0 : -EINVAL);
		rc = sysroot_read_alloc(&sr, paths[i], 1024, &out, NULL);
		if (rc >= 0)
			free(out);
		assert_int_equal(rc < 0 ? rc : 0, regular ? 0 : -EINVAL);
		assert_int_equal(sysroot_read_lines(&sr, paths[i], 1024, count_line, &n) < 0, !regular);
		rc = sysroot_open_kept(&sr, paths[i]);
		if (rc >= 0)
			close(rc);
		assert_int_equal(rc < 0 ? rc : 0, regular ? 0 : -EINVAL);
		if (opened_since(in) != regular)
			fail_msg("%s: %s", paths[i], regular ? "no open seen: the watch sees nothing" : "opened");
		close(in);
	}
	sysroot_close(&sr);
}

/* A read-only run of a live root reads each file once: later reads get the first answer, a process's own files and writes aside. */
static void test_memo(void **state)
{
	struct sysroot sr;
	char knob[128], absent[128], other[128], proc[64], buf[64], *out;
	size_t len;
	pid_t child;

	(void)state;
	put("/sys/m/knob", "1\n", 2);
	snprintf(knob, sizeof(knob), "%s/sys/m/knob", root);	/* paths on the live root "/" */
	snprintf(absent, sizeof(absent), "%s/sys/m/absent", root);
	snprintf(other, sizeof(other), "%s/sys/m/other", root);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(proc, sizeof(proc), "/proc/%d/comm", (int)child);
	assert_int_equal(sysroot_open(&sr, "/"), 0);
	sysroot_memo_start(&sr);
	assert_int_equal(sysroot_read_str(&sr, knob, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1");
	assert_int_equal(sysroot_read(&sr, absent, buf, sizeof(buf)), -ENOENT);
	assert_true(sysroot_read(&sr, proc, buf, sizeof(buf)) > 0);
	put("/sys/m/knob", "22\n", 3);
	put("/sys/m/absent", "x\n", 2);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	/* the first answers stay, by every reader */
	assert_int_equal(sysroot_read_str(&sr, knob, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1");
	assert_int_equal(sysroot_read_alloc(&sr, knob, 1024, &out, &len), 0);
	assert_int_equal(len, 2);
	assert_string_equal(out, "1\n");
	free(out);
	assert_int_equal(sysroot_read(&sr, absent, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(sysroot_read_alloc(&sr, absent, 1024, &out, &len), -ENOENT);
	assert_false(sysroot_exists(&sr, absent));
	assert_true(sysroot_exists(&sr, knob));
	/* a buffer too small for what was kept reads the file as before */
	assert_int_equal(sysroot_read(&sr, knob, buf, 2), -EFBIG);
	/* a process's own files are read afresh (an app's threads are read at both ends of a window) */
	assert_int_equal(sysroot_read(&sr, proc, buf, sizeof(buf)), -ENOENT);
	/* a write forgets what was kept */
	assert_int_equal(sysroot_write_file(&sr, other, "3", 1, SW_CREATE, 0644), 0);
	assert_int_equal(sysroot_read_str(&sr, knob, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "22");
	assert_int_equal(sysroot_read_str(&sr, absent, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "x");
	sysroot_close(&sr);
	/* a tree is not memoised, nor is a root without the call */
	assert_int_equal(sysroot_open(&sr, root), 0);
	sysroot_memo_start(&sr);
	assert_int_equal(sysroot_read_str(&sr, "/sys/m/knob", buf, sizeof(buf)), 0);
	put("/sys/m/knob", "4\n", 2);
	assert_int_equal(sysroot_read_str(&sr, "/sys/m/knob", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "4");
	sysroot_close(&sr);
	assert_int_equal(sysroot_open(&sr, "/"), 0);
	assert_int_equal(sysroot_read_str(&sr, knob, buf, sizeof(buf)), 0);
	put("/sys/m/knob", "5\n", 2);
	assert_int_equal(sysroot_read_str(&sr, knob, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "5");
	sysroot_close(&sr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads),
		cmocka_unit_test(test_bad_roots),
		cmocka_unit_test(test_read_device),
		cmocka_unit_test(test_containment),
		cmocka_unit_test(test_fifo_and_huge),
		cmocka_unit_test(test_read_lines),
		cmocka_unit_test(test_list_sorted),
		cmocka_unit_test(test_record_roundtrip),
		cmocka_unit_test(test_record_listing_and_tests),
		cmocka_unit_test(test_record_live_proc),
		cmocka_unit_test(test_writer_refuses),
		cmocka_unit_test(test_root_alias),
		cmocka_unit_test(test_walk_matches_openat2),
		cmocka_unit_test(test_kernfs_open),
		cmocka_unit_test(test_special_never_opened),
		cmocka_unit_test(test_memo),
	};

	return cmocka_run_group_tests_name("sysroot", tests, setup, teardown);
}
