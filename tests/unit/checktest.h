/* Test harness for checks: a fixture tree per case, change files in it, run one check on it. */
#pragma once
#include <limits.h>

#include "registry.h"
#include "host.h"
#include "profile.h"
#include "sysroot.h"

struct fx_copy;

struct fx {
	char dir[PATH_MAX];	/* the copy under /tmp */
	struct fx_copy *copy;	/* the reusable copy dir belongs to */
	char *profile_extra;	/* INI text appended to tests/fixtures/profiles/base.ini */
	struct sysroot sr;
	struct host host;
	struct profile prof;
	struct finding f;
	int loaded;
	const struct app *app;	/* the application the app checks judge, NULL when none */
};

/* Gives fx a copy of tests/fixtures/NAME under /tmp, byte for byte as in the source: the first
 * call copies it, later calls take back a copy a finished case used and undo that case's changes
 * (every entry compared with the source read once into memory). The copies share one /tmp/tickready-fx-*
 * root, removed at exit and when SIGINT, SIGTERM, SIGHUP, SIGQUIT or SIGABRT ends the process that made it. */
void fx_init(struct fx *fx, const char *name);
/* Writes (creating directories) or removes a path inside the copy; paths are host paths ("/proc/cmdline"). */
void fx_write(struct fx *fx, const char *path, const char *content);
void fx_remove(struct fx *fx, const char *path);
/* Writes len bytes (binary: a PCI config space). */
void fx_write_bin(struct fx *fx, const char *path, const void *data, size_t len);
void fx_symlink(struct fx *fx, const char *target, const char *path);
/* Appends INI lines to the fixture profile; later keys override earlier ones. */
void fx_profile(struct fx *fx, const char *ini);
/* Loads host and profile from the copy and runs check ID; the finding stays valid until the next call. */
const struct finding *fx_check(struct fx *fx, const char *id);
/* Full path of a host path inside the copy. */
const char *fx_path(struct fx *fx, const char *path);
void fx_done(struct fx *fx);

/* cmocka helpers: assert a verdict and print the finding when it is wrong. */
#define assert_verdict(fnd, v) assert_verdict_at((fnd), (v), __FILE__, __LINE__)
void assert_verdict_at(const struct finding *f, enum verdict v, const char *file, int line);

/* Assert that s contains needle, printing both when it does not. */
#define assert_has(s, needle) assert_has_at((s), (needle), __FILE__, __LINE__)
void assert_has_at(const char *s, const char *needle, const char *file, int line);
/* Assert that s (NULL allowed) does not contain needle. */
#define assert_lacks(s, needle) assert_lacks_at((s), (needle), __FILE__, __LINE__)
void assert_lacks_at(const char *s, const char *needle, const char *file, int line);
/* cmocka setup/teardown: *state is a fresh copy of tests/fixtures/base per test. */
int fx_setup_base(void **state);
int fx_teardown(void **state);
