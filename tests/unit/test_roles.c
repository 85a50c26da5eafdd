/* NIC roles: [nic.ROLE] sections parsed and checked, the per-NIC checks run once per role on tests/fixtures/roles. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"
#include "plan.h"
#include "util.h"

#define PROFILES TEST_SRCDIR "/tests/fixtures/profiles/"

/* A profile from text, as if it were PROFILES/t.ini (so include = base.ini is found). */
static int load(struct profile *p, const char *text, struct profile_error *err)
{
	return profile_load_string(p, text, PROFILES "t.ini", err);
}

static void expect_error(const char *text, const char *msg)
{
	struct profile_error err;
	struct profile p;

	assert_int_equal(load(&p, text, &err), -EINVAL);
	assert_has(err.msg, msg);
}

static void test_parse(void **state)
{
	struct profile_error err;
	struct profile p;

	(void)state;
	assert_int_equal(load(&p,
			      "[nic]\ninterface = auto\nrx_usecs = 0\ncpus = 6\n"
			      "[nic.feed]\ninterface = ens1f0\ncpus = 2\n"
			      "[nic.orders]\ninterface = 0000:86:00.0\nrx_usecs = 8\ncpus_shared = yes\n"
			      "[nic.feed]\nrx_ring = max\n",
			      &err),
			 0);
	assert_int_equal(p.nroles, 2);
	assert_string_equal(p.roles[0].name, "feed");
	assert_int_equal(p.roles[0].line, 5);
	assert_string_equal(p.roles[0].v[PK_NIC_INTERFACE].raw, "ens1f0");
	assert_string_equal(p.roles[0].v[PK_RX_RING].raw, "max");	/* a section opened twice is one role */
	assert_int_equal(p.roles[0].v[PK_RX_RING].line, 13);
	assert_null(p.roles[0].v[PK_RX_USECS].raw);
	assert_string_equal(p.roles[1].v[PK_RX_USECS].raw, "8");
	assert_string_equal(p.v[PK_RX_USECS].raw, "0");	/* the default [nic] keeps its own */
	profile_free(&p);
}

/* Includes: a child adds keys to its parent's role. */
static void test_include(void **state)
{
	struct profile_error err;
	struct profile p;

	(void)state;
	assert_int_equal(load(&p, "[profile]\ninclude = roles.ini\n[nic.orders]\ncpus = 6\n", &err), 0);
	assert_int_equal(p.nroles, 2);
	assert_string_equal(p.roles[1].name, "orders");
	assert_string_equal(p.roles[1].v[PK_NIC_CPUS].raw, "6");
	assert_string_equal(p.roles[1].v[PK_NIC_INTERFACE].raw, "ens2f0");
	profile_free(&p);
}

static void test_bad_input(void **state)
{
	(void)state;
	expect_error("[nic.Feed]\ninterface = ens1f0\n", "t.ini:1: bad NIC role name 'Feed' in [nic.Feed]");
	expect_error("[nic.]\ninterface = ens1f0\n", "t.ini:1: bad NIC role name '' in [nic.]");
	expect_error("[nic.a/b]\ninterface = ens1f0\n", "t.ini:1: bad NIC role name 'a/b'");
	expect_error("[nic.feed]\ninterface = ens1f0\ngovernor = performance\n", "t.ini:3: unknown key 'governor' in [nic.feed]");
	expect_error("[nic.feed]\ninterface = auto\n", "t.ini:2: [nic.feed] interface: auto (and any) picks only the default [nic]");
	expect_error("[nic.feed]\ncpus = 2-x\ninterface = ens1f0\n", "t.ini:2: [nic.feed] cpus: invalid cpu list '2-x'");
	expect_error("[cpu]\ngovernor = performance\n\n[nic.feed]\nrx_usecs = 0\n", "t.ini:4: [nic.feed] names no interface");
	expect_error("[nic.feed]\n", "t.ini:1: [nic.feed] names no interface");
}

struct run {
	struct sysroot sr;
	struct host host;
	struct profile prof;
	struct finding *f;
	size_t n;
};

/* Every check on tests/fixtures/roles against roles.ini plus extra; 0, or the resolve error. */
static int run_roles(struct run *r, const char *extra, struct profile_error *err)
{
	char *text = xasprintf("[profile]\ninclude = roles.ini\n%s", extra);
	int rc;

	memset(r, 0, sizeof(*r));
	assert_int_equal(sysroot_open(&r->sr, TEST_SRCDIR "/tests/fixtures/roles"), 0);
	host_load(&r->host, &r->sr);
	rc = load(&r->prof, text, err);
	free(text);
	assert_int_equal(rc, 0);
	rc = profile_resolve(&r->prof, &r->host, err);
	if (rc == 0)
		r->f = checks_run(&(struct check_ctx){ &r->host, &r->prof, &r->sr, NULL }, NULL, &r->n);
	return rc;
}

static void run_free(struct run *r)
{
	findings_free(r->f, r->n);
	profile_free(&r->prof);
	host_free(&r->host);
	sysroot_close(&r->sr);
}

static const struct finding *find(const struct run *r, const char *id, const char *role)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->f[i].check->id, id) && (role ? r->f[i].role && !strcmp(r->f[i].role, role) : !r->f[i].role))
			return &r->f[i];
	fail_msg("no finding %s[%s]", id, role ? role : "");
	return NULL;
}

/* Two chains: feed's holds, orders' breaks at its cores; nothing else fails. */
static void test_two_chains(void **state)
{
	struct profile_error err;
	const struct finding *f;
	struct run r;
	size_t fails = 0;

	(void)state;
	assert_int_equal(run_roles(&r, "", &err), 0);
	assert_non_null(r.prof.roles[1].view->nic);
	assert_string_equal(r.prof.roles[1].view->nic->name, "ens2f0");
	assert_int_equal(r.prof.roles[1].view->nic_node, 1);
	f = find(&r, "nic.chain", NULL);
	assert_verdict(f, V_SKIP);
	f = find(&r, "nic.chain", "feed");
	assert_verdict(f, V_PASS);
	assert_string_equal(f->nic, "ens1f0");
	assert_string_equal(f->observed, "0000:3b:00.0 x16 16GT/s -> node 0 -> cpus 2 -> 4 1G pages on node 0, /dev/hugepages "
					 "-> IRQs on 0-1");
	f = find(&r, "nic.chain", "orders");
	assert_verdict(f, V_FAIL);
	assert_string_equal(f->nic, "ens2f0");
	assert_has(f->observed, "'cores': [nic.orders] cpus 3 not on node 1, the node of ens2f0");
	assert_has(f->remedy, "set [nic.orders] cpus to isolated cpus of node 1 (6-7)");
	assert_verdict(find(&r, "irq.nic_node", "orders"), V_PASS);
	assert_verdict(find(&r, "nic.roles", NULL), V_PASS);
	for (size_t i = 0; i < r.n; i++)
		if (r.f[i].verdict == V_FAIL) {
			fails++;
			assert_string_equal(r.f[i].role, "orders");
		}
	assert_int_equal(fails, 2);	/* nic.chain and nic.numa_isolated */
	run_free(&r);

	/* Orders on cpus of its node: every chain holds. */
	assert_int_equal(run_roles(&r, "[nic.orders]\ncpus = 6-7\n", &err), 0);
	assert_verdict(find(&r, "nic.chain", "orders"), V_PASS);
	assert_verdict(find(&r, "nic.numa_isolated", "orders"), V_PASS);
	run_free(&r);
}

/* Role cpus: overlap fails unless one side says cpus_shared; cpus off the isolated set break the chain. */
static void test_cpus_overlap(void **state)
{
	struct profile_error err;
	const struct finding *f;
	struct run r;

	(void)state;
	assert_int_equal(run_roles(&r, "[nic.feed]\ncpus = 2-3\n[nic.orders]\ncpus = 3,6\n", &err), 0);
	f = find(&r, "nic.roles", NULL);
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "[nic.feed] and [nic.orders] share cpus 3");
	assert_has(f->remedy, "cpus_shared = yes");
	run_free(&r);
	assert_int_equal(run_roles(&r, "[nic.feed]\ncpus = 2-3\n[nic.orders]\ncpus = 3,6\ncpus_shared = yes\n", &err), 0);
	assert_verdict(find(&r, "nic.roles", NULL), V_PASS);
	run_free(&r);
	/* The default [nic] takes part when it names cpus. */
	assert_int_equal(run_roles(&r, "[nic]\ninterface = none\ncpus = 2\n", &err), 0);
	f = find(&r, "nic.roles", NULL);
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "[nic] and [nic.feed] share cpus 2");
	run_free(&r);
	/* A role without cpus shares the isolated cores: a warning. */
	assert_int_equal(run_roles(&r, "[nic.orders]\ncpus = auto\n", &err), 0);
	f = find(&r, "nic.roles", NULL);
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "[nic.orders] names no cpus");
	run_free(&r);
	/* Named cpus not isolated: a broken link. */
	assert_int_equal(run_roles(&r, "[nic.feed]\ncpus = 1-2\n", &err), 0);
	f = find(&r, "nic.chain", "feed");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "[nic.feed] cpus 1 not isolated");
	run_free(&r);
	/* Cpus the host lacks: a resolve error naming the line. */
	assert_int_equal(run_roles(&r, "[nic.feed]\ncpus = 12\n", &err), -EINVAL);
	assert_has(err.msg, "t.ini:4: [nic.feed] cpus names cpus not present on this host: 12");
	run_free(&r);
}

/* The management path: a role on eno1 (the default route's) fails; auto leaves the roles' NICs alone. */
static void test_mgmt_and_auto(void **state)
{
	struct profile_error err;
	const struct finding *f;
	struct run r;

	(void)state;
	assert_int_equal(run_roles(&r, "[nic.orders]\ninterface = eno1\ncpus = 6\n", &err), 0);
	f = find(&r, "nic.roles", NULL);
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "[nic.orders] eno1 is on the management path");
	run_free(&r);
	/* auto would take ens1f0, the first PCI NIC off the management path: feed has it, so it takes ens2f0... */
	assert_int_equal(run_roles(&r, "[nic]\ninterface = auto\n[nic.orders]\ninterface = none\n", &err), 0);
	assert_non_null(r.prof.nic);
	assert_string_equal(r.prof.nic->name, "ens2f0");
	assert_null(r.prof.roles[1].view->nic);
	run_free(&r);
	/* ...and a role's missing NIC is a warning naming it. */
	assert_int_equal(run_roles(&r, "[nic.orders]\ninterface = ens9\n", &err), 0);
	f = find(&r, "nic.roles", NULL);
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "[nic.orders] interface 'ens9' is not on this host");
	f = find(&r, "nic.chain", "orders");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "bypass NIC 'ens9' ([nic.orders] interface) is not on this host");
	run_free(&r);
}

/* The timing NIC: [time] interface, else the [nic.ptp] role's, else [nic]'s. */
static void test_ptp_role(void **state)
{
	struct profile_error err;
	const struct finding *f;
	struct run r;

	(void)state;
	assert_int_equal(run_roles(&r, "[nic.orders]\ninterface = none\n[nic.ptp]\ninterface = ens2f0\ncpus = 6\n"
				       "[time]\nsync = required\nsource = ptp\n", &err), 0);
	f = find(&r, "time.phc", NULL);
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "keeps no timestamping facts for ens2f0");
	run_free(&r);
	assert_int_equal(run_roles(&r, "[nic.ptp]\ninterface = ens2f0\n[time]\nsync = required\nsource = ptp\ninterface = ens1f0\n",
				   &err), 0);
	assert_has(find(&r, "time.phc", NULL)->observed, "for ens1f0");
	run_free(&r);
}

/* [nic.ptp] timestamping = hardware: time.phc wants hardware stamps of that NIC even under NTP. */
static void test_ptp_timestamping(void **state)
{
	struct fx fx = { 0 };
	const struct finding *f;

	(void)state;
	fx_init(&fx, "roles");
	fx_write(&fx, "/.tickready/ethtool/ens2f0/tsinfo",
		 "so_timestamping=0x1a\ntx_types=0x0\nrx_filters=0x0\nphc_index=-1\nsource=ioctl\n");
	fx_profile(&fx, "[nic]\ninterface = none\n[nic.ptp]\ninterface = ens2f0\n[time]\nsync = required\nsource = ntp");
	f = fx_check(&fx, "time.phc");
	assert_verdict(f, V_PASS);	/* under NTP software stamps are only noted */
	assert_has(f->observed, "ens2f0 (mlx5_core): no PTP hardware clock");
	fx_profile(&fx, "[nic.ptp]\ntimestamping = hardware");
	f = fx_check(&fx, "time.phc");
	assert_verdict(f, V_FAIL);
	assert_has(f->expected, "([nic.ptp] timestamping = hardware)");
	assert_has(f->observed, "no PTP hardware clock; no hardware transmit timestamps");
	/* The default [nic]'s own key, for its NIC. */
	fx_profile(&fx, "[nic.ptp]\ntimestamping = software\n[nic]\ninterface = ens1f0\ntimestamping = hardware\n[time]\ninterface = ens1f0");
	fx_write(&fx, "/.tickready/ethtool/ens1f0/tsinfo",
		 "so_timestamping=0x1a\ntx_types=0x0\nrx_filters=0x0\nphc_index=-1\nsource=ioctl\n");
	f = fx_check(&fx, "time.phc");
	assert_verdict(f, V_FAIL);
	assert_has(f->expected, "([nic] timestamping = hardware)");
	fx_done(&fx);
}

/* apply plans a role's changes under "check[role]", on the role's NIC and node, apart from the default's. */
static void test_plan_roles(void **state)
{
	struct profile_error err;
	struct tune_ctx ctx;
	struct plan p;
	struct run r;
	struct finding *f;
	const struct change *node1 = NULL, *feed = NULL;
	bool covered = false;

	(void)state;
	assert_int_equal(run_roles(&r, "[memory]\nhugepages = 6\n[nic.feed]\nrx_usecs = 8\n", &err), 0);
	tune_ctx_init(&ctx, &r.host, &r.prof, &r.sr, r.f, r.n);
	assert_int_equal(plan_build(&p, &ctx), 0);
	for (size_t i = 0; i < p.n; i++) {
		if (strstr(p.v[i].target, "node1"))
			node1 = &p.v[i];
		if (!strcmp(p.v[i].check, "nic.coalesce[feed]"))
			feed = &p.v[i];
	}
	/* orders' node: only its role asks for it, and its row says so */
	assert_non_null(node1);
	assert_string_equal(node1->check, "memory.hugepages[orders]");
	assert_non_null(feed);
	assert_string_equal(feed->target, "ens1f0 rx_usecs");
	/* feed's node is the default's: one write, feed's finding covered by it */
	for (size_t i = 0; i < p.ncovered; i++)
		if (!strcmp(p.covered[i].check, "memory.hugepages[feed]") && !strcmp(p.covered[i].by, "memory.hugepages"))
			covered = true;
	assert_true(covered);
	plan_mark_findings(&p, &r.sr, r.f, r.n);
	f = (struct finding *)find(&r, "memory.hugepages", "orders");
	assert_verdict(f, V_FAIL);
	assert_int_equal(f->fix_by, FIX_NOW);
	f = (struct finding *)find(&r, "memory.hugepages", "feed");
	assert_int_equal(f->fix_by, FIX_NOW);
	assert_int_equal(find(&r, "nic.coalesce", "feed")->fix_by, FIX_NOW);
	assert_int_equal(find(&r, "nic.coalesce", NULL)->verdict, V_SKIP);
	/* orders' chain: hugepages by its role's change, its cores by hand */
	f = (struct finding *)find(&r, "nic.chain", "orders");
	assert_int_equal(f->fix_by, FIX_MANUAL);
	assert_has(f->fix_note, "link 'cores'");
	plan_free(&p);
	tune_ctx_free(&ctx);
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_two_chains),
		cmocka_unit_test(test_cpus_overlap),
		cmocka_unit_test(test_mgmt_and_auto),
		cmocka_unit_test(test_plan_roles),
		cmocka_unit_test(test_ptp_role),
		cmocka_unit_test(test_ptp_timestamping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
