/* The running application: DPDK telemetry for its ports, /proc/PID/task for its threads; read twice, a window apart. */
#include "app.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "telemetry.h"
#include "util.h"

bool app_thread_polls(const struct app_live *l, const struct app_thread *t)
{
	/* 22.11 names them rte-worker-N; releases before it lcore-worker-N, 23.11 on dpdk-worker-N. */
	static const char *const names[] = { "rte-worker-", "lcore-worker-", "dpdk-worker-" };

	(void)l;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strncmp(t->comm, names[i], strlen(names[i])))
			return true;
	return false;
}

static long long status_field(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	long long v;

	if (!p || sscanf(p + strlen(name), " %lld", &v) != 1)
		return -1;
	return v;
}

/* One thread's status (name, allowed cpus, switches) and stat (last cpu). */
static int read_thread(const struct sysroot *sr, long pid, struct app_thread *t, int end)
{
	char path[96], buf[SYSROOT_SMALL], *p;
	int rc;

	snprintf(path, sizeof(path), "/proc/%ld/task/%d/status", pid, t->tid);
	rc = (int)sysroot_read(sr, path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	if (end == 0) {
		if ((p = strstr(buf, "Name:")) && sscanf(p + 5, " %63[^\n]", t->comm) != 1)
			t->comm[0] = '\0';
		if (!(p = strstr(buf, "Cpus_allowed_list:")))
			return -EINVAL;
		char list[1024];
		size_t n;

		p += strlen("Cpus_allowed_list:");
		n = strcspn(p, "\n");
		if (n >= sizeof(list))
			return -EINVAL;
		memcpy(list, p, n);
		list[n] = '\0';
		if (cpuset_parse(&t->allowed, list) < 0)
			return -EINVAL;
	}
	/* "\n" first: "nonvoluntary_ctxt_switches" holds the other name. */
	t->nvcsw[end] = status_field(buf, "\nvoluntary_ctxt_switches:");
	t->nivcsw[end] = status_field(buf, "\nnonvoluntary_ctxt_switches:");
	snprintf(path, sizeof(path), "/proc/%ld/task/%d/stat", pid, t->tid);
	if (sysroot_read(sr, path, buf, sizeof(buf)) > 0 && (p = strrchr(buf, ')'))) {
		int field = 2, cpu = -1;

		/* Field 39 (processor), counted after the comm that may hold spaces. */
		for (char *s = p + 1; *s && field < 39; s++)
			if (*s == ' ' && ++field == 39)
				cpu = atoi(s + 1);
		t->last_cpu = cpu;
	}
	return 0;
}

int app_live_read_threads(struct app_live *l, const struct sysroot *sr, int end, struct app_error *err)
{
	char dir[64];
	struct dirlist dl;
	int rc;

	snprintf(dir, sizeof(dir), "/proc/%ld/task", l->pid);
	rc = sysroot_list(sr, dir, &dl);
	if (rc < 0)
		return app_fail(err, rc, "cannot list '%s': %s (has process %ld exited?)", dir, strerror(-rc), l->pid);
	if (end == 0) {
		l->threads = xcalloc(dl.n ? dl.n : 1, sizeof(*l->threads));
		l->nthreads = 0;
		for (size_t i = 0; i < dl.n; i++) {
			struct app_thread *t = &l->threads[l->nthreads];
			long tid;

			if (parse_long(dl.names[i], &tid) < 0)
				continue;
			t->tid = (int)tid;
			t->last_cpu = -1;
			if (read_thread(sr, l->pid, t, 0) == 0)
				l->nthreads++;
		}
	} else {
		/* Threads gone since the first read keep their first figures: no growth seen. */
		for (size_t i = 0; i < l->nthreads; i++) {
			struct app_thread *t = &l->threads[i];

			if (read_thread(sr, l->pid, t, 1) < 0) {
				t->nvcsw[1] = t->nvcsw[0];
				t->nivcsw[1] = t->nivcsw[0];
			}
		}
	}
	dirlist_free(&dl);
	if (end == 0 && !l->nthreads)
		return app_fail(err, -ESRCH, "no readable thread under '%s'", dir);
	return 0;
}

static long long jint(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

static int read_ports(struct app_live *l, struct telemetry *t, int end, struct app_error *err)
{
	int rc;

	if (end == 0) {
		json_t *list = telemetry_query(t, "/ethdev/list", &rc);
		size_t i;
		json_t *v;

		if (!list)
			return rc == -ENOENT ? 0 : app_fail(err, rc, "telemetry '%s': /ethdev/list: %s", l->telemetry,
							strerror(-rc));
		if (!json_is_array(list)) {
			json_decref(list);
			return app_fail(err, -EPROTO, "telemetry '%s': /ethdev/list is not a list", l->telemetry);
		}
		l->has_ports = true;
		l->ports = xcalloc(json_array_size(list) + 1, sizeof(*l->ports));
		json_array_foreach(list, i, v)
			if (json_is_integer(v)) {
				l->ports[l->nports].numa_node = -1;
				l->ports[l->nports++].port = (int)json_integer_value(v);
			}
		json_decref(list);
	}
	for (size_t i = 0; i < l->nports; i++) {
		struct app_port_stats *p = &l->ports[i];
		char cmd[48];
		json_t *s;

		snprintf(cmd, sizeof(cmd), "/ethdev/stats,%d", p->port);
		if (!(s = telemetry_query(t, cmd, &rc)))
			return app_fail(err, rc, "telemetry '%s': %s: %s", l->telemetry, cmd, strerror(-rc));
		p->rx_nombuf[end] = jint(s, "rx_nombuf");
		p->imissed[end] = jint(s, "imissed");
		p->ierrors[end] = jint(s, "ierrors");
		json_decref(s);
		if (end == 0) {
			snprintf(cmd, sizeof(cmd), "/ethdev/info,%d", p->port);
			if ((s = telemetry_query(t, cmd, &rc))) {
				json_t *n = json_object_get(s, "name");

				if (json_is_string(n))
					snprintf(p->name, sizeof(p->name), "%s", json_string_value(n));
				p->numa_node = (int)jint(s, "numa_node");
				json_decref(s);
			}
		}
	}
	return 0;
}

/* A list command's answer: an array, or NULL (an unknown command, or another shape) with *known false. */
static json_t *query_list(struct telemetry *t, const char *cmd, bool *known, struct app_live *l, struct app_error *err,
			  int *rc)
{
	json_t *list = telemetry_query(t, cmd, rc);

	*known = false;
	if (!list) {
		if (*rc == -ENOENT)
			*rc = 0;
		else
			app_fail(err, *rc, "telemetry '%s': %s: %s", l->telemetry, cmd, strerror(-*rc));
		return NULL;
	}
	if (!json_is_array(list)) {
		json_decref(list);
		*rc = app_fail(err, -EPROTO, "telemetry '%s': %s is not a list", l->telemetry, cmd);
		return NULL;
	}
	*known = true;
	return list;
}

/* Mempools and heaps, read once: /mempool/list, /mempool/info,NAME, /eal/heap_list, /eal/heap_info,ID. */
static int read_memory(struct app_live *l, struct telemetry *t, struct app_error *err)
{
	json_t *list, *v, *s;
	char cmd[128];
	size_t i;
	int rc;

	if ((list = query_list(t, "/mempool/list", &l->has_mempools, l, err, &rc))) {
		l->mempools = xcalloc(json_array_size(list) + 1, sizeof(*l->mempools));
		json_array_foreach(list, i, v) {
			struct app_mempool *m = &l->mempools[l->nmempools];
			long long common, cached;

			if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof(m->name))
				continue;
			snprintf(m->name, sizeof(m->name), "%s", json_string_value(v));
			snprintf(cmd, sizeof(cmd), "/mempool/info,%s", m->name);
			/* A pool freed since the list: left out. */
			if (!(s = telemetry_query(t, cmd, &rc)))
				continue;
			m->size = jint(s, "size");
			m->populated = jint(s, "populated_size");
			m->elt_size = jint(s, "elt_size");
			m->cache_size = jint(s, "cache_size");
			m->page_size = jint(s, "mz_hugepage_sz");
			m->socket = jint(s, "mz_socket_id") >= 0 ? jint(s, "mz_socket_id") : jint(s, "socket_id");
			common = jint(s, "common_pool_count");
			cached = jint(s, "total_cache_count");
			m->free = common >= 0 && cached >= 0 ? common + cached : -1;
			json_decref(s);
			l->nmempools++;
		}
		json_decref(list);
	} else if (rc < 0) {
		return rc;
	}
	if ((list = query_list(t, "/eal/heap_list", &l->has_heaps, l, err, &rc))) {
		l->heaps = xcalloc(json_array_size(list) + 1, sizeof(*l->heaps));
		json_array_foreach(list, i, v) {
			struct app_heap *h = &l->heaps[l->nheaps];
			json_t *n;

			if (!json_is_integer(v))
				continue;
			h->id = (int)json_integer_value(v);
			snprintf(cmd, sizeof(cmd), "/eal/heap_info,%d", h->id);
			if (!(s = telemetry_query(t, cmd, &rc)))
				continue;
			n = json_object_get(s, "Name");
			snprintf(h->name, sizeof(h->name), "%s", json_is_string(n) ? json_string_value(n) : "");
			if (sscanf(h->name, "socket_%d", &h->node) != 1)
				h->node = -1;
			h->size = jint(s, "Heap_size");
			h->free = jint(s, "Free_size");
			h->alloc = jint(s, "Alloc_size");
			h->greatest_free = jint(s, "Greatest_free_size");
			json_decref(s);
			l->nheaps++;
		}
		json_decref(list);
	} else if (rc < 0) {
		return rc;
	}
	return 0;
}

/* -l/-c in /eal/params: the lcores, when the app names them there. */
static void read_params(struct app_live *l, struct telemetry *t)
{
	json_t *params;
	struct app_config cfg;
	struct app_error e;
	size_t i, len = 0;
	json_t *v;
	int rc;

	if (!(params = telemetry_query(t, "/eal/params", &rc)))
		return;
	json_array_foreach(params, i, v)
		if (json_is_string(v) && i > 0)
			len += (size_t)snprintf(l->eal_params + len, len < sizeof(l->eal_params) ? sizeof(l->eal_params) - len : 0,
						"%s%s", len ? " " : "", json_string_value(v));
	json_decref(params);
	if (len >= sizeof(l->eal_params))
		return;
	if (app_config_from_eal(&cfg, l->eal_params, &e) == 0) {
		l->has_lcores = cfg.has_lcores;
		l->lcores = cfg.lcores;
		app_config_free(&cfg);
	}
}

static void pause_window(double s)
{
	struct timespec ts = { .tv_sec = (time_t)s, .tv_nsec = (long)((s - (double)(time_t)s) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int app_live_read(struct app_live *l, const struct sysroot *sr, const char *telemetry, long pid, double window_s,
		  struct app_error *err)
{
	struct telemetry t = { .fd = -1 };
	int rc = 0;

	memset(l, 0, sizeof(*l));
	l->window_s = window_s;
	l->pid = pid;
	if (telemetry) {
		snprintf(l->telemetry, sizeof(l->telemetry), "%s", telemetry);
		rc = telemetry_open(&t, telemetry);
		if (rc < 0)
			return app_fail(err, rc, "cannot read DPDK telemetry at '%s': %s", telemetry,
				    rc == -ENOTSOCK ? "not a socket"
				    : rc == -EPROTO ? "not a DPDK telemetry v2 socket (no JSON greeting)"
						    : strerror(-rc));
		snprintf(l->version, sizeof(l->version), "%s", t.version);
		if (pid && pid != t.pid) {
			rc = app_fail(err, -EINVAL, "telemetry '%s' belongs to process %ld, not %ld", telemetry, t.pid, pid);
			goto out;
		}
		l->pid = t.pid;
		read_params(l, &t);
		rc = read_ports(l, &t, 0, err);
		if (rc < 0)
			goto out;
	}
	rc = app_live_read_threads(l, sr, 0, err);
	if (rc < 0)
		goto out;
	pause_window(window_s);
	if (telemetry) {
		rc = read_ports(l, &t, 1, err);
		if (rc < 0)
			goto out;
		/* At the window's end: what the pools and heaps hold after it ran. */
		rc = read_memory(l, &t, err);
		if (rc < 0)
			goto out;
	}
	rc = app_live_read_threads(l, sr, 1, err);
out:
	telemetry_close(&t);
	if (rc < 0)
		app_live_free(l);
	return rc;
}

void app_live_free(struct app_live *l)
{
	free(l->threads);
	free(l->ports);
	free(l->mempools);
	free(l->heaps);
	l->threads = NULL;
	l->ports = NULL;
	l->mempools = NULL;
	l->heaps = NULL;
	l->nthreads = l->nports = l->nmempools = l->nheaps = 0;
}
