/* The running DPDK application on the host: its EAL arguments from /proc/PID/cmdline, its telemetry socket, or found by itself. */
#include "app.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "telemetry.h"
#include "util.h"

/* Where a primary process run by root keeps its runtime files: <dir>/<file-prefix>/dpdk_telemetry.v2. */
#define APP_RUNTIME_DIR "/var/run/dpdk"
#define APP_TELEMETRY_SOCKET "dpdk_telemetry.v2"
#define APP_CMDLINE_MAX (1024 * 1024)

int app_config_from_process(struct app_config *a, const struct sysroot *sr, long pid, struct app_error *err)
{
	char path[64], source[96], *text, **words;
	size_t len, n = 0;
	int rc;

	snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
	rc = sysroot_read_alloc(sr, path, APP_CMDLINE_MAX, &text, &len);
	if (rc < 0)
		return app_fail(err, rc, "cannot read '%s': %s (has process %ld exited?)", path, strerror(-rc), pid);
	if (!len) {
		free(text);
		return app_fail(err, -ESRCH, "'%s' is empty: process %ld is a kernel thread or exiting", path, pid);
	}
	/* NUL-separated words; a last word without its NUL (a process that rewrote its argv) counts too. */
	words = xcalloc(len + 1, sizeof(*words));
	for (size_t i = 0; i < len; i += strlen(text + i) + 1)
		words[n++] = text + i;
	snprintf(source, sizeof(source), "process %ld's EAL arguments (%s)", pid, path);
	rc = app_config_from_args(a, (int)n - 1, words + 1, source, err);
	free(words);
	free(text);
	return rc;
}

/* The pid a telemetry socket's greeting names, or -1 (not a socket, refused: a process gone, not DPDK). */
static long greeting_pid(const char *path)
{
	struct telemetry t;
	long pid;

	if (telemetry_open(&t, path) < 0)
		return -1;
	pid = t.pid;
	telemetry_close(&t);
	return pid;
}

int app_telemetry_of(const struct sysroot *sr, long pid, const char *prefix, char *out, size_t size)
{
	struct dirlist dl;
	char path[512];
	int rc;

	out[0] = '\0';
	/* A socket is connected to on this host only: a tree's files are no process. */
	if (!sr->live)
		return -ENOENT;
	snprintf(path, sizeof(path), APP_RUNTIME_DIR "/%s/" APP_TELEMETRY_SOCKET, prefix && *prefix ? prefix : "rte");
	if (greeting_pid(path) == pid) {
		snprintf(out, size, "%s", path);
		return 0;
	}
	rc = sysroot_list(sr, APP_RUNTIME_DIR, &dl);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < dl.n && !out[0]; i++) {
		snprintf(path, sizeof(path), APP_RUNTIME_DIR "/%s/" APP_TELEMETRY_SOCKET, dl.names[i]);
		if (greeting_pid(path) == pid)
			snprintf(out, size, "%s", path);
	}
	dirlist_free(&dl);
	return out[0] ? 0 : -ENOENT;
}

struct maps_scan {
	const struct host *h;
	bool dpdk;
};

/* A mapping only DPDK makes: a file on a hugetlbfs mount, a MAP_HUGETLB region, EAL's memseg arrays. */
static void maps_line(void *arg, char *line)
{
	struct maps_scan *m = arg;
	const char *path = strchr(line, '/');

	if (m->dpdk || !path)
		return;
	if (strstr(path, "anon_hugepage") || strstr(path, "/fbarray_memseg")) {
		m->dpdk = true;
		return;
	}
	for (size_t i = 0; i < m->h->nmounts; i++) {
		size_t n = strlen(m->h->mounts[i].path);

		if (!strncmp(path, m->h->mounts[i].path, n) && path[n] == '/') {
			m->dpdk = true;
			return;
		}
	}
}

static int fd_vfio(void *arg, const char *name, const char *target)
{
	(void)name;
	if (strncmp(target, "/dev/vfio/", 10))
		return 0;
	*(bool *)arg = true;
	return 1;
}

static void add_pid(struct app_found *f, long pid, const char *why)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->pids[i] == pid)
			return;
	if (f->n < APP_FOUND_MAX) {
		f->pids[f->n] = pid;
		snprintf(f->why[f->n], sizeof(f->why[f->n]), "%.150s", why);
		f->n++;
	}
}

int app_find(const struct sysroot *sr, const struct host *h, struct app_found *f)
{
	struct dirlist dl;
	char path[512];
	long pid, self = sr->live ? (long)getpid() : -1;
	int rc;

	memset(f, 0, sizeof(*f));
	/* Telemetry sockets first: a primary process answering on one is DPDK for sure. */
	if (sr->live && sysroot_list(sr, APP_RUNTIME_DIR, &dl) == 0) {
		for (size_t i = 0; i < dl.n; i++) {
			snprintf(path, sizeof(path), APP_RUNTIME_DIR "/%s/" APP_TELEMETRY_SOCKET, dl.names[i]);
			if ((pid = greeting_pid(path)) > 0) {
				snprintf(path, sizeof(path), "a telemetry socket (" APP_RUNTIME_DIR "/%s)", dl.names[i]);
				add_pid(f, pid, path);
			}
		}
		dirlist_free(&dl);
	}
	if (f->n)
		return 0;
	rc = sysroot_list(sr, "/proc", &dl);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < dl.n; i++) {
		struct maps_scan m = { h, false };
		bool vfio = false;

		if (parse_long(dl.names[i], &pid) < 0 || pid == self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/maps", pid);
		sysroot_read_lines(sr, path, 8192, maps_line, &m);
		if (m.dpdk) {
			add_pid(f, pid, "hugepage or EAL memory mapped (/proc/PID/maps)");
			continue;
		}
		snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
		sysroot_list_links(sr, path, fd_vfio, &vfio);
		if (vfio)
			add_pid(f, pid, "a /dev/vfio device held open (/proc/PID/fd)");
	}
	dirlist_free(&dl);
	return 0;
}
