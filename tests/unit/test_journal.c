/* Journal: escaping, record parsing, corrupt and torn lines, append/load, replay through plan_revert. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "journal.h"
#include "plan.h"
#include "state.h"
#include "util.h"

static void test_escape_roundtrip(void **state)
{
	char all[256];
	struct jvalue v;
	char *e;

	(void)state;
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	e = journal_escape(all, sizeof(all), true);
	assert_null(strchr(e, ' '));
	assert_null(strchr(e, '\n'));
	assert_int_equal(journal_unescape(e, &v), 0);
	assert_true(v.present);
	assert_int_equal(v.len, 256);
	assert_memory_equal(v.data, all, 256);
	jvalue_free(&v);
	free(e);
}

static void test_absent_and_empty(void **state)
{
	struct jvalue v;
	char *e;

	(void)state;
	e = journal_escape(NULL, 0, false);
	assert_string_equal(e, "-");
	assert_int_equal(journal_unescape(e, &v), 0);
	assert_false(v.present);
	free(e);
	e = journal_escape("", 0, true);
	assert_string_equal(e, "=");
	assert_int_equal(journal_unescape(e, &v), 0);
	assert_true(v.present);
	assert_int_equal(v.len, 0);
	jvalue_free(&v);
	free(e);
	e = journal_escape("a%b c\n", 6, true);
	assert_string_equal(e, "=a%25b%20c%0A");
	free(e);
}

static void test_unescape_rejects(void **state)
{
	static const char *const bad[] = { "x", "=%", "=%4", "=%G0", "=a b", "" };
	struct jvalue v;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(journal_unescape(bad[i], &v), -EINVAL);
}

static void test_parse_lines(void **state)
{
	struct jrec r;

	(void)state;
	assert_int_equal(journal_parse_line("W run1 3 write =/proc/sys/vm/swappiness =60%0A =60 =10", &r), 0);
	assert_int_equal(r.type, 'W');
	assert_string_equal(r.run, "run1");
	assert_int_equal(r.seq, 3);
	assert_string_equal(r.op, "write");
	assert_string_equal(r.target.data, "/proc/sys/vm/swappiness");
	assert_string_equal(r.old.data, "60\n");
	assert_string_equal(r.value.data, "10");
	jrec_free(&r);
	assert_int_equal(journal_parse_line("F run1 3 5", &r), 0);
	assert_int_equal(r.seq, 3);
	assert_int_equal(r.num, 5);
	assert_int_equal(journal_parse_line("R run1 1700000000", &r), 0);
	assert_int_equal(journal_parse_line("W run1 3 write - =a =b =c", &r), -EINVAL);	/* no target */
	assert_int_equal(journal_parse_line("W run1 x write =/a =a =b =c", &r), -EINVAL);
	assert_int_equal(journal_parse_line("W run1 3 write =/a =a =b", &r), -EINVAL);	/* a field short */
	assert_int_equal(journal_parse_line("W run1 3 write =/a =a =b =c =d", &r), -EINVAL);
	assert_int_equal(journal_parse_line("Q run1 3", &r), -EINVAL);
	assert_int_equal(journal_parse_line("D  3", &r), -EINVAL);
}

/* The boot unit's runs write the same values: a revert of them all restores each from its oldest record. */
static void test_redundant_writes(void **state)
{
	static const char text[] = "#tickready-journal 1\n"
				   "B r1 1 =p =/\nW r1 1 write =/a =orig - =x\nW r1 2 append =/b =o - =l\nE r1 0\n"
				   "B r2 2 =p =/\nW r2 1 write =/a =drift - =x\nW r2 2 append =/b =o - =l\nE r2 0\n"
				   "B r3 3 =p =/\nW r3 1 write =/a =x - =x\nW r3 2 write =/c =c0 - =c1\nE r3 0\n";
	struct jlog log;
	bool all[3] = { true, true, true }, newer[3] = { false, true, true };
	bool *red;

	(void)state;
	journal_parse(text, sizeof(text) - 1, &log);
	assert_int_equal(log.nruns, 3);
	red = jlog_redundant_writes(&log, all);
	for (size_t i = 0; i < log.n; i++) {
		const struct jrec *r = &log.v[i];

		if (r->type != JR_WRITE)
			continue;
		/* Only r2's and r3's writes of /a are redundant: appends are never merged, /c has one record. */
		assert_int_equal(red[i], !strcmp(r->target.data, "/a") && strcmp(r->run, "r1"));
	}
	free(red);
	/* Without r1 selected, r2's /a is the oldest and restores the drifted value. */
	red = jlog_redundant_writes(&log, newer);
	for (size_t i = 0; i < log.n; i++)
		if (log.v[i].type == JR_WRITE && !strcmp(log.v[i].target.data, "/a"))
			assert_int_equal(red[i], !strcmp(log.v[i].run, "r3"));
	free(red);
	jlog_free(&log);
}

static void test_corrupt_and_torn(void **state)
{
	static const char text[] = "#tickready-journal 1\n"
				   "B r1 1 =p =/\n"
				   "W r1 1 write =/a =old - =new\n"
				   "garbage here\n"
				   "D r1 1\n"
				   "W r1 2 write =/b =o";	/* a crash mid-append */
	struct jlog log;

	(void)state;
	journal_parse(text, sizeof(text) - 1, &log);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.nbad, 1);
	assert_int_equal(log.bad_lines[0], 4);
	assert_true(log.torn_tail);
	assert_int_equal(log.v[1].line, 3);
	jlog_free(&log);
}

static char *read_file(const char *path)
{
	FILE *fp = fopen(path, "r");
	char *buf = xcalloc(1, 4096);

	assert_non_null(fp);
	assert_true(fread(buf, 1, 4095, fp) < 4095);
	fclose(fp);
	return buf;
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Append, load and replay on a temporary root: the write is undone, the created file removed, once. */
static void test_append_load_replay(void **state)
{
	char dir[] = "/tmp/tickready-journal-XXXXXX", path[PATH_MAX], *text;
	struct jvalue old = { true, "60\n", 3 }, rs = { true, "60", 2 }, nv = { true, "10", 2 }, none = { 0 };
	struct revert_result res;
	struct sysroot sr;
	struct journal j;
	struct jlog log;
	struct stat st;
	long seq;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sysroot_open(&sr, dir), 0);
	snprintf(path, sizeof(path), "%s/swappiness", dir);
	write_file(path, "10");
	snprintf(path, sizeof(path), "%s/created", dir);
	write_file(path, "new file\n");
	assert_int_equal(journal_open(&j, &sr), 0);
	assert_int_equal(journal_begin(&j, "p", dir), 0);
	assert_int_equal(journal_intent(&j, "write", "/swappiness", &old, &rs, &nv, &seq), 0);
	assert_int_equal(journal_done(&j, seq), 0);
	assert_int_equal(journal_intent(&j, "create", "/created", &none, &none, &nv, &seq), 0);
	assert_int_equal(journal_end(&j, 0), 0);
	snprintf(path, sizeof(path), "%s%s", dir, JOURNAL_PATH);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(journal_load(&sr, &log), 0);
	assert_int_equal(log.nbad, 0);
	assert_int_equal(log.n, 5);
	assert_int_equal(plan_revert(&sr, &j, &log, NULL, false, &res), 0);
	assert_int_equal(res.runs, 1);
	assert_int_equal(res.restored, 2);
	jlog_free(&log);
	snprintf(path, sizeof(path), "%s/swappiness", dir);
	text = read_file(path);
	assert_string_equal(text, "60\n");
	free(text);
	snprintf(path, sizeof(path), "%s/created", dir);
	assert_int_equal(access(path, F_OK), -1);
	/* Idempotent: the run is marked reverted, a second replay restores nothing. */
	assert_int_equal(journal_load(&sr, &log), 0);
	assert_true(jlog_reverted(&log, j.run));
	assert_int_equal(plan_revert(&sr, &j, &log, NULL, false, &res), 0);
	assert_int_equal(res.runs, 0);
	jlog_free(&log);
	journal_close(&j);
	sysroot_close(&sr);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	assert_int_equal(system(path), 0);
}

static int write_pending(const struct sysroot *sr, const char *run, long sid)
{
	struct confirm_pending cp = { .sid = sid, .deadline = 1800000000, .apply = 11, .timer = 12 };

	snprintf(cp.run, sizeof(cp.run), "%s", run);
	snprintf(cp.boot_id, sizeof(cp.boot_id), "0f3c2d1e-aaaa-bbbb-cccc-000011112222");
	return confirm_pending_store(sr, &cp);
}

static void test_lock(void **state)
{
	char dir[] = "/tmp/tickready-lock-XXXXXX", cmd[PATH_MAX];
	struct sysroot sr;
	pid_t holder;
	int a, b;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sysroot_open(&sr, dir), 0);
	a = state_lock(&sr, &holder);
	assert_true(a >= 0);
	b = state_lock(&sr, &holder);
	assert_int_equal(b, -EWOULDBLOCK);
	assert_int_equal(holder, getpid());
	/* Waiting is bounded: still held after 200 ms, it gives up naming the holder. */
	holder = 0;
	b = state_lock_wait(&sr, &holder, 200);
	assert_int_equal(b, -EWOULDBLOCK);
	assert_int_equal(holder, getpid());
	state_unlock(a);
	b = state_lock_wait(&sr, &holder, 200);
	assert_true(b >= 0);
	state_unlock(b);
	b = state_lock(&sr, &holder);
	assert_true(b >= 0);
	state_unlock(b);
	sysroot_close(&sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}


static char *tmp_root(struct sysroot *sr, char *dir)
{
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sysroot_open(sr, dir), 0);
	return dir;
}

static void rm_root(struct sysroot *sr, const char *dir)
{
	char cmd[PATH_MAX];

	sysroot_close(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* An append whose fsync failed (an F record) is still taken out; one refused at open is not touched. */
static void test_failed_append_undone(void **state)
{
	char dir[] = "/tmp/tickready-journal-XXXXXX", path[PATH_MAX], *text;
	struct jvalue size = { true, "5", 1 }, line = { true, "added\n", 6 }, none = { 0 };
	struct revert_result res;
	struct sysroot sr;
	struct journal j;
	struct jlog log;
	long seq;

	(void)state;
	tmp_root(&sr, dir);
	snprintf(path, sizeof(path), "%s/fstab", dir);
	write_file(path, "keep\nadded\n");
	assert_int_equal(journal_open(&j, &sr), 0);
	assert_int_equal(journal_begin(&j, "p", dir), 0);
	assert_int_equal(journal_intent(&j, "append", "/fstab", &size, &none, &line, &seq), 0);
	assert_int_equal(journal_fail(&j, seq, EIO), 0);
	assert_int_equal(journal_end(&j, -EIO), 0);
	assert_int_equal(journal_load(&sr, &log), 0);
	assert_true(log.v[1].failed);
	assert_int_equal(log.v[1].fail_errno, EIO);
	assert_int_equal(plan_revert(&sr, &j, &log, NULL, false, &res), 0);
	assert_int_equal(res.restored, 1);
	jlog_free(&log);
	text = read_file(path);
	assert_string_equal(text, "keep\n");
	free(text);
	journal_close(&j);
	rm_root(&sr, dir);
}

/* The index: D/F per write, superseded writes, runs; and compaction keeps only B and R of a reverted run. */
static void test_index_and_compact(void **state)
{
	char dir[] = "/tmp/tickready-journal-XXXXXX", path[PATH_MAX], run1[48], *text;
	struct jvalue old = { true, "1", 1 }, v2 = { true, "2", 1 }, v3 = { true, "3", 1 }, none = { 0 };
	struct revert_result res;
	struct sysroot sr;
	struct journal j;
	struct jlog log;
	long seq;

	(void)state;
	tmp_root(&sr, dir);
	snprintf(path, sizeof(path), "%s/v", dir);
	write_file(path, "3");
	assert_int_equal(journal_open(&j, &sr), 0);
	assert_int_equal(journal_begin(&j, "p", dir), 0);
	assert_int_equal(journal_intent(&j, "write", "/v", &old, &none, &v2, &seq), 0);
	assert_int_equal(journal_done(&j, seq), 0);
	assert_int_equal(journal_end(&j, 0), 0);
	snprintf(run1, sizeof(run1), "%s", j.run);
	j.run[0] = 'X';	/* a second run id */
	assert_int_equal(journal_intent(&j, "write", "/v", &v2, &none, &v3, &seq), 0);
	assert_int_equal(journal_done(&j, seq), 0);
	assert_int_equal(journal_load(&sr, &log), 0);
	assert_int_equal(log.nruns, 2);
	assert_true(log.v[1].done);
	assert_true(log.v[1].superseded);
	assert_false(log.v[4].superseded);
	assert_int_equal(log.runs[0].nwrites, 1);
	assert_non_null(jlog_run(&log, run1));
	assert_null(jlog_run(&log, "nope"));
	jlog_free(&log);
	journal_close(&j);
	assert_int_equal(tuners_revert(&sr, NULL, false, &res), 0);
	assert_int_equal(res.runs, 2);
	assert_int_equal(res.restored, 2);
	assert_true(res.compacted > 0);
	free(res.failed_target);
	text = read_file(path);
	assert_string_equal(text, "1");
	free(text);
	/* What is left: the magic line, and B and R of the one run that had a B. */
	assert_int_equal(journal_load(&sr, &log), 0);
	for (size_t i = 0; i < log.n; i++)
		assert_true(log.v[i].type == JR_BEGIN || log.v[i].type == JR_REVERTED);
	assert_true(jlog_reverted(&log, run1));
	jlog_free(&log);
	rm_root(&sr, dir);
}

/* State files: a planted link is replaced, never followed, and never read through; a linked state dir is refused. */
static void test_state_files(void **state)
{
	char dir[] = "/tmp/tickready-journal-XXXXXX", path[256], target[2 * PATH_MAX], run[64], *text;
	struct sysroot sr;
	struct stat st;
	long sid;

	(void)state;
	tmp_root(&sr, dir);
	snprintf(path, sizeof(path), "%s/var/lib/tickready", dir);
	assert_int_equal(system((snprintf(target, sizeof(target), "mkdir -p -m 755 '%s' '%s/etc'", path, dir), target)), 0);
	snprintf(target, sizeof(target), "%s/etc/passwd", dir);
	write_file(target, "root:x:0:0\n");
	snprintf(path, sizeof(path), "%s%s", dir, CONFIRM_PENDING);
	assert_int_equal(symlink("../../../etc/passwd", path), 0);
	/* The directory is 0755: refused for reading and writing, never silently tightened. */
	assert_int_equal(confirm_pending_read(&sr, run, sizeof(run), &sid), -STATE_EUNSAFE);
	assert_int_equal(write_pending(&sr, "RUN1", 42), -STATE_EUNSAFE);
	snprintf(target, sizeof(target), "%s%s", dir, JOURNAL_DIR);
	assert_int_equal(stat(target, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0755);
	assert_int_equal(chmod(target, 0700), 0);
	snprintf(target, sizeof(target), "%s/etc/passwd", dir);
	assert_int_equal(confirm_pending_read(&sr, run, sizeof(run), &sid), -ELOOP);
	assert_int_equal(write_pending(&sr, "RUN1", 42), 0);
	text = read_file(target);
	assert_string_equal(text, "root:x:0:0\n");
	free(text);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(confirm_pending_read(&sr, run, sizeof(run), &sid), 0);
	assert_string_equal(run, "RUN1");
	assert_int_equal(sid, 42);
	{
		struct confirm_pending cp;

		assert_int_equal(confirm_pending_load(&sr, &cp), 0);
		assert_string_equal(cp.run, "RUN1");
		assert_int_equal(cp.deadline, 1800000000);
		assert_string_equal(cp.boot_id, "0f3c2d1e-aaaa-bbbb-cccc-000011112222");
		assert_int_equal(cp.apply, 11);
		assert_int_equal(cp.timer, 12);
	}
	/* Planted by another user (or left writable to others): refused on every read and append. */
	snprintf(path, sizeof(path), "%s%s", dir, CONFIRM_PENDING);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(confirm_pending_read(&sr, run, sizeof(run), &sid), -STATE_EUNSAFE);
	assert_int_equal(chown(path, geteuid(), getegid()), 0);
	assert_int_equal(chmod(path, 0620), 0);
	assert_int_equal(confirm_pending_read(&sr, run, sizeof(run), &sid), -STATE_EUNSAFE);
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(state_append(&sr, CONFIRM_LOG, "x\n", 2), 0);
	snprintf(target, sizeof(target), "%s%s", dir, CONFIRM_LOG);
	assert_int_equal(chown(target, 65534, 65534), 0);
	assert_int_equal(state_append(&sr, CONFIRM_LOG, "y\n", 2), -STATE_EUNSAFE);
	snprintf(path, sizeof(path), "%s%s", dir, JOURNAL_DIR);
	assert_int_equal(chown(path, 65534, 65534), 0);
	assert_int_equal(confirm_pending_read(&sr, run, sizeof(run), &sid), -STATE_EUNSAFE);
	assert_int_equal(chown(path, geteuid(), getegid()), 0);
	assert_int_equal(confirm_pending_remove(&sr), 0);
	assert_int_equal(confirm_pending_read(&sr, run, sizeof(run), &sid), -ENOENT);
	/* A state directory that is a link (to "/") is refused. */
	assert_int_equal(system((snprintf(target, sizeof(target), "rm -rf '%s' && ln -s / '%s'", path, path), target)), 0);
	assert_int_equal(write_pending(&sr, "RUN2", 1), -ELOOP);
	assert_int_equal(state_open_read(&sr, CONFIRM_PENDING), -ELOOP);
	rm_root(&sr, dir);
}

/* No size cap: a journal past 16 MiB loads, streamed line by line. */
static void test_big_journal(void **state)
{
	char dir[] = "/tmp/tickready-journal-XXXXXX";
	struct sysroot sr;
	struct journal j;
	struct jlog log;
	char *big = xmalloc(1u << 20);
	struct jvalue v = { true, big, 1u << 20 }, none = { 0 };
	long seq;

	(void)state;
	memset(big, 'a', 1u << 20);
	tmp_root(&sr, dir);
	assert_int_equal(journal_open(&j, &sr), 0);
	assert_int_equal(journal_begin(&j, "p", dir), 0);
	for (int i = 0; i < 18; i++)
		assert_int_equal(journal_intent(&j, "write", "/v", &v, &none, &v, &seq), 0);
	journal_close(&j);
	assert_int_equal(journal_load(&sr, &log), 0);
	assert_int_equal(log.nbad, 0);
	assert_int_equal(log.n, 19);
	assert_int_equal(log.v[18].old.len, 1u << 20);
	jlog_free(&log);
	free(big);
	rm_root(&sr, dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_roundtrip), cmocka_unit_test(test_absent_and_empty),
		cmocka_unit_test(test_unescape_rejects), cmocka_unit_test(test_parse_lines),
		cmocka_unit_test(test_corrupt_and_torn),
		cmocka_unit_test(test_redundant_writes), cmocka_unit_test(test_append_load_replay),
		cmocka_unit_test(test_lock), cmocka_unit_test(test_failed_append_undone),
		cmocka_unit_test(test_index_and_compact), cmocka_unit_test(test_state_files),
		cmocka_unit_test(test_big_journal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
