/* Host checks on the base fixture: other tuners, KSM, the held cpu_dma_latency value, L3 sharing, NUMA lists, cgroup cpus; kernel build and boot rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "checktest.h"
#include "util.h"

#define CPU "/sys/devices/system/cpu"
#define CMDLINE "BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=1b7c ro quiet "

static void test_other_tuners(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "tasks.other_tuners"), V_SKIP);
	fx_profile(fx, "[tasks]\nother_tuners = off");
	fx_write(fx, "/proc/1/comm", "systemd\n");
	/* the fixture runs tuned as pid 4242 */
	fx_write(fx, "/etc/tuned/active_profile", "network-latency\n");
	f = fx_check(fx, "tasks.other_tuners");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "tuned running (pid 4242) with profile 'network-latency'");
	assert_has(f->remedy, "systemctl disable --now tuned");
	fx_profile(fx, "[tasks]\nother_tuners = warn");
	assert_verdict(fx_check(fx, "tasks.other_tuners"), V_WARN);
	fx_remove(fx, "/proc/4242");
	assert_verdict(fx_check(fx, "tasks.other_tuners"), V_PASS);
	/* Its name is longer than the kernel keeps: it runs as "power-profiles-". */
	fx_write(fx, "/proc/4300/comm", "power-profiles-\n");
	f = fx_check(fx, "tasks.other_tuners");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "power-profiles-daemon running (pid 4300)");
	assert_has(f->remedy, "systemctl disable --now power-profiles-daemon");
	/* A shorter name with the same start is not it. */
	fx_write(fx, "/proc/4300/comm", "power-profiles\n");
	assert_verdict(fx_check(fx, "tasks.other_tuners"), V_PASS);
}

static void test_ksm(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[memory]\nksm = off");
	f = fx_check(fx, "memory.ksm");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "kernel built without KSM");
	fx_write(fx, "/sys/kernel/mm/ksm/run", "1\n");
	f = fx_check(fx, "memory.ksm");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "echo 0 > /sys/kernel/mm/ksm/run");
	fx_write(fx, "/sys/kernel/mm/ksm/run", "0\n");
	assert_verdict(fx_check(fx, "memory.ksm"), V_PASS);
	fx_write(fx, "/sys/kernel/mm/ksm/run", "x\n");
	assert_verdict(fx_check(fx, "memory.ksm"), V_SKIP);
}

static void test_dma_value(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	/* A profile that does not ask for a holder (one that does has power.cpu_dma_latency judge it). */
	fx_profile(fx, "[power]\ncpu_dma_latency = any\ncpu_dma_latency_max_us = 10");
	assert_verdict(fx_check(fx, "power.dma_latency_value"), V_SKIP);
	fx_write(fx, "/.tickready/cpu_dma_latency", "2000000000\n");
	f = fx_check(fx, "power.dma_latency_value");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "no process holds a constraint");
	fx_write(fx, "/.tickready/cpu_dma_latency", "0\n");
	assert_verdict(fx_check(fx, "power.dma_latency_value"), V_PASS);
}

static void l3(struct fx *fx, int cpu, const char *list)
{
	char path[128];

	snprintf(path, sizeof(path), CPU "/cpu%d/cache/index0/level", cpu);
	fx_write(fx, path, "3\n");
	snprintf(path, sizeof(path), CPU "/cpu%d/cache/index0/shared_cpu_list", cpu);
	fx_write(fx, path, list);
}

static void test_l3(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "cpu.l3_shared"), V_SKIP);
	/* one L3 per package: housekeeping 0-1 shares with isolated 2-3 */
	for (int c = 0; c < 8; c++)
		l3(fx, c, c < 4 ? "0-3\n" : "4-7\n");
	f = fx_check(fx, "cpu.l3_shared");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "L3 0-3: isolated 2-3 with housekeeping 0-1");
	/* CCX-like: two groups per package, housekeeping apart */
	for (int c = 0; c < 8; c++)
		l3(fx, c, c < 2 ? "0-1\n" : c < 4 ? "2-3\n" : c < 6 ? "4-5\n" : "6-7\n");
	f = fx_check(fx, "cpu.l3_shared");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "4 L3 groups");
}

static void test_numa_nodes(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "cpu.numa_nodes"), V_PASS);
	fx_write(fx, "/sys/devices/system/node/node1/cpulist", "3-7\n");
	/* the kernel's cpu3/node0 link says where cpu 3 runs: a firmware flaw, warned */
	f = fx_check(fx, "cpu.numa_nodes");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "2 node(s) as the kernel places the cpus (cpuN/nodeM); the firmware lists cpus 3 under more than one node");
	/* without it the node is a guess */
	fx_remove(fx, "/sys/devices/system/cpu/cpu3/node0");
	f = fx_check(fx, "cpu.numa_nodes");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "cpus 3 are listed by more than one node");
	fx_write(fx, "/sys/devices/system/node/node1/cpulist", "4-7\n");
	fx_write(fx, "/sys/devices/system/node/node2/cpulist", "\n");
	f = fx_check(fx, "cpu.numa_nodes");
	assert_verdict(f, V_WARN);
	assert_has(f->observed, "node2 list no cpus");
	fx_remove(fx, "/sys/devices/system/node");
	f = fx_check(fx, "cpu.numa_nodes");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "one node 0");
}

static void test_allowed(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "cpu.allowed"), V_SKIP);
	fx_write(fx, "/proc/self/cgroup", "0::/trading.slice\n");
	fx_write(fx, "/sys/fs/cgroup/trading.slice/cpuset.cpus.effective", "0-7\n");
	assert_verdict(fx_check(fx, "cpu.allowed"), V_PASS);
	fx_write(fx, "/sys/fs/cgroup/trading.slice/cpuset.cpus.effective", "0-3\n");
	f = fx_check(fx, "cpu.allowed");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "cgroup allows 0-3; isolated 6-7 withheld");
}

/* Automatic isolation inside a cgroup of whole first cores: nothing to isolate is not ready (it skipped). */
static void test_allowed_all_housekeeping(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[cpu]\nisolated_cores = auto\nhousekeeping_cores = auto");
	fx_write(fx, "/proc/self/cgroup", "0::/trading.slice\n");
	fx_write(fx, "/sys/fs/cgroup/trading.slice/cpuset.cpus.effective", "0-1,4-5\n");
	f = fx_check(fx, "cpu.allowed");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "cgroup allows 0-1,4-5, all of them housekeeping");
	assert_has(f->observed, "the kernel isolates 2-3,6-7, which the cgroup withholds");
	/* Cpus beyond the first cores: automatic isolation takes them, and they are the cgroup's. */
	fx_write(fx, "/sys/fs/cgroup/trading.slice/cpuset.cpus.effective", "0-3,4-5\n");
	assert_verdict(fx_check(fx, "cpu.allowed"), V_PASS);
}

static void test_kernel_config(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	assert_verdict(fx_check(fx, "kernel.nohz_full_config"), V_PASS);	/* the nohz_full file */
	fx_remove(fx, CPU "/nohz_full");
	assert_verdict(fx_check(fx, "kernel.nohz_full_config"), V_SKIP);
	fx_write(fx, "/boot/config-6.1.0-28-amd64", "CONFIG_NO_HZ_IDLE=y\n# CONFIG_NO_HZ_FULL is not set\n");
	f = fx_check(fx, "kernel.nohz_full_config");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "(/boot/config-6.1.0-28-amd64)");
	fx_write(fx, "/boot/config-6.1.0-28-amd64", "CONFIG_NO_HZ_FULL=y\nCONFIG_PREEMPT_RT=y\n");
	assert_verdict(fx_check(fx, "kernel.nohz_full_config"), V_PASS);
	fx_profile(fx, "[kernel]\npreempt_rt = no");
	f = fx_check(fx, "kernel.preempt_rt");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "PREEMPT_RT (/boot/config");
	fx_write(fx, "/sys/kernel/realtime", "1\n");
	fx_profile(fx, "[kernel]\npreempt_rt = yes");
	f = fx_check(fx, "kernel.preempt_rt");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "/sys/kernel/realtime");
}

/* text gzipped as the kernel's /proc/config.gz is; cut > 0 keeps only that many compressed bytes. */
static void write_config_gz(struct fx *fx, const char *text, size_t cut)
{
	size_t len = strlen(text), cap = compressBound((uLong)len) + 64;
	unsigned char *out = xmalloc(cap);
	z_stream z = { .next_in = (unsigned char *)text, .avail_in = (unsigned)len, .next_out = out,
		       .avail_out = (unsigned)cap };

	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	fx_write_bin(fx, "/proc/config.gz", out, cut ? cut : z.total_out);
	free(out);
}

/* Many config lines before the one asked for, as a real config has (thousands of symbols). */
static char *config_text(const char *line, const char *after)
{
	struct strbuf sb = { 0 };

	for (int i = 0; i < 6000; i++)
		strbuf_addf(&sb, "CONFIG_FILLER_%d=y\n# CONFIG_NOT_%d is not set\n", i, i);
	strbuf_addf(&sb, "%s%s", line, after);
	return strbuf_detach(&sb);
}

/* /proc/config.gz: the first line naming the symbol decides (Kconfig writes each once); a stream broken before it is unreadable. */
static void test_kernel_config_gz(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;
	char *text, *big;

	fx_remove(fx, CPU "/nohz_full");
	text = config_text("CONFIG_NO_HZ_FULL=y\n", "CONFIG_AFTER=y\n");
	write_config_gz(fx, text, 0);
	f = fx_check(fx, "kernel.nohz_full_config");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "CONFIG_NO_HZ_FULL=y (/proc/config.gz)");
	/* Broken in the middle, before the line: no answer. */
	write_config_gz(fx, text, 2000);
	assert_verdict(fx_check(fx, "kernel.nohz_full_config"), V_SKIP);
	free(text);
	/* The last line, without a newline. */
	text = config_text("CONFIG_NO_HZ_FULL=y", "");
	write_config_gz(fx, text, 0);
	assert_verdict(fx_check(fx, "kernel.nohz_full_config"), V_PASS);
	free(text);
	text = config_text("# CONFIG_NO_HZ_FULL is not set\n", "");
	write_config_gz(fx, text, 0);
	f = fx_check(fx, "kernel.nohz_full_config");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "CONFIG_NO_HZ_FULL not set (/proc/config.gz)");
	free(text);
	/* Never named, and a longer name is another symbol. */
	text = config_text("CONFIG_NO_HZ_FULL_EXTRA=y\n", "");
	write_config_gz(fx, text, 0);
	assert_verdict(fx_check(fx, "kernel.nohz_full_config"), V_FAIL);
	free(text);
	/* A line longer than the inflate window is none of ours, even where its tail looks like one. */
	big = xmalloc(70000);
	memset(big, 'x', 65536);
	strcpy(big + 65536, "CONFIG_NO_HZ_FULL=y\n");
	write_config_gz(fx, big, 0);
	assert_verdict(fx_check(fx, "kernel.nohz_full_config"), V_FAIL);
	/* And the line after a long one (a CONFIG_CMDLINE) is read. */
	strcpy(big + 65536, "\nCONFIG_NO_HZ_FULL=y\n");
	write_config_gz(fx, big, 0);
	assert_verdict(fx_check(fx, "kernel.nohz_full_config"), V_PASS);
	free(big);
	/* kernel.preempt_rt reads the same way where /sys/kernel/realtime is absent. */
	text = config_text("# CONFIG_PREEMPT_RT is not set\n", "CONFIG_PREEMPT_RT=y\n");
	write_config_gz(fx, text, 0);
	fx_profile(fx, "[kernel]\npreempt_rt = no");
	f = fx_check(fx, "kernel.preempt_rt");
	assert_verdict(f, V_PASS);
	assert_has(f->observed, "not PREEMPT_RT (/proc/config.gz)");
	free(text);
}

static void test_boot_rows(void **state)
{
	struct fx *fx = *state;
	const struct finding *f;

	fx_profile(fx, "[kernel]\nrcu_nocb_poll = yes\nkthread_cpus = yes\n[irq]\nirqaffinity = yes\n[memory]\nthp_boot = yes");
	f = fx_check(fx, "kernel.rcu_nocb_poll");
	assert_verdict(f, V_FAIL);
	assert_true(f->needs_reboot);
	assert_has(f->remedy, "add 'rcu_nocb_poll' to the kernel command line");
	f = fx_check(fx, "irq.irqaffinity");
	assert_verdict(f, V_FAIL);
	assert_has(f->remedy, "irqaffinity=0-1,4-5");
	fx_write(fx, "/proc/cmdline", CMDLINE "rcu_nocb_poll irqaffinity=0-1,4-5 kthread_cpus=0,1 transparent_hugepage=never\n");
	assert_verdict(fx_check(fx, "kernel.rcu_nocb_poll"), V_PASS);
	assert_verdict(fx_check(fx, "irq.irqaffinity"), V_PASS);
	assert_verdict(fx_check(fx, "memory.thp_boot"), V_PASS);
	f = fx_check(fx, "kernel.kthread_cpus");
	assert_verdict(f, V_FAIL);
	assert_has(f->observed, "kthread_cpus='0,1'");
	/* staged in the GRUB drop-in: pending reboot */
	fx_write(fx, "/etc/default/grub.d/99-tickready.cfg",
		 "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT kthread_cpus=0-1,4-5\"\n");
	f = fx_check(fx, "kernel.kthread_cpus");
	assert_verdict(f, V_FAIL);
	assert_true(f->pending_reboot);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_other_tuners, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ksm, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dma_value, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_l3, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_numa_nodes, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_allowed, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_allowed_all_housekeeping, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_config, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_config_gz, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_boot_rows, fx_setup_base, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
