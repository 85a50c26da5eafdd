/* Fixture copies and check runs for the per-area check tests. */
#include "checktest.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "util.h"

#ifndef TEST_SRCDIR
#define TEST_SRCDIR "."
#endif

static void run_argv(char *const argv[])
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "checktest: %s failed\n", argv[0]);
		abort();
	}
}

static void unload(struct fx *fx)
{
	if (!fx->loaded)
		return;
	finding_clear(&fx->f);
	profile_free(&fx->prof);
	host_free(&fx->host);
	sysroot_close(&fx->sr);
	fx->loaded = 0;
}

void fx_init(struct fx *fx, const char *name)
{
	char src[PATH_MAX];

	memset(fx, 0, sizeof(*fx));
	strcpy(fx->dir, "/tmp/tickready-fx-XXXXXX");
	if (!mkdtemp(fx->dir))
		abort();
	snprintf(src, sizeof(src), "%s/tests/fixtures/%s/.", TEST_SRCDIR, name);
	run_argv((char *const[]){ "cp", "-a", src, fx->dir, NULL });
	fx->profile_extra = xstrdup("");
}

const char *fx_path(struct fx *fx, const char *path)
{
	static char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s%s", fx->dir, path);
	return buf;
}

void fx_write_bin(struct fx *fx, const char *path, const void *data, size_t len)
{
	char full[PATH_MAX], dir[PATH_MAX];
	FILE *fp;

	snprintf(full, sizeof(full), "%s%s", fx->dir, path);
	snprintf(dir, sizeof(dir), "%s", full);
	*strrchr(dir, '/') = '\0';
	run_argv((char *const[]){ "mkdir", "-p", dir, NULL });
	unlink(full);
	fp = fopen(full, "wb");
	if (!fp || fwrite(data, 1, len, fp) != len)
		abort();
	fclose(fp);
}

void fx_write(struct fx *fx, const char *path, const char *content)
{
	fx_write_bin(fx, path, content, strlen(content));
}

void fx_remove(struct fx *fx, const char *path)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s%s", fx->dir, path);
	run_argv((char *const[]){ "rm", "-rf", full, NULL });
}

void fx_symlink(struct fx *fx, const char *target, const char *path)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s%s", fx->dir, path);
	run_argv((char *const[]){ "ln", "-sfn", (char *)target, full, NULL });
}

void fx_profile(struct fx *fx, const char *ini)
{
	char *joined = xasprintf("%s\n%s\n", fx->profile_extra, ini);

	free(fx->profile_extra);
	fx->profile_extra = joined;
}

const struct finding *fx_check(struct fx *fx, const char *id)
{
	const struct check *c = check_find(id);
	struct profile_error err;
	struct check_ctx ctx;
	char path[PATH_MAX], *text, *base;
	size_t len;
	FILE *fp;

	unload(fx);
	if (!c) {
		fprintf(stderr, "checktest: no check '%s'\n", id);
		abort();
	}
	snprintf(path, sizeof(path), "%s/tests/fixtures/profiles/base.ini", TEST_SRCDIR);
	fp = fopen(path, "r");
	if (!fp)
		abort();
	base = xmalloc(65536);
	len = fread(base, 1, 65535, fp);
	base[len] = '\0';
	fclose(fp);
	text = xasprintf("%s\n%s", base, fx->profile_extra);
	free(base);
	if (sysroot_open(&fx->sr, fx->dir) < 0)
		abort();
	host_load(&fx->host, &fx->sr);
	if (profile_load_string(&fx->prof, text, "fixture-base.ini", &err) < 0 ||
	    profile_resolve(&fx->prof, &fx->host, &err) < 0) {
		fprintf(stderr, "checktest: profile: %s\n", err.msg);
		abort();
	}
	free(text);
	fx->loaded = 1;
	ctx.host = &fx->host;
	ctx.prof = &fx->prof;
	ctx.sr = &fx->sr;
	check_run(c, &ctx, &fx->f);
	return &fx->f;
}

void fx_done(struct fx *fx)
{
	unload(fx);
	run_argv((char *const[]){ "rm", "-rf", fx->dir, NULL });
	free(fx->profile_extra);
}

void assert_verdict_at(const struct finding *f, enum verdict v, const char *file, int line)
{
	if (f->verdict == v)
		return;
	fprintf(stderr, "%s:%d: %s: expected %s, got %s\n  observed: %s\n  expected: %s\n  remedy: %s\n",
		file, line, f->check ? f->check->id : "?", verdict_name(v), verdict_name(f->verdict),
		f->observed ? f->observed : "", f->expected ? f->expected : "", f->remedy ? f->remedy : "");
	_fail(file, line);
}

void assert_has_at(const char *s, const char *needle, const char *file, int line)
{
	if (s && strstr(s, needle))
		return;
	fprintf(stderr, "%s:%d: '%s' not in '%s'\n", file, line, needle, s ? s : "(null)");
	_fail(file, line);
}

int fx_setup_base(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	fx_init(fx, "base");
	*state = fx;
	return 0;
}

int fx_teardown(void **state)
{
	fx_done(*state);
	free(*state);
	return 0;
}
