/* Text and JSON writers for audit findings and the host inventory. */
#include "report.h"
#include "stack.h"

#include <errno.h>
#include <string.h>

#include "util.h"

const char *finding_verdict_name(const struct finding *f)
{
	if (f->verdict == V_FAIL && f->pending_reboot)
		return "pending-reboot";
	return verdict_name(f->verdict);
}

void report_summary(const struct report *r, struct summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < r->n; i++) {
		const struct finding *f = &r->findings[i];

		if (f->verdict == V_FAIL && f->pending_reboot)
			s->pending++;
		else if (f->verdict == V_PASS)
			s->pass++;
		else if (f->verdict == V_WARN)
			s->warn++;
		else if (f->verdict == V_FAIL)
			s->fail++;
		else
			s->skip++;
	}
}

static json_t *json_cpus(const struct cpuset *s)
{
	char buf[CPUSET_TEXT_MAX];

	return json_string(cpuset_format(s, buf, sizeof(buf)));
}

static json_t *json_str_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static json_t *pools_json(const struct hugepool *pools, int n)
{
	json_t *o = json_object();

	for (int i = 0; i < n; i++) {
		char key[32];

		json_object_set_new(o, format_size_kb(pools[i].size_kb, key, sizeof(key)),
				    pools[i].nr >= 0 ? json_integer(pools[i].nr) : json_null());
	}
	return o;
}

static json_t *l3_json(const struct host *h)
{
	json_t *a = json_array();

	for (size_t i = 0; i < h->nl3; i++)
		json_array_append_new(a, json_cpus(&h->l3[i]));
	return a;
}

static json_t *cpus_json(const struct host *h)
{
	json_t *o = json_object(), *flags = json_array();

	json_object_set_new(o, "present", h->has_present ? json_cpus(&h->present) : json_null());
	json_object_set_new(o, "online", h->has_online ? json_cpus(&h->online) : json_null());
	json_object_set_new(o, "allowed", h->has_allowed ? json_cpus(&h->allowed) : json_null());
	json_object_set_new(o, "allowed_source", h->has_allowed ? json_string(h->allowed_source) : json_null());
	json_object_set_new(o, "source", json_string(h->cpus_from_dirs ? "cpu directories" : "cpu lists"));
	json_object_set_new(o, "packages", h->npackages ? json_integer(h->npackages) : json_null());
	json_object_set_new(o, "cores", h->ncores ? json_integer(h->ncores) : json_null());
	json_object_set_new(o, "l3_groups", l3_json(h));
	json_object_set_new(o, "isolated", h->has_isolated ? json_cpus(&h->isolated) :
			    h->has_isolcpus_param ? json_cpus(&h->isolcpus_param) : json_null());
	json_object_set_new(o, "nohz_full", h->has_nohz_full ? json_cpus(&h->nohz_full) :
			    h->has_nohz_param ? json_cpus(&h->nohz_param) : json_null());
	json_object_set_new(o, "rcu_nocbs", h->has_rcu_nocbs_param ? json_cpus(&h->rcu_nocbs) : json_null());
	json_object_set_new(o, "smt_threads_per_core",
			    h->smt_threads_per_core ? json_integer(h->smt_threads_per_core) : json_null());
	json_object_set_new(o, "vendor", json_str_or_null(h->cpu_vendor));
	json_object_set_new(o, "model", json_str_or_null(h->cpu_model));
	json_object_set_new(o, "identity_source", json_string(h->cpu_source ? h->cpu_source : "unknown"));
	for (int b = 0; b < CPU_FLAG_COUNT; b++)
		if (h->cpu_flags & (1u << b))
			json_array_append_new(flags, json_string(cpu_flag_names[b]));
	json_object_set_new(o, "flags", flags);
	return o;
}

static json_t *nic_json(const struct nic *n)
{
	json_t *o = json_object(), *irqs = json_array();

	json_object_set_new(o, "name", json_str_or_null(n->name));
	json_object_set_new(o, "pci", json_str_or_null(n->pci));
	json_object_set_new(o, "driver", json_str_or_null(n->driver));
	json_object_set_new(o, "numa_node", json_integer(n->numa_node));
	json_object_set_new(o, "local_cpus", n->has_local_cpus ? json_cpus(&n->local_cpus) : json_null());
	json_object_set_new(o, "speed_mbps", n->speed_mbps >= 0 ? json_integer(n->speed_mbps) : json_null());
	json_object_set_new(o, "queues", json_pack("{s:i,s:i}", "rx", n->rx_queues, "tx", n->tx_queues));
	for (size_t i = 0; i < n->nirqs; i++)
		json_array_append_new(irqs, json_integer(n->irqs[i]));
	json_object_set_new(o, "irqs", irqs);
	json_object_set_new(o, "default_route", json_boolean(n->default_route));
	if (n->has_link)
		json_object_set_new(o, "pcie", json_pack("{s:s,s:s,s:i,s:i}", "speed", n->link_speed, "max_speed",
							 n->max_link_speed, "width", n->link_width, "max_width",
							 n->max_link_width));
	json_object_set_new(o, "iommu_group", n->iommu_group >= 0 ? json_integer(n->iommu_group) : json_null());
	return o;
}

json_t *host_to_json(const struct host *h, const struct profile *p)
{
	json_t *o = json_object(), *nodes = json_array(), *mounts = json_array(), *nics = json_array();
	json_t *on_iso = json_array();
	const struct cpuset *iso = p ? &p->isolated : &h->isolated;

	json_object_set_new(o, "kernel", json_pack("{s:o,s:o}", "release", json_str_or_null(h->release), "cmdline",
						   json_str_or_null(h->cmdline_raw)));
	json_object_set_new(o, "cpus", cpus_json(h));
	for (size_t i = 0; i < h->nnodes; i++) {
		const struct numa_node *n = &h->nodes[i];

		json_array_append_new(nodes, json_pack("{s:i,s:o,s:o,s:o}", "id", n->id, "cpus", json_cpus(&n->cpus),
						       "memory_mib", n->memory_mib >= 0 ? json_integer(n->memory_mib) : json_null(),
						       "hugepages", pools_json(n->pools, n->npools)));
	}
	json_object_set_new(o, "numa_nodes", nodes);
	json_object_set_new(o, "numa_implicit", json_boolean(h->nodes_implicit));
	json_object_set_new(o, "numa_overlap", json_cpus(&h->node_overlap));
	json_object_set_new(o, "hugepages", pools_json(h->pools, h->npools));
	for (size_t i = 0; i < h->nmounts; i++) {
		char size[32];

		json_array_append_new(mounts, json_pack("{s:s,s:s}", "path", h->mounts[i].path, "pagesize",
							format_size_kb(h->mounts[i].pagesize_kb, size, sizeof(size))));
	}
	json_object_set_new(o, "hugetlbfs_mounts", mounts);
	for (size_t i = 0; i < h->nnics; i++)
		json_array_append_new(nics, nic_json(&h->nics[i]));
	json_object_set_new(o, "nics", nics);
	for (size_t i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		const struct cpuset *on = q->has_effective ? &q->effective : &q->affinity;
		struct cpuset hit;

		if (!q->has_effective && !q->has_affinity)
			continue;
		cpuset_and(&hit, on, iso);
		if (!cpuset_empty(&hit))
			json_array_append_new(on_iso, json_pack("{s:i,s:s,s:o}", "irq", q->num, "name", q->name, "cpus",
								json_cpus(on)));
	}
	json_object_set_new(o, "irqs", json_pack("{s:i,s:o}", "count", (int)h->nirqs, "on_isolated", on_iso));
	return o;
}

json_t *profile_to_json(const struct profile *p)
{
	char size[32];

	return json_pack("{s:s,s:s,s:o,s:o,s:o,s:i,s:o,s:{s:s,s:b,s:s}}", "name", p->name ? p->name : "", "source",
			 p->source ? p->source : "", "isolated_cores", json_cpus(&p->isolated), "housekeeping_cores",
			 json_cpus(&p->housekeeping), "nic",
			 p->nic ? json_string(p->nic->name[0] ? p->nic->name : p->nic->pci) : json_null(), "nic_node",
			 p->nic_node, "hugepage_size",
			 p->hugepage_kb ? json_string(format_size_kb(p->hugepage_kb, size, sizeof(size))) : json_null(),
			 "stack", "name", stack_info((enum nic_stack)p->stack)->name, "detected", p->stack_auto, "why",
			 p->stack_why);
}

json_t *report_to_json(const struct report *r)
{
	json_t *o = json_object(), *checks_json = json_array();
	struct summary s;

	json_object_set_new(o, "schema", json_string("tickready.audit/1"));
	json_object_set_new(o, "root", json_string(r->root ? r->root : "/"));
	json_object_set_new(o, "host", host_to_json(r->host, r->prof));
	json_object_set_new(o, "profile", profile_to_json(r->prof));
	for (size_t i = 0; i < r->n; i++) {
		const struct finding *f = &r->findings[i];

		json_t *c = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o,s:b,s:b}", "id", f->check->id, "area",
				      area_name(f->check->area), "title", f->check->title, "verdict",
				      finding_verdict_name(f), "observed", json_str_or_null(f->observed), "expected",
				      json_str_or_null(f->expected), "remedy", json_str_or_null(f->remedy),
				      "needs_reboot", f->needs_reboot, "pending_reboot", f->pending_reboot);

		if (f->fix_by) {
			json_object_set_new(c, "fixed_by", json_string(fix_by_name(f->fix_by)));
			json_object_set_new(c, "fix_note", json_str_or_null(f->fix_note));
		}
		json_array_append_new(checks_json, c);
	}
	json_object_set_new(o, "checks", checks_json);
	report_summary(r, &s);
	json_object_set_new(o, "summary", json_pack("{s:i,s:i,s:i,s:i,s:i}", "pass", s.pass, "warn", s.warn, "fail",
						    s.fail, "skip", s.skip, "pending_reboot", s.pending));
	return o;
}

int report_write_json(FILE *out, const struct report *r)
{
	json_t *o = report_to_json(r);
	int rc = json_dumpf(o, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);

	json_decref(o);
	fputc('\n', out);
	return rc < 0 ? -EIO : 0;
}

static const char *colour_of(const struct finding *f, bool color)
{
	if (!color)
		return "";
	if (f->verdict == V_FAIL && f->pending_reboot)
		return "\033[36m";
	switch (f->verdict) {
	case V_PASS:
		return "\033[32m";
	case V_WARN:
		return "\033[33m";
	case V_FAIL:
		return "\033[1;31m";
	default:
		return "\033[2m";
	}
}

static const char *verdict_label(const struct finding *f)
{
	static const char *const labels[] = { "PASS", "WARN", "FAIL", "SKIP" };

	if (f->verdict == V_FAIL && f->pending_reboot)
		return "PENDING";
	return (unsigned)f->verdict <= V_SKIP ? labels[f->verdict] : "?";
}

int report_write_text(FILE *out, const struct report *r, bool color)
{
	const char *reset = color ? "\033[0m" : "";
	char iso[256], hk[256];
	struct summary s;
	int shown_area = -1;

	fprintf(out, "tickready audit: profile %s (%s), root %s\n", r->prof->name, r->prof->source,
		r->root ? r->root : "/");
	fprintf(out, "host: kernel %s, %zu cpus, %zu NUMA node(s); isolated %s, housekeeping %s; bypass NIC %s\n",
		r->host->release[0] ? r->host->release : "?", r->host->ncpus, r->host->nnodes,
		cpuset_empty(&r->prof->isolated) ? "none" : cpuset_format(&r->prof->isolated, iso, sizeof(iso)),
		cpuset_format(&r->prof->housekeeping, hk, sizeof(hk)),
		r->prof->nic ? (r->prof->nic->name[0] ? r->prof->nic->name : r->prof->nic->pci) : "none");
	fprintf(out, "stack: %s (%s: %s)\n", stack_info((enum nic_stack)r->prof->stack)->name,
		r->prof->stack_auto ? "detected" : "named", r->prof->stack_why);
	for (size_t i = 0; i < r->n; i++) {
		const struct finding *f = &r->findings[i];

		if ((int)f->check->area != shown_area) {
			shown_area = (int)f->check->area;
			fprintf(out, "\n%s%s%s\n", color ? "\033[1m" : "", area_name(f->check->area), reset);
		}
		fprintf(out, "  %s%-7s%s %-24s %s\n", colour_of(f, color), verdict_label(f), reset, f->check->id,
			f->observed);
		if (f->verdict == V_FAIL || f->verdict == V_WARN) {
			if (f->expected)
				fprintf(out, "  %-7s %-24s expected: %s\n", "", "", f->expected);
			if (f->pending_reboot)
				fprintf(out, "  %-7s %-24s staged for the next boot: reboot to apply\n", "", "");
			else if (f->remedy)
				fprintf(out, "  %-7s %-24s fix: %s%s\n", "", "", f->remedy,
					f->needs_reboot ? " (then reboot)" : "");
			if (!f->pending_reboot && f->fix_by)
				fprintf(out, "  %-7s %-24s %s\n", "", "", fix_by_line(f->fix_by, f->fix_note));
		}
	}
	report_summary(r, &s);
	fprintf(out, "\nsummary: %d pass, %d warn, %d fail, %d skip, %d pending reboot\n", s.pass, s.warn, s.fail,
		s.skip, s.pending);
	return ferror(out) ? -EIO : 0;
}
