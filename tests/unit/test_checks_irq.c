/* irq.* checks on the base fixture: pass as shipped, fail after one change, skip on missing or garbage files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"

#define CFG "/etc/default/irqbalance"
#define WANTS "/etc/systemd/system/multi-user.target.wants/irqbalance.service"

/* The base /proc/interrupts header and an nvme device at 0000:af:00.0 with four vectors. */
#define INTERRUPTS_HEAD \
	"            CPU0       CPU1       CPU2       CPU3       CPU4       CPU5       CPU6       CPU7\n" \
	"   8:          0          1          0          0          0          0          0          0   IO-APIC   8-edge      rtc0\n"
#define NVME_IRQ(n, q) \
	"  " #n ":          1          0          0          0          0          0          0          0  " \
	"IR-PCI-MSIX-0000:af:00.0    " #q "-edge      nvme0q" #q "\n"

static void irqbalance_running(struct fx *fx)
{
	fx_write(fx, "/proc/777/comm", "irqbalance\n");
	fx_profile(fx, "[irq]\nirqbalance = banned");
}

/* ---- irq.irqbalance, profile off ---- */

static void test_irqbalance_off(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "not running");
	fx_write(fx, "/proc/777/comm", "irqbalance\n");
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "pid 777");
	assert_has(f->remedy, "systemctl disable --now irqbalance");
}

/* Stopped but enabled: it comes back at boot. */
static void test_irqbalance_enabled(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, WANTS, "");	/* makes the directory */
	fx_remove(fx, WANTS);
	fx_symlink(fx, "/lib/systemd/system/irqbalance.service", WANTS);
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "enabled");
	assert_has(f->remedy, "systemctl disable irqbalance");
}

static void test_irqbalance_skip(void **state)
{
	struct fx *fx = *state;

	fx_profile(fx, "[irq]\nirqbalance = any");
	assert_verdict(fx_check(fx, "irq.irqbalance"), V_SKIP);
}

/* ---- irq.irqbalance, profile banned ---- */

/* No banned-cpu setting (the base file has only comments): 1.9 bans isolated and nohz_full itself. */
static void test_irqbalance_auto_ban(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	irqbalance_running(fx);
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "bans the kernel's isolated and nohz_full cpus '2-3,6-7'");
	/* An empty assignment counts as unset, as in irqbalance. */
	fx_write(fx, CFG, "IRQBALANCE_BANNED_CPULIST=\n");
	assert_verdict(fx_check(fx, "irq.irqbalance"), V_PASS);
	/* The kernel isolates only 2-3: the auto ban misses 6-7. */
	fx_write(fx, "/sys/devices/system/cpu/isolated", "2-3\n");
	fx_write(fx, "/sys/devices/system/cpu/nohz_full", "2-3\n");
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolated cores '6-7'");
	assert_has(f->remedy, "IRQBALANCE_BANNED_CPULIST=2-3,6-7 in " CFG ", then systemctl restart irqbalance");
}

/* An explicit list replaces the automatic ban. */
static void test_irqbalance_cpulist(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	irqbalance_running(fx);
	fx_write(fx, CFG, "# irqbalance\n#IRQBALANCE_BANNED_CPULIST=2-7\nexport IRQBALANCE_BANNED_CPULIST=\"2-3\"\n");
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolated cores '6-7'");
	assert_has(f->observed, "IRQBALANCE_BANNED_CPULIST='2-3'");
	assert_has(f->remedy, "IRQBALANCE_BANNED_CPULIST=2-3,6-7");
	fx_write(fx, CFG, "IRQBALANCE_BANNED_CPULIST='2-3,6-7'\n");
	assert_verdict(fx_check(fx, "irq.irqbalance"), V_PASS);
	fx_write(fx, CFG, "IRQBALANCE_BANNED_CPULIST=two\n");
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "does not parse");
}

/* The deprecated hex mask still applies in 1.9, and it wins over the list. */
static void test_irqbalance_old_mask(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	irqbalance_running(fx);
	fx_write(fx, CFG, "IRQBALANCE_BANNED_CPUS=cc\n");
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "deprecated");
	fx_write(fx, CFG, "IRQBALANCE_BANNED_CPUS=0c\nIRQBALANCE_BANNED_CPULIST=2-3,6-7\n");
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolated cores '6-7'");
	assert_has(f->remedy, "remove IRQBALANCE_BANNED_CPUS");
}

/* What the running daemon got beats the file; a file that differs matters at the next restart. */
static void test_irqbalance_environ(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;
	static const char env[] = "PATH=/bin\0IRQBALANCE_BANNED_CPULIST=2-3\0IRQBALANCE_ARGS=\0";
	char path[PATH_MAX];
	FILE *fp;

	irqbalance_running(fx);
	snprintf(path, sizeof(path), "%s", fx_path(fx, "/proc/777/environ"));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fwrite(env, 1, sizeof(env) - 1, fp);
	fclose(fp);
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "from /proc/777/environ");
	assert_has(f->observed, "fixed but not yet applied");
	assert_has(f->remedy, "systemctl restart irqbalance");
	fx_write(fx, "/proc/777/environ", "PATH=/bin");
	fx_write(fx, CFG, "IRQBALANCE_BANNED_CPULIST=2-3\n");
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "next restart");
}

/* banned = stopped, or running with the ban: stopped moves nothing onto isolated cores. */
static void test_irqbalance_banned_not_running(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[irq]\nirqbalance = banned");
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "not running");
}

/* The kernel isolates nothing and no list is set: irqbalance bans nothing. */
static void test_irqbalance_nothing_isolated(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	irqbalance_running(fx);
	fx_write(fx, "/sys/devices/system/cpu/isolated", "\n");
	fx_write(fx, "/sys/devices/system/cpu/nohz_full", "\n");
	f = fx_check(fx, "irq.irqbalance");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolated cores '2-3,6-7'");
	assert_has(f->observed, "it bans none");
}

static void test_irqbalance_banned_skip(void **state)
{
	struct fx *fx = *state;

	irqbalance_running(fx);
	fx_remove(fx, "/sys/devices/system/cpu/isolated");
	fx_remove(fx, "/sys/devices/system/cpu/nohz_full");
	assert_verdict(fx_check(fx, "irq.irqbalance"), V_SKIP);
}

/* ---- irq.affinity ---- */

static void test_affinity_pass(void **state)
{
	const struct finding *f = fx_check(*state, "irq.affinity");

	assert_verdict(f, V_PASS);
	assert_has(f->observed, "none of 9 IRQs");
}

static void test_affinity_moved(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, "/proc/irq/8/smp_affinity_list", "2\n");
	fx_write(fx, "/proc/irq/8/effective_affinity_list", "2\n");
	f = fx_check(fx, "irq.affinity");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "1 IRQs on isolated cores: 8 (rtc0) on 2");
	assert_has(f->remedy, "echo 0-1,4-5 > /proc/irq/8/smp_affinity_list");
	assert_false(f->needs_reboot);
}

/* Without an effective list, the requested affinity counts. */
static void test_affinity_no_effective(void **state)
{
	struct fx *fx = *state;

	fx_remove(fx, "/proc/irq/24/effective_affinity_list");
	fx_write(fx, "/proc/irq/24/smp_affinity_list", "0-7\n");
	assert_verdict(fx_check(fx, "irq.affinity"), V_FAIL);
	assert_has(fx->f.observed, "24 (eno1-TxRx-0) on 0-7");
}

static void test_affinity_many(void **state)
{
	struct fx *fx = *state;
	static const int irqs[] = { 0, 8, 24, 25, 26, 27, 28, 29, 30 };
	char path[64];

	for (size_t i = 0; i < sizeof(irqs) / sizeof(irqs[0]); i++) {
		snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list", irqs[i]);
		fx_write(fx, path, "6\n");
	}
	assert_verdict(fx_check(fx, "irq.affinity"), V_FAIL);
	assert_has(fx->f.observed, "9 IRQs on isolated cores");
	assert_has(fx->f.observed, "and 1 more");
	assert_null(strstr(fx->f.remedy, "/proc/irq/30/"));
}

/* debugfs: per-cpu IRQs are left out; managed ones on isolated-only masks warn. */
static void test_affinity_debugfs(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, "/proc/irq/8/smp_affinity_list", "2\n");
	fx_write(fx, "/proc/irq/8/effective_affinity_list", "2\n");
	fx_write(fx, "/sys/kernel/debug/irq/irqs/8", "handler:  handle_edge_irq\ndstate:   0x3640a200\n"
		 "            IRQD_ACTIVATED\n            IRQD_IRQ_STARTED\n            IRQD_AFFINITY_MANAGED\n");
	f = fx_check(fx, "irq.affinity");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "managed by the kernel, cannot be moved");
	assert_has(f->observed, "isolcpus=managed_irq keeps them off isolated cores when possible");
	fx_write(fx, "/sys/kernel/debug/irq/irqs/8", "dstate:   0x0\n            IRQD_PER_CPU\n");
	f = fx_check(fx, "irq.affinity");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "per-cpu");
	fx_write(fx, "/sys/kernel/debug/irq/irqs/8", "dstate:   0x0\n            IRQD_IRQ_STARTED\n");
	assert_verdict(fx_check(fx, "irq.affinity"), V_FAIL);
}

/* A managed IRQ with housekeeping cpus in its mask, and no isolcpus=managed_irq: the boot line fixes it. */
static void test_affinity_managed_boot(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, "/proc/irq/8/smp_affinity_list", "0-3\n");
	fx_write(fx, "/proc/irq/8/effective_affinity_list", "2\n");
	fx_write(fx, "/sys/kernel/debug/irq/irqs/8", "            IRQD_AFFINITY_MANAGED\n");
	assert_verdict(fx_check(fx, "irq.affinity"), V_WARN);	/* base has managed_irq */
	fx_write(fx, "/proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz root=UUID=1b7c ro isolcpus=domain,2-3,6-7 "
		 "nohz_full=2-3,6-7\n");
	f = fx_check(fx, "irq.affinity");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "isolcpus=managed_irq,domain,2-3,6-7");
	assert_true(f->needs_reboot);
}

/* No debugfs: a device whose vectors are spread one group per cpu set looks kernel-managed. */
static void test_affinity_managed_guess(void **state)
{
	struct fx *fx = *state;
	static const char *const masks[] = { "0-1", "2-3", "4-5", "6-7" };
	const struct finding *f;
	char path[64];

	fx_write(fx, "/proc/interrupts", INTERRUPTS_HEAD NVME_IRQ(40, 1) NVME_IRQ(41, 2) NVME_IRQ(42, 3)
		 NVME_IRQ(43, 4) NVME_IRQ(44, 0));
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", 40 + i);
		fx_write(fx, path, masks[i]);
		snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list", 40 + i);
		fx_write(fx, path, masks[i] + 2);
	}
	/* The admin queue is not managed: default affinity, on housekeeping cores. */
	fx_write(fx, "/proc/irq/44/smp_affinity_list", "0-7\n");
	fx_write(fx, "/proc/irq/44/effective_affinity_list", "0\n");
	f = fx_check(fx, "irq.affinity");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "41 (nvme0q2) on 3");
	assert_has(f->observed, "43 (nvme0q4) on 7");
	assert_has(f->observed, "no debugfs");
	/* Overlapping masks are not the kernel's spreading: plain failures. */
	fx_write(fx, "/proc/irq/40/smp_affinity_list", "0-2\n");
	f = fx_check(fx, "irq.affinity");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "echo 0-1,4-5 > /proc/irq/41/smp_affinity_list");
}

static void test_affinity_skip(void **state)
{
	struct fx *fx = *state;

	fx_remove(fx, "/proc/interrupts");
	assert_verdict(fx_check(fx, "irq.affinity"), V_SKIP);
}

/* ---- irq.default_affinity ---- */

static void test_default_affinity(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "irq.default_affinity"), V_PASS);
	fx_write(fx, "/proc/irq/default_smp_affinity", "ff\n");
	f = fx_check(fx, "irq.default_affinity");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "isolated cores '2-3,6-7' included");
	assert_has(f->remedy, "echo 33 > /proc/irq/default_smp_affinity");
	fx_write(fx, "/proc/irq/default_smp_affinity", "00000000,00000003\n");
	assert_verdict(fx_check(fx, "irq.default_affinity"), V_PASS);
}

static void test_default_affinity_skip(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_write(fx, "/proc/irq/default_smp_affinity", "zz\n");
	f = fx_check(fx, "irq.default_affinity");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "'zz'");
	fx_write(fx, "/proc/irq/default_smp_affinity", "");
	assert_verdict(fx_check(fx, "irq.default_affinity"), V_SKIP);
	fx_remove(fx, "/proc/irq/default_smp_affinity");
	f = fx_check(fx, "irq.default_affinity");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "/proc/irq/default_smp_affinity");
}

/* ---- irq.nic_node ---- */

static void test_nic_node(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	f = fx_check(fx, "irq.nic_node");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "3 IRQs of ens1f0 on '0-1'");
	/* Housekeeping, but on the other node. */
	fx_write(fx, "/proc/irq/28/effective_affinity_list", "4\n");
	f = fx_check(fx, "irq.nic_node");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "28 (mlx5_comp0@pci:0000:3b:00.0) on 4");
	assert_has(f->remedy, "echo 0-1 > /proc/irq/28/smp_affinity_list");
}

static void test_nic_node_skip(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[nic]\ninterface = 0000:5e:00.0");
	f = fx_check(fx, "irq.nic_node");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "vfio-pci");
	fx_profile(fx, "[nic]\ninterface = none");
	assert_verdict(fx_check(fx, "irq.nic_node"), V_SKIP);
	fx_profile(fx, "[nic]\ninterface = ens1f0\n[irq]\nnic_irqs_local = no");
	f = fx_check(fx, "irq.nic_node");
	assert_verdict(f, V_SKIP);
	assert_has(f->observed, "profile does not ask");
}

/* Vectors allocated but not requested (absent from /proc/interrupts) never fire. */
static void test_nic_node_unrequested(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, "/proc/interrupts", INTERRUPTS_HEAD);
	assert_verdict(fx_check(fx, "irq.nic_node"), V_SKIP);
	assert_has(fx->f.observed, "none of ens1f0's 3 IRQs");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_base, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_irqbalance_off),
		T(test_irqbalance_enabled),
		T(test_irqbalance_skip),
		T(test_irqbalance_auto_ban),
		T(test_irqbalance_cpulist),
		T(test_irqbalance_old_mask),
		T(test_irqbalance_environ),
		T(test_irqbalance_banned_not_running),
		T(test_irqbalance_nothing_isolated),
		T(test_irqbalance_banned_skip),
		T(test_affinity_pass),
		T(test_affinity_moved),
		T(test_affinity_no_effective),
		T(test_affinity_many),
		T(test_affinity_debugfs),
		T(test_affinity_managed_boot),
		T(test_affinity_managed_guess),
		T(test_affinity_skip),
		T(test_default_affinity),
		T(test_default_affinity_skip),
		T(test_nic_node),
		T(test_nic_node_skip),
		T(test_nic_node_unrequested),
	};

	return cmocka_run_group_tests_name("checks: irq", tests, NULL, NULL);
}
