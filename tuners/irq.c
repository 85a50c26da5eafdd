/* IRQ tuners: irqbalance, every movable IRQ and the default affinity to housekeeping cores. */
#include "tuners.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define IRQBALANCE_CONF "/etc/default/irqbalance"
#define IRQBALANCE_UNIT "irqbalance.service"

#define CPULIST_VAR "IRQBALANCE_BANNED_CPULIST"
#define CPUS_VAR "IRQBALANCE_BANNED_CPUS"
#define CPUS_OFF "# off by tickready: irqbalance 1.9 still applies it, over " CPULIST_VAR ": "

/*
 * The config with every IRQBALANCE_BANNED_CPULIST assignment set to list (one appended when there
 * is none), and each non-empty IRQBALANCE_BANNED_CPUS commented out: irqbalance 1.9 logs that
 * variable as "discarded" yet still applies it, over the list (setup_banned_cpus()).
 */
static char *banned_conf(const char *text, size_t len, const char *list)
{
	struct strbuf sb = { 0 };
	size_t pos = 0;
	bool has_list = false;

	while (pos < len) {
		const char *l = text + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		char value[256];

		if (shell_assigns(l, n, CPULIST_VAR, value, sizeof(value))) {
			strbuf_addf(&sb, CPULIST_VAR "=%s", list);
			has_list = true;
		} else if (shell_assigns(l, n, CPUS_VAR, value, sizeof(value)) && value[0]) {
			strbuf_addf(&sb, CPUS_OFF "%.*s", (int)n, l);
		} else {
			strbuf_addf(&sb, "%.*s", (int)n, l);
		}
		if (nl)
			strbuf_add(&sb, "\n");
		pos += n + (nl ? 1 : 0);
	}
	if (!has_list)
		strbuf_addf(&sb, "%s" CPULIST_VAR "=%s\n", len && text[len - 1] != '\n' ? "\n" : "", list);
	return strbuf_detach(&sb);
}

/* What the config bans now, for the plan's current value; NULL when it sets neither variable. */
static const char *banned_now(const char *text, size_t len, char *buf, size_t size)
{
	char cpus[200], cpulist[200];

	if (!text)
		return NULL;
	if (shell_var(text, len, CPUS_VAR, cpus, sizeof(cpus)) && cpus[0]) {
		snprintf(buf, size, CPUS_VAR "=%s (overrides the list)", cpus);
		return buf;
	}
	if (shell_var(text, len, CPULIST_VAR, cpulist, sizeof(cpulist))) {
		snprintf(buf, size, "%s", cpulist);
		return buf;
	}
	return NULL;
}

static void add_systemctl(const struct tune_ctx *ctx, struct plan *p, const char *check, const char *const *argv_do,
			  const char *const *argv_undo, const char *shell)
{
	struct change *c;

	if (!ctx->sr->live)
		return;
	c = plan_add(p, check, CK_SERVICE, IRQBALANCE_UNIT, NULL, NULL, argv_do[1]);
	if (!c)
		return;
	c->live_only = true;
	c->argv_do = argv_pack(argv_do);
	c->argv_undo = argv_undo ? argv_pack(argv_undo) : NULL;
	c->shell = xstrdup(shell);
}

static int plan_irqbalance(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	const char *want = profile_str(ctx->prof, PK_IRQBALANCE);
	char list[CPUSET_TEXT_MAX], now[256], *text = NULL, *next;
	struct change *c;
	size_t len = 0;
	int rc;

	if (!want)
		return 0;
	if (!strcmp(want, "off")) {
		if (!ctx->sr->live) {
			plan_add_manual(p, f, "systemctl disable --now " IRQBALANCE_UNIT);
			return 0;
		}
		add_systemctl(ctx, p, f->check->id,
			      (const char *const[]){ "systemctl", "disable", "--now", IRQBALANCE_UNIT, NULL },
			      (const char *const[]){ "systemctl", "enable", "--now", IRQBALANCE_UNIT, NULL },
			      "systemctl disable --now " IRQBALANCE_UNIT);
		return 0;
	}
	cpuset_format(&ctx->prof->isolated, list, sizeof(list));
	rc = tree_read(ctx->sr, IRQBALANCE_CONF, &text, &len);
	if (rc < 0 && rc != -ENOENT)
		return 0;
	next = banned_conf(text ? text : "", len, list);
	if (!text || strcmp(text, next)) {
		if (!text)
			tune_parent_dirs(ctx, p, f->check->id, IRQBALANCE_CONF);
		c = plan_add(p, f->check->id, text ? CK_WRITE : CK_CREATE, IRQBALANCE_CONF " " CPULIST_VAR,
			     IRQBALANCE_CONF, banned_now(text, len, now, sizeof(now)), next);
		if (c) {
			char tmp[256];

			const char *cpus_off = strstr(next, CPUS_OFF) ? "; sed -i 's/^" CPUS_VAR "=/#&/' " IRQBALANCE_CONF : "";

			if (text && shell_var(text, len, CPULIST_VAR, tmp, sizeof(tmp)))
				change_set(&c->shell, "sed -i 's/^" CPULIST_VAR "=.*/" CPULIST_VAR "=%s/' " IRQBALANCE_CONF "%s",
					   list, cpus_off);
			else
				change_set(&c->shell, "echo " CPULIST_VAR "=%s >> " IRQBALANCE_CONF "%s", list, cpus_off);
			tune_guard_cpus(ctx, c);
		}
		/* irqbalance reads its config at start. */
		add_systemctl(ctx, p, f->check->id,
			      (const char *const[]){ "systemctl", "try-restart", IRQBALANCE_UNIT, NULL },
			      (const char *const[]){ "systemctl", "try-restart", IRQBALANCE_UNIT, NULL },
			      "systemctl try-restart " IRQBALANCE_UNIT);
	}
	free(text);
	free(next);
	return 0;
}

static const char *const irqbalance_checks[] = { "irq.irqbalance", NULL };
const struct tuner tuner_irqbalance = { "irqbalance", irqbalance_checks, plan_irqbalance };

static const struct nic *nic_of_irq(const struct host *h, int irq)
{
	for (size_t i = 0; i < h->nnics; i++)
		for (size_t k = 0; k < h->nics[i].nirqs; k++)
			if (h->nics[i].irqs[k] == irq)
				return &h->nics[i];
	return NULL;
}

/* Housekeeping cores, narrowed to the NIC's node for a NIC's IRQs when that leaves any. */
static void irq_target(const struct tune_ctx *ctx, const struct nic *n, struct cpuset *out)
{
	const struct numa_node *node = n && n->numa_node >= 0 ? host_node(ctx->host, n->numa_node) : NULL;

	*out = ctx->prof->housekeeping;
	if (node) {
		struct cpuset local;

		cpuset_and(&local, &ctx->prof->housekeeping, &node->cpus);
		if (!cpuset_empty(&local))
			*out = local;
	}
}

/* In a tree the kernel does not recompute the other affinity files: write them as it would. */
static void emulate_irq(const struct tune_ctx *ctx, struct plan *p, const char *check, int num,
			const struct cpuset *want)
{
	char text[CPUSET_TEXT_MAX];
	char path[64];
	struct change *c;

	snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list", num);
	if (sysroot_exists(ctx->sr, path)) {
		c = plan_add(p, check, CK_WRITE, path, path, NULL, cpuset_format(want, text, sizeof(text)));
		if (c)
			c->tree_only = true;
	}
	snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity", num);
	if (sysroot_exists(ctx->sr, path)) {
		c = plan_add(p, check, CK_WRITE, path, path, NULL, cpuset_format_mask(want, text, sizeof(text)));
		if (c)
			c->tree_only = true;
	}
}

static int plan_irq_affinity(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	char now[CPUSET_TEXT_MAX], next[CPUSET_TEXT_MAX];
	const struct host *h = ctx->host;

	if (cpuset_empty(&ctx->prof->housekeeping))
		return 0;
	for (size_t i = 0; i < h->nirqs; i++) {
		const struct irq *irq = &h->irqs[i];
		const struct nic *n;
		struct cpuset want;
		struct change *c;
		char path[64];

		if (!irq->has_affinity)
			continue;
		n = nic_of_irq(h, irq->num);
		/* The management NIC's IRQs are left alone once off the isolated cores: node locality is not worth the risk. */
		if (n && ctx->mgmt && mgmt_reason(ctx->mgmt, n) && cpuset_subset(&irq->affinity, &ctx->prof->housekeeping))
			continue;
		irq_target(ctx, n, &want);
		if (cpuset_subset(&irq->affinity, &want))
			continue;
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", irq->num);
		c = plan_add(p, f->check->id, CK_WRITE, path, path, cpuset_format(&irq->affinity, now, sizeof(now)),
			     cpuset_format(&want, next, sizeof(next)));
		if (!c)
			continue;
		change_set(&c->shell, "echo %s > %s", next, path);
		c->refusable = true;
		tune_guard_cpus(ctx, c);
		tune_guard_nic(ctx, c, n);
		if (!c->blocked && !ctx->sr->live)
			emulate_irq(ctx, p, f->check->id, irq->num, &want);
	}
	return 0;
}

static const char *const affinity_checks[] = { "irq.affinity", "irq.nic_node", NULL };
const struct tuner tuner_irq_affinity = { "irq_affinity", affinity_checks, plan_irq_affinity };

static int plan_default_affinity(const struct tune_ctx *ctx, const struct finding *f, struct plan *p)
{
	static const char path[] = "/proc/irq/default_smp_affinity";
	char text[CPUSET_TEXT_MAX / 2], next[CPUSET_TEXT_MAX / 2];
	struct cpuset now;
	struct change *c;

	if (cpuset_empty(&ctx->prof->housekeeping) || sysroot_read_str(ctx->sr, path, text, sizeof(text)) < 0 ||
	    (cpuset_parse_mask(&now, text) == 0 && cpuset_equal(&now, &ctx->prof->housekeeping)))
		return 0;
	cpuset_format_mask(&ctx->prof->housekeeping, next, sizeof(next));
	c = plan_add(p, f->check->id, CK_WRITE, path, path, text, next);
	if (c) {
		change_set(&c->shell, "echo %s > %s", next, path);
		tune_guard_cpus(ctx, c);
	}
	return 0;
}

static const char *const default_checks[] = { "irq.default_affinity", NULL };
const struct tuner tuner_default_affinity = { "default_affinity", default_checks, plan_default_affinity };
