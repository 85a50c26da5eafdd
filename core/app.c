/* The application's DPDK configuration: the operators' YAML (libyaml), an EAL argument line, and DPDK's pool arithmetic. */
#include "app.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "dynlib.h"
#include "util.h"

/* Bigger than any sane config: a FIFO or a huge file never stalls the parse. */
#define APP_CONFIG_MAX (1024 * 1024)

int app_fail(struct app_error *err, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return rc;
}

/* A hex core mask of any width ("0xFC", "ff00000000000000ff"), as -c takes it. */
static int parse_core_mask(const char *s, struct cpuset *out)
{
	size_t n;
	int cpu = 0;

	cpuset_zero(out);
	if (!strncasecmp(s, "0x", 2))
		s += 2;
	n = strlen(s);
	if (!n)
		return -EINVAL;
	for (size_t i = n; i-- > 0; cpu += 4) {
		int d;

		if (!isxdigit((unsigned char)s[i]))
			return -EINVAL;
		d = isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10);
		for (int b = 0; b < 4; b++)
			if (d & (1 << b)) {
				if (cpu + b >= CPUSET_MAX)
					return -ERANGE;
				cpuset_set(out, cpu + b);
			}
	}
	return cpuset_empty(out) ? -EINVAL : 0;
}

/* "4096,4096": MB per node, as --socket-mem takes it. */
static int parse_socket_mem(const char *s, struct app_config *a)
{
	a->nsocket_mem = 0;
	for (const char *p = s;;) {
		char num[24];
		size_t n = strcspn(p, ",");
		long v;

		if (n == 0 || n >= sizeof(num) || a->nsocket_mem >= APP_MAX_NODES)
			return -EINVAL;
		memcpy(num, p, n);
		num[n] = '\0';
		if (parse_long(trim(num), &v) < 0 || v < 0)
			return -EINVAL;
		a->socket_mem_mb[a->nsocket_mem++] = v;
		p += n;
		if (!*p)
			return 0;
		p++;
	}
}

/* ---- YAML ---- */

/* libyaml, opened when a YAML file is first read (core/dynlib.c). */
#define YAML_FNS(X) \
	X(yaml_parser_initialize) X(yaml_parser_set_input_string) X(yaml_parser_load) X(yaml_parser_delete) \
	X(yaml_document_get_root_node) X(yaml_document_get_node) X(yaml_document_delete)
DYNLIB(libyaml, "libyaml-0.so.2", YAML_FNS);

struct yctx {
	yaml_document_t *doc;
	const char *path;
	struct app_error *err;
};

static yaml_node_t *ynode(struct yctx *y, int id)
{
	return libyaml_fn.yaml_document_get_node(y->doc, id);
}

static int yfail(struct yctx *y, const yaml_node_t *n, const char *key, const char *what)
{
	return app_fail(y->err, -EINVAL, "%s:%zu:%zu: '%s': %s", y->path, n->start_mark.line + 1, n->start_mark.column + 1, key,
		    what);
}

static const char *yscalar(struct yctx *y, yaml_node_t *n, const char *key, int *rc)
{
	if (n->type != YAML_SCALAR_NODE) {
		*rc = yfail(y, n, key, "expected a single value");
		return NULL;
	}
	return (const char *)n->data.scalar.value;
}

static int ylong(struct yctx *y, yaml_node_t *n, const char *key, long min, long max, long *out)
{
	int rc = 0;
	const char *s = yscalar(y, n, key, &rc);
	char what[128];

	if (!s)
		return rc;
	if (parse_long(s, out) < 0 || *out < min || *out > max) {
		snprintf(what, sizeof(what), "'%.40s' is not a whole number from %ld to %ld", s, min, max);
		return yfail(y, n, key, what);
	}
	return 0;
}

static int ybool(struct yctx *y, yaml_node_t *n, const char *key, bool *out)
{
	int rc = 0;
	const char *s = yscalar(y, n, key, &rc);

	if (!s)
		return rc;
	if (!strcmp(s, "true") || !strcmp(s, "yes"))
		*out = true;
	else if (!strcmp(s, "false") || !strcmp(s, "no"))
		*out = false;
	else
		return yfail(y, n, key, "expected true or false");
	return 0;
}

static int ystr(struct yctx *y, yaml_node_t *n, const char *key, char *buf, size_t size)
{
	int rc = 0;
	const char *s = yscalar(y, n, key, &rc);

	if (!s)
		return rc;
	if (!*s || strlen(s) >= size)
		return yfail(y, n, key, !*s ? "empty" : "too long");
	strcpy(buf, s);
	return 0;
}

static int eal_pair(struct yctx *y, struct app_config *a, const char *k, yaml_node_t *v)
{
	int rc = 0;
	const char *s;

	if (!strcmp(k, "core_mask") || !strcmp(k, "core_list")) {
		if (!(s = yscalar(y, v, k, &rc)))
			return rc;
		rc = !strcmp(k, "core_mask") ? parse_core_mask(s, &a->lcores) : cpuset_parse(&a->lcores, s);
		if (rc < 0 || cpuset_empty(&a->lcores))
			return yfail(y, v, k, !strcmp(k, "core_mask") ? "not a hex core mask (\"0xFC\")"
							     : "not a cpu list (\"2-7\")");
		a->has_lcores = true;
		return 0;
	}
	if (!strcmp(k, "memory_channels"))
		return ylong(y, v, k, 1, 32, &a->memory_channels);
	if (!strcmp(k, "hugepages_mount") || !strcmp(k, "huge_dir"))
		return ystr(y, v, k, a->huge_dir, sizeof(a->huge_dir));
	if (!strcmp(k, "socket_mem")) {
		if (!(s = yscalar(y, v, k, &rc)))
			return rc;
		if (parse_socket_mem(s, a) < 0)
			return yfail(y, v, k, "expected MB per NUMA node, comma-separated (\"4096,4096\")");
		return 0;
	}
	if (!strcmp(k, "no_huge"))
		return ybool(y, v, k, &a->no_huge);
	if (!strcmp(k, "in_memory"))
		return ybool(y, v, k, &a->in_memory);
	return yfail(y, v, k, "unknown key in eal_arguments (core_mask, core_list, memory_channels, hugepages_mount, "
			      "socket_mem, no_huge, in_memory)");
}

static int port_pair(struct yctx *y, struct app_port *p, const char *k, yaml_node_t *v)
{
	if (!strcmp(k, "device_id"))
		return ystr(y, v, k, p->device, sizeof(p->device));
	if (!strcmp(k, "rx_queues"))
		return ylong(y, v, k, 1, 65535, &p->rx_queues);
	if (!strcmp(k, "tx_queues"))
		return ylong(y, v, k, 1, 65535, &p->tx_queues);
	if (!strcmp(k, "ring_descriptor_size"))
		return ylong(y, v, k, 1, 65535, &p->ring_size);
	if (!strcmp(k, "mtu"))
		return ylong(y, v, k, 68, 65535, &p->mtu);
	return yfail(y, v, k, "unknown key in a port (device_id, rx_queues, tx_queues, ring_descriptor_size, mtu)");
}

static int pool_pair(struct yctx *y, struct app_pool *p, const char *k, yaml_node_t *v)
{
	if (!strcmp(k, "pool_name"))
		return ystr(y, v, k, p->name, sizeof(p->name));
	if (!strcmp(k, "element_count"))
		return ylong(y, v, k, 1, 0x7fffffffL, &p->count);
	/* A data room is a uint16_t in rte_pktmbuf_pool_create. */
	if (!strcmp(k, "element_size"))
		return ylong(y, v, k, (long)APP_MBUF_HEADROOM, 65535, &p->data_room);
	if (!strcmp(k, "cache_size"))
		return ylong(y, v, k, 0, (long)APP_CACHE_MAX, &p->cache_size);
	return yfail(y, v, k, "unknown key in a buffer pool (pool_name, element_count, element_size, cache_size)");
}

typedef int (*pair_fn)(struct yctx *y, void *obj, const char *k, yaml_node_t *v);

static int walk_map(struct yctx *y, yaml_node_t *map, const char *key, pair_fn fn, void *obj)
{
	if (map->type != YAML_MAPPING_NODE)
		return yfail(y, map, key, "expected a mapping (key: value lines)");
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = ynode(y, pr->key), *v = ynode(y, pr->value);
		int rc;

		if (k->type != YAML_SCALAR_NODE)
			return yfail(y, k, key, "a key must be a plain word");
		rc = fn(y, obj, (const char *)k->data.scalar.value, v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int eal_fn(struct yctx *y, void *obj, const char *k, yaml_node_t *v)
{
	return eal_pair(y, obj, k, v);
}

static int port_fn(struct yctx *y, void *obj, const char *k, yaml_node_t *v)
{
	return port_pair(y, obj, k, v);
}

static int pool_fn(struct yctx *y, void *obj, const char *k, yaml_node_t *v)
{
	return pool_pair(y, obj, k, v);
}

static int yseq(struct yctx *y, yaml_node_t *seq, const char *key, size_t elt, void **out, size_t *n, pair_fn fn)
{
	if (seq->type != YAML_SEQUENCE_NODE)
		return yfail(y, seq, key, "expected a list (lines starting with '- ')");
	for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
		yaml_node_t *m = ynode(y, *it);
		char *obj;
		int rc;

		*out = xrealloc(*out, (*n + 1) * elt);
		obj = (char *)*out + *n * elt;
		memset(obj, 0, elt);
		/* Both element types start with a name and carry the line after their numbers. */
		if (elt == sizeof(struct app_port))
			((struct app_port *)obj)->line = (int)m->start_mark.line + 1;
		else
			((struct app_pool *)obj)->line = (int)m->start_mark.line + 1;
		(*n)++;
		rc = walk_map(y, m, key, fn, obj);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int dpdk_fn(struct yctx *y, void *obj, const char *k, yaml_node_t *v)
{
	struct app_config *a = obj;

	if (!strcmp(k, "eal_arguments"))
		return walk_map(y, v, k, eal_fn, a);
	if (!strcmp(k, "ports"))
		return yseq(y, v, k, sizeof(struct app_port), (void **)&a->ports, &a->nports, port_fn);
	if (!strcmp(k, "buffer_pools"))
		return yseq(y, v, k, sizeof(struct app_pool), (void **)&a->pools, &a->npools, pool_fn);
	return yfail(y, v, k, "unknown key in dpdk_config (eal_arguments, ports, buffer_pools)");
}

static int check_required(struct yctx *y, struct app_config *a, yaml_node_t *root)
{
	for (size_t i = 0; i < a->nports; i++)
		if (!a->ports[i].device[0])
			return app_fail(y->err, -EINVAL, "%s:%d: a port without 'device_id'", y->path, a->ports[i].line);
	for (size_t i = 0; i < a->npools; i++)
		if (!a->pools[i].count || !a->pools[i].data_room)
			return app_fail(y->err, -EINVAL, "%s:%d: buffer pool '%s' needs 'element_count' and 'element_size'", y->path,
				    a->pools[i].line, a->pools[i].name[0] ? a->pools[i].name : "?");
	if (!a->has_lcores && !a->no_huge && !a->nsocket_mem && !a->nports && !a->npools)
		return yfail(y, root, "dpdk_config", "names nothing tickready can judge");
	return 0;
}

int app_config_load(struct app_config *a, const char *path, struct app_error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct yctx y = { &doc, path, err };
	yaml_node_t *root, *dpdk = NULL;
	char *text;
	size_t len;
	FILE *f;
	int rc;

	memset(a, 0, sizeof(*a));
	snprintf(a->source, sizeof(a->source), "%s", path);
	f = fopen(path, "re");
	if (!f)
		return rc = -errno, app_fail(err, -EINVAL, "cannot read '%s': %s", path, strerror(-rc)), rc;
	rc = sysroot_read_fd(fileno(f), APP_CONFIG_MAX, &text, &len);
	fclose(f);
	if (rc < 0)
		return app_fail(err, -EINVAL, "cannot read '%s': %s", path, rc == -EFBIG ? "larger than 1 MiB" : strerror(-rc)), rc;
	if (!dynlib_open(&libyaml)) {
		free(text);
		return app_fail(err, -ENOSYS, "cannot read '%s': YAML needs libyaml (%s)", path, libyaml.err);
	}
	if (!libyaml_fn.yaml_parser_initialize(&parser)) {
		free(text);
		return -ENOMEM;
	}
	libyaml_fn.yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!libyaml_fn.yaml_parser_load(&parser, &doc)) {
		rc = app_fail(err, -EINVAL, "%s:%zu:%zu: not YAML: %s", path, parser.problem_mark.line + 1,
			  parser.problem_mark.column + 1, parser.problem ? parser.problem : "parse error");
		libyaml_fn.yaml_parser_delete(&parser);
		free(text);
		return rc;
	}
	root = libyaml_fn.yaml_document_get_root_node(&doc);
	if (!root) {
		rc = app_fail(err, -EINVAL, "%s: empty (expected a 'dpdk_config:' mapping)", path);
		goto out;
	}
	if (root->type == YAML_MAPPING_NODE)
		for (yaml_node_pair_t *pr = root->data.mapping.pairs.start; pr < root->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = ynode(&y, pr->key);

			if (k->type == YAML_SCALAR_NODE && !strcmp((const char *)k->data.scalar.value, "dpdk_config"))
				dpdk = ynode(&y, pr->value);
		}
	if (!dpdk) {
		rc = yfail(&y, root, "dpdk_config", "missing (the file's top level needs a 'dpdk_config:' mapping)");
		goto out;
	}
	rc = walk_map(&y, dpdk, "dpdk_config", dpdk_fn, a);
	if (!rc)
		rc = check_required(&y, a, dpdk);
out:
	libyaml_fn.yaml_document_delete(&doc);
	libyaml_fn.yaml_parser_delete(&parser);
	free(text);
	if (rc < 0)
		app_config_free(a);
	return rc;
}

/* ---- an EAL line ---- */

/* EAL options that take a value, so the value is not read as an option of its own. */
static const char *const eal_with_value[] = {
	"-a", "--allow", "-b", "--block", "--vdev", "--file-prefix", "--iova-mode", "--main-lcore", "--lcores",
	"--socket-limit", "-m", "--proc-type", "--log-level", "--base-virtaddr", "--match-allocations", "-d",
	"--mbuf-pool-ops-name", "--huge-unlink", "--trace", "-r", "--syslog", "--vfio-intr", "--vfio-vf-token",
	"--service-corelist", "-s", "--service-lcores", "--force-max-simd-bitwidth",
};

/* Words of the EAL argument list: n of them, "--" ends it (the application's own arguments follow). */
int app_config_from_args(struct app_config *a, int n, char *const *words, const char *source, struct app_error *err)
{
	int rc = 0;

	memset(a, 0, sizeof(*a));
	snprintf(a->source, sizeof(a->source), "%s", source);
	for (int i = 0; i < n && !rc; i++) {
		char word[256], *w = word, *val = NULL, *eq;

		if (!strcmp(words[i], "--"))
			break;
		snprintf(word, sizeof(word), "%s", words[i]);
		if (!strncmp(w, "--", 2) && (eq = strchr(w, '=')))
			*eq = '\0', val = eq + 1;
		/* getopt's attached short value: "-l0-1". */
		if (w[0] == '-' && w[1] && w[1] != '-' && w[2] && strchr("lcn", w[1])) {
			val = words[i] + 2;
			w[2] = '\0';
		}
		if (!strcmp(w, "--no-huge")) {
			a->no_huge = true;
			continue;
		}
		if (!strcmp(w, "--in-memory")) {
			a->in_memory = true;
			continue;
		}
		if (!strcmp(w, "-l") || !strcmp(w, "-c") || !strcmp(w, "-n") || !strcmp(w, "--socket-mem") ||
		    !strcmp(w, "--huge-dir") || !strcmp(w, "--file-prefix")) {
			if (!val && !(i + 1 < n && (val = words[++i]))) {
				rc = app_fail(err, -EINVAL, "%s: option '%s' needs a value", source, w);
				break;
			}
			if (!strcmp(w, "-l"))
				rc = cpuset_parse(&a->lcores, val) < 0 || cpuset_empty(&a->lcores) ? -EINVAL : 0;
			else if (!strcmp(w, "-c"))
				rc = parse_core_mask(val, &a->lcores);
			else if (!strcmp(w, "-n"))
				rc = parse_long(val, &a->memory_channels) < 0 || a->memory_channels < 1 ||
				     a->memory_channels > 32 ? -EINVAL : 0;
			else if (!strcmp(w, "--socket-mem"))
				rc = parse_socket_mem(val, a);
			else if (!strcmp(w, "--file-prefix"))
				rc = strlen(val) < sizeof(a->file_prefix) && !strchr(val, '/') && val[0]
				     ? (strcpy(a->file_prefix, val), 0) : -EINVAL;
			else if (strlen(val) < sizeof(a->huge_dir))
				strcpy(a->huge_dir, val);
			else
				rc = -EINVAL;
			if (rc < 0)
				rc = app_fail(err, -EINVAL, "%s: invalid value '%.60s' for '%s'", source, val, w);
			else if (w[1] == 'l' || w[1] == 'c')
				a->has_lcores = true;
			continue;
		}
		for (size_t k = 0; k < sizeof(eal_with_value) / sizeof(eal_with_value[0]); k++)
			if (!strcmp(w, eal_with_value[k]) && !val && i + 1 < n)
				i++;
		if (w[0] != '-')
			rc = app_fail(err, -EINVAL, "%s: unexpected word '%.60s' (not an EAL option)", source, w);
	}
	if (rc < 0)
		app_config_free(a);
	return rc;
}

int app_config_from_eal(struct app_config *a, const char *line, struct app_error *err)
{
	char *copy = xstrdup(line), *save = NULL, **words = xcalloc(strlen(line) / 2 + 2, sizeof(*words));
	int n = 0, rc;

	for (char *w = strtok_r(copy, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save))
		words[n++] = w;
	rc = app_config_from_args(a, n, words, "--app-eal", err);
	free(words);
	free(copy);
	return rc;
}

void app_config_free(struct app_config *a)
{
	free(a->ports);
	free(a->pools);
	a->ports = NULL;
	a->pools = NULL;
	a->nports = a->npools = 0;
}

/* ---- DPDK's pool arithmetic ---- */

static unsigned long gcd(unsigned long a, unsigned long b)
{
	while (b) {
		unsigned long c = a % b;

		a = b;
		b = c;
	}
	return a;
}

void app_pool_size(const struct app_pool *p, long memory_channels, unsigned long page_bytes, struct app_pool_size *out)
{
	unsigned long nchan = memory_channels > 0 ? (unsigned long)memory_channels : 4, lines;
	unsigned long long count = (unsigned long long)p->count;

	memset(out, 0, sizeof(*out));
	out->header = (APP_OBJHDR + APP_MEMPOOL_ALIGN - 1) / APP_MEMPOOL_ALIGN * APP_MEMPOOL_ALIGN;
	out->elt = (APP_MBUF_HEADER + (unsigned long)p->data_room + 7) / 8 * 8;
	/* Trailer to the next cache line, then to a line count coprime with the channels (rank 1). */
	lines = (out->header + out->elt + APP_MEMPOOL_ALIGN - 1) / APP_MEMPOOL_ALIGN;
	while (gcd(lines, nchan) != 1)
		lines++;
	out->total = lines * APP_MEMPOOL_ALIGN;
	out->trailer = out->total - out->header - out->elt;
	/* rte_mempool_calc_mem_size_helper: whole objects per page, whole pages. */
	if (page_bytes && out->total <= page_bytes) {
		unsigned long long per_page = page_bytes / out->total;

		out->objects = (count + per_page - 1) / per_page * page_bytes;
	} else {
		out->objects = count * out->total;
	}
	out->caches = p->cache_size ? APP_MAX_LCORE * APP_CACHE_STRUCT : 0;
	out->bytes = out->objects + out->caches;
}

long app_pool_count_fitting(const struct app_pool *p, long memory_channels, unsigned long page_bytes,
			    unsigned long long bytes)
{
	struct app_pool q = *p;
	long lo = 0, hi = p->count;
	struct app_pool_size sz;

	while (lo < hi) {
		q.count = lo + (hi - lo + 1) / 2;
		app_pool_size(&q, memory_channels, page_bytes, &sz);
		if (sz.bytes <= bytes)
			lo = q.count;
		else
			hi = q.count - 1;
	}
	return lo;
}
