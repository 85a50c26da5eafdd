/* Text and JSON writers for audit findings and the host inventory. */
#include "report.h"
#include "stack.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
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
	s->nothing_to_judge = r->host && r->host->ncpus == 0;
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

const char *summary_verdict(const struct summary *s, bool strict)
{
	if (s->fail || (strict && s->warn) || s->nothing_to_judge)
		return "not-ready";
	return s->pending ? "pending-reboot" : "ready";
}

/* A cpu list as its text; the buffer is big enough for any set. */
static void w_cpus(struct jsonw *w, const struct cpuset *s)
{
	char buf[CPUSET_TEXT_MAX];

	jw_str(w, cpuset_format(s, buf, sizeof(buf)));
}

static void w_cpus_if(struct jsonw *w, bool has, const struct cpuset *s)
{
	if (has)
		w_cpus(w, s);
	else
		jw_null(w);
}

/* "" is no value: null. */
static void w_str_or_null(struct jsonw *w, const char *s)
{
	jw_str(w, s && *s ? s : NULL);
}

static void w_int_or_null(struct jsonw *w, bool has, long long v)
{
	if (has)
		jw_int(w, v);
	else
		jw_null(w);
}

static void w_pools(struct jsonw *w, const struct hugepool *pools, int n)
{
	jw_obj(w);
	for (int i = 0; i < n; i++) {
		char key[32];

		jw_key(w, format_size_kb(pools[i].size_kb, key, sizeof(key)));
		w_int_or_null(w, pools[i].nr >= 0, pools[i].nr);
	}
	jw_end(w);
}

static void w_cpus_section(struct jsonw *w, const struct host *h)
{
	jw_obj(w);
	jw_key(w, "present");
	w_cpus_if(w, h->has_present, &h->present);
	jw_key(w, "online");
	w_cpus_if(w, h->has_online, &h->online);
	jw_key(w, "allowed");
	w_cpus_if(w, h->has_allowed, &h->allowed);
	jw_key(w, "allowed_source");
	jw_str(w, h->has_allowed ? h->allowed_source : NULL);
	jw_key(w, "source");
	jw_str(w, h->cpus_from_dirs ? "cpu directories" : "cpu lists");
	jw_key(w, "packages");
	w_int_or_null(w, h->npackages, h->npackages);
	jw_key(w, "cores");
	w_int_or_null(w, h->ncores, h->ncores);
	jw_key(w, "l3_groups");
	jw_arr(w);
	for (size_t i = 0; i < h->nl3; i++)
		w_cpus(w, &h->l3[i]);
	jw_end(w);
	jw_key(w, "isolated");
	if (h->has_isolated)
		w_cpus(w, &h->isolated);
	else
		w_cpus_if(w, h->has_isolcpus_param, &h->isolcpus_param);
	jw_key(w, "nohz_full");
	if (h->has_nohz_full)
		w_cpus(w, &h->nohz_full);
	else
		w_cpus_if(w, h->has_nohz_param, &h->nohz_param);
	jw_key(w, "rcu_nocbs");
	w_cpus_if(w, h->has_rcu_nocbs_param, &h->rcu_nocbs);
	jw_key(w, "smt_threads_per_core");
	w_int_or_null(w, h->smt_threads_per_core, h->smt_threads_per_core);
	jw_key(w, "vendor");
	w_str_or_null(w, h->cpu_vendor);
	jw_key(w, "model");
	w_str_or_null(w, h->cpu_model);
	jw_key(w, "cpuid_brand");
	w_str_or_null(w, h->cpu_brand);
	jw_key(w, "identity_source");
	jw_str(w, h->cpu_source ? h->cpu_source : "unknown");
	jw_key(w, "flags_source");
	jw_str(w, h->cpu_flags_source ? h->cpu_flags_source : "unknown");
	jw_key(w, "flags");
	jw_arr(w);
	for (int b = 0; b < CPU_FLAG_COUNT; b++)
		if (h->cpu_flags & (1u << b))
			jw_str(w, cpu_flag_names[b]);
	jw_end(w);
	jw_end(w);
}

/* A driver's own text (drivers and trees may hold any bytes): printable ASCII, or null. */
static void w_printable_or_null(struct jsonw *w, bool has, const char *s)
{
	char clean[64];

	check_printable(has ? s : "", clean, sizeof(clean));
	w_str_or_null(w, clean);
}

static void w_nic(struct jsonw *w, const struct host *h, const struct nic *n)
{
	char role[128];

	jw_obj(w);
	jw_key(w, "name");
	w_str_or_null(w, n->name);
	jw_key(w, "pci");
	w_str_or_null(w, n->pci);
	jw_key(w, "driver");
	w_str_or_null(w, n->driver);
	jw_key(w, "numa_node");
	jw_int(w, n->numa_node);
	jw_key(w, "local_cpus");
	w_cpus_if(w, n->has_local_cpus, &n->local_cpus);
	jw_key(w, "speed_mbps");
	w_int_or_null(w, n->speed_mbps >= 0, n->speed_mbps);
	jw_key(w, "queues");
	jw_obj(w);
	jw_key(w, "rx");
	jw_int(w, n->rx_queues);
	jw_key(w, "tx");
	jw_int(w, n->tx_queues);
	jw_end(w);
	jw_key(w, "irqs");
	jw_arr(w);
	for (size_t i = 0; i < n->nirqs; i++)
		jw_int(w, n->irqs[i]);
	jw_end(w);
	jw_key(w, "default_route");
	jw_bool(w, n->default_route);
	/* Its role on the instance's cloud (Azure's synthetic NIC and VF, GCP's gVNIC); null for none. */
	jw_key(w, "cloud_role");
	w_str_or_null(w, cloud_nic_text(h, n, role, sizeof(role)));
	if (n->has_link) {
		jw_key(w, "pcie");
		jw_obj(w);
		jw_key(w, "speed");
		jw_str(w, n->link_speed);
		jw_key(w, "max_speed");
		jw_str(w, n->max_link_speed);
		jw_key(w, "width");
		jw_int(w, n->link_width);
		jw_key(w, "max_width");
		jw_int(w, n->max_link_width);
		jw_end(w);
	}
	jw_key(w, "iommu_group");
	w_int_or_null(w, n->iommu_group >= 0, n->iommu_group);
	/* What the driver reports (SIOCETHTOOL drvinfo): firmware drift across a fleet shows here. */
	jw_key(w, "firmware");
	w_printable_or_null(w, n->eth.has_drvinfo, n->eth.firmware);
	jw_key(w, "driver_version");
	w_printable_or_null(w, n->eth.has_drvinfo, n->eth.version);
	jw_end(w);
}

/* Which instance this is: provider and type null off a cloud, DMI's own words beside them. */
static void w_cloud(struct jsonw *w, const struct host_cloud *c)
{
	jw_obj(w);
	jw_key(w, "provider");
	jw_str(w, c->provider);
	jw_key(w, "instance_type");
	w_str_or_null(w, c->instance_type);
	jw_key(w, "kind");
	jw_str(w, cloud_kind_name(c->kind));
	jw_key(w, "kind_source");
	jw_str(w, c->kind_source ? c->kind_source : "unknown");
	jw_key(w, "hypervisor");
	w_str_or_null(w, c->hypervisor);
	jw_key(w, "sys_vendor");
	w_str_or_null(w, c->sys_vendor);
	jw_key(w, "product_name");
	w_str_or_null(w, c->product_name);
	jw_key(w, "bios_vendor");
	w_str_or_null(w, c->bios_vendor);
	jw_end(w);
}

static void w_host(struct jsonw *w, const struct host *h, const struct profile *p)
{
	const struct cpuset *iso = p ? &p->isolated : &h->isolated;

	jw_obj(w);
	jw_key(w, "kernel");
	jw_obj(w);
	jw_key(w, "release");
	w_str_or_null(w, h->release);
	jw_key(w, "cmdline");
	w_str_or_null(w, h->cmdline_raw);
	jw_end(w);
	jw_key(w, "cpus");
	w_cpus_section(w, h);
	jw_key(w, "cloud");
	w_cloud(w, &h->cloud);
	jw_key(w, "numa_nodes");
	jw_arr(w);
	for (size_t i = 0; i < h->nnodes; i++) {
		const struct numa_node *n = &h->nodes[i];

		jw_obj(w);
		jw_key(w, "id");
		jw_int(w, n->id);
		jw_key(w, "cpus");
		w_cpus(w, &n->cpus);
		jw_key(w, "memory_mib");
		w_int_or_null(w, n->memory_mib >= 0, n->memory_mib);
		jw_key(w, "hugepages");
		w_pools(w, n->pools, n->npools);
		jw_end(w);
	}
	jw_end(w);
	jw_key(w, "numa_implicit");
	jw_bool(w, h->nodes_implicit);
	jw_key(w, "numa_overlap");
	w_cpus(w, &h->node_overlap);
	jw_key(w, "hugepages");
	w_pools(w, h->pools, h->npools);
	jw_key(w, "hugetlbfs_mounts");
	jw_arr(w);
	for (size_t i = 0; i < h->nmounts; i++) {
		char size[32];

		jw_obj(w);
		jw_key(w, "path");
		jw_str(w, h->mounts[i].path);
		jw_key(w, "pagesize");
		jw_str(w, format_size_kb(h->mounts[i].pagesize_kb, size, sizeof(size)));
		jw_end(w);
	}
	jw_end(w);
	jw_key(w, "nics");
	jw_arr(w);
	for (size_t i = 0; i < h->nnics; i++)
		w_nic(w, h, &h->nics[i]);
	jw_end(w);
	if (p && p->nroles) {
		/* The NICs the profile's [nic.ROLE] sections name, as resolved on this host. */
		jw_key(w, "nic_roles");
		jw_arr(w);
		for (size_t i = 0; i < p->nroles; i++) {
			const struct profile *v = p->roles[i].view;

			if (!v)
				continue;
			jw_obj(w);
			jw_key(w, "role");
			jw_str(w, p->roles[i].name);
			jw_key(w, "interface");
			jw_str(w, v->nic_wanted);
			jw_key(w, "nic");
			jw_str(w, v->nic ? (v->nic->name[0] ? v->nic->name : v->nic->pci) : NULL);
			jw_key(w, "pci");
			jw_str(w, v->nic && v->nic->pci[0] ? v->nic->pci : NULL);
			jw_key(w, "node");
			jw_int(w, v->nic_node);
			jw_key(w, "cpus");
			if (v->nic_cpus_named)
				w_cpus(w, &v->nic_cpus);
			else
				jw_null(w);
			jw_key(w, "stack");
			jw_str(w, stack_info((enum nic_stack)v->stack)->name);
			jw_end(w);
		}
		jw_end(w);
	}
	jw_key(w, "irqs");
	jw_obj(w);
	jw_key(w, "count");
	jw_int(w, (int)h->nirqs);
	jw_key(w, "on_isolated");
	jw_arr(w);
	for (size_t i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		const struct cpuset *on = q->has_effective ? q->effective : q->affinity;
		struct cpuset hit;

		if (!q->has_effective && !q->has_affinity)
			continue;
		cpuset_and(&hit, on, iso);
		if (cpuset_empty(&hit))
			continue;
		jw_obj(w);
		jw_key(w, "irq");
		jw_int(w, q->num);
		jw_key(w, "name");
		jw_str(w, q->name);
		jw_key(w, "cpus");
		w_cpus(w, on);
		jw_end(w);
	}
	jw_end(w);
	jw_end(w);
	jw_end(w);
}

void profile_write_json(struct jsonw *w, const struct profile *p)
{
	char size[32];

	jw_obj(w);
	jw_key(w, "name");
	jw_str(w, p->name ? p->name : "");
	jw_key(w, "source");
	jw_str(w, p->source ? p->source : "");
	jw_key(w, "isolated_cores");
	w_cpus(w, &p->isolated);
	jw_key(w, "housekeeping_cores");
	w_cpus(w, &p->housekeeping);
	jw_key(w, "nic");
	jw_str(w, p->nic ? (p->nic->name[0] ? p->nic->name : p->nic->pci) : NULL);
	jw_key(w, "nic_node");
	jw_int(w, p->nic_node);
	jw_key(w, "hugepage_size");
	jw_str(w, p->hugepage_kb ? format_size_kb(p->hugepage_kb, size, sizeof(size)) : NULL);
	jw_key(w, "stack");
	jw_obj(w);
	jw_key(w, "name");
	jw_str(w, stack_info((enum nic_stack)p->stack)->name);
	jw_key(w, "detected");
	jw_bool(w, p->stack_auto);
	jw_key(w, "why");
	jw_str(w, p->stack_why);
	jw_end(w);
	jw_end(w);
}

static void profile_write_any(struct jsonw *w, const void *p)
{
	profile_write_json(w, p);
}

json_t *profile_to_json(const struct profile *p)
{
	return jw_tree(profile_write_any, p);
}

static void report_write(struct jsonw *w, const void *arg)
{
	const struct report *r = arg;
	struct summary s;

	jw_obj(w);
	jw_key(w, "schema");
	jw_str(w, "tickready.audit/1");
	jw_key(w, "root");
	jw_str(w, r->root ? r->root : "/");
	jw_key(w, "host");
	w_host(w, r->host, r->prof);
	jw_key(w, "profile");
	profile_write_json(w, r->prof);
	jw_key(w, "profile_origin");
	jw_str(w, r->profile_origin);
	jw_key(w, "checks");
	jw_arr(w);
	for (size_t i = 0; i < r->n; i++) {
		const struct finding *f = &r->findings[i];

		jw_obj(w);
		jw_key(w, "id");
		jw_str(w, f->check->id);
		if (f->role) {
			jw_key(w, "role");
			jw_str(w, f->role);
			jw_key(w, "nic");
			jw_str(w, f->nic);
		}
		jw_key(w, "area");
		jw_str(w, area_name(f->check->area));
		jw_key(w, "title");
		jw_str(w, f->check->title);
		jw_key(w, "verdict");
		jw_str(w, finding_verdict_name(f));
		jw_key(w, "observed");
		w_str_or_null(w, f->observed);
		jw_key(w, "expected");
		w_str_or_null(w, f->expected);
		jw_key(w, "remedy");
		w_str_or_null(w, f->remedy);
		jw_key(w, "needs_reboot");
		jw_bool(w, f->needs_reboot);
		jw_key(w, "pending_reboot");
		jw_bool(w, f->pending_reboot);
		if (f->fix_by) {
			jw_key(w, "fixed_by");
			jw_str(w, fix_by_name(f->fix_by));
			jw_key(w, "fix_note");
			w_str_or_null(w, f->fix_note);
		}
		jw_end(w);
	}
	jw_end(w);
	report_summary(r, &s);
	jw_key(w, "summary");
	jw_obj(w);
	jw_key(w, "pass");
	jw_int(w, s.pass);
	jw_key(w, "warn");
	jw_int(w, s.warn);
	jw_key(w, "fail");
	jw_int(w, s.fail);
	jw_key(w, "skip");
	jw_int(w, s.skip);
	jw_key(w, "pending_reboot");
	jw_int(w, s.pending);
	jw_key(w, "nothing_to_judge");
	jw_bool(w, s.nothing_to_judge);
	jw_end(w);
	jw_key(w, "verdict");
	jw_str(w, summary_verdict(&s, r->strict));
	jw_key(w, "ready");
	jw_bool(w, !strcmp(summary_verdict(&s, r->strict), "ready"));
	jw_key(w, "strict");
	jw_bool(w, r->strict);
	jw_end(w);
}

json_t *report_to_json(const struct report *r)
{
	return jw_tree(report_write, r);
}

int report_write_json(FILE *out, const struct report *r)
{
	struct jsonw w;

	jw_init(&w, out);
	report_write(&w, r);
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
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

int report_write_text(FILE *out, const struct report *r, const struct out_opts *o)
{
	bool color = o->color;
	const char *reset = color ? "\033[0m" : "";
	char iso[256], hk[256];
	struct summary s;
	const char *v;
	char name[96];
	int shown_area = -1, shown = 0;

	if (!o->quiet) {
		fprintf(out, "tickready audit: profile %s (%s%s%s), root %s\n", r->prof->name, r->prof->source,
			r->profile_origin ? "; " : "", r->profile_origin ? r->profile_origin : "", r->root ? r->root : "/");
		fprintf(out, "host: kernel %s, %zu cpus, %zu NUMA node(s); isolated %s, housekeeping %s; bypass NIC %s\n",
			r->host->release[0] ? r->host->release : "?", r->host->ncpus, r->host->nnodes,
			cpuset_empty(&r->prof->isolated) ? "none" : cpuset_format(&r->prof->isolated, iso, sizeof(iso)),
			cpuset_format(&r->prof->housekeeping, hk, sizeof(hk)),
			r->prof->nic ? (r->prof->nic->name[0] ? r->prof->nic->name : r->prof->nic->pci) : "none");
		if (r->host->cloud.provider) {
			char cloud[160];

			fprintf(out, "instance: %s\n", cloud_label(r->host, cloud, sizeof(cloud)));
		}
		{
			size_t shown_nics = 0;

			/* Which instance NICs these are to their cloud: the synthetic and primary ones are never bound. */
			for (size_t i = 0; i < r->host->nnics; i++) {
				const struct nic *n = &r->host->nics[i];
				char role[128];

				if (cloud_nic_text(r->host, n, role, sizeof(role))[0])
					fprintf(out, "%s%s %s", shown_nics++ ? "; " : "cloud NICs: ",
						n->name[0] ? n->name : n->pci, role);
			}
			if (shown_nics)
				putc('\n', out);
		}
		fprintf(out, "stack: %s (%s: %s)\n", stack_info((enum nic_stack)r->prof->stack)->name,
			r->prof->stack_auto ? "detected" : "named", r->prof->stack_why);
		for (size_t i = 0, shown_roles = 0; i < r->prof->nroles; i++) {
			const struct profile *v = r->prof->roles[i].view;
			char cpus[256];

			if (!v)
				continue;
			fprintf(out, "%s%s %s", shown_roles++ ? ", " : "NIC roles: ", r->prof->roles[i].name,
				v->nic ? (v->nic->name[0] ? v->nic->name : v->nic->pci) : "(none here)");
			if (v->nic)
				fprintf(out, " (node %d, cpus %s, %s)", v->nic_node,
					v->nic_cpus_named ? cpuset_format(&v->nic_cpus, cpus, sizeof(cpus)) : "isolated",
					stack_info((enum nic_stack)v->stack)->name);
		}
		if (r->prof->nroles)
			fputc('\n', out);
	}
	for (size_t i = 0; i < r->n; i++) {
		const struct finding *f = &r->findings[i];

		/* Quiet: the failures and what waits for a reboot (a pending fail), no area headings. */
		if (o->quiet && f->verdict != V_FAIL)
			continue;
		shown++;
		if (!o->quiet && (int)f->check->area != shown_area) {
			shown_area = (int)f->check->area;
			fprintf(out, "\n%s%s%s\n", color ? "\033[1m" : "", area_name(f->check->area), reset);
		}
		fprintf(out, "  %s%-7s%s %-24s %s%s%s\n", colour_of(f, color), verdict_label(f), reset,
			finding_name(f, name, sizeof(name)), f->nic ? f->nic : "", f->nic ? ": " : "", f->observed);
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
	fprintf(out, "%ssummary: %d pass, %d warn, %d fail, %d skip, %d pending reboot\n", o->quiet && !shown ? "" : "\n",
		s.pass, s.warn, s.fail, s.skip, s.pending);
	/* The same words as report's verdict line. */
	v = summary_verdict(&s, r->strict);
	fprintf(out, "%s\n", !strcmp(v, "ready") ? "READY" : !strcmp(v, "pending-reboot") ? "PENDING REBOOT" : "NOT READY");
	return ferror(out) ? -EIO : 0;
}
