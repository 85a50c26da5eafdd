/* Every check, in report order. Each name N is defined in one checks/AREA.c as `const struct check check_N`. */
#pragma once
#include "check.h"

#define CHECK_LIST(X) \
	X(cpu_isolated) X(cpu_housekeeping) X(cpu_smt_siblings) X(cpu_governor) X(cpu_turbo) \
	X(cpu_cstates) X(cpu_idle_boot_limit) X(cpu_tsc) X(cpu_clocksource) X(cpu_l3_shared) X(cpu_numa_nodes) X(cpu_allowed) \
	X(memory_hugepages) X(memory_hugetlbfs) X(memory_stale_hugepages) X(memory_thp) \
	X(memory_numa_balancing) X(memory_swap) X(memory_memlock) X(memory_thp_boot) X(memory_ksm) \
	X(irq_irqbalance) X(irq_affinity) X(irq_default_affinity) X(irq_nic_node) X(irq_irqaffinity) \
	X(kernel_timer_migration) X(kernel_watchdog) X(kernel_sched_rt_runtime) X(kernel_stat_interval) \
	X(kernel_workqueue) X(kernel_mitigations) X(kernel_skew_tick) X(kernel_nosoftlockup) \
	X(kernel_hung_task) X(kernel_mce) X(kernel_error_counters) X(kernel_busy_poll) X(kernel_io_uring) \
	X(kernel_nohz_full_config) X(kernel_preempt_rt) X(kernel_rcu_nocb_poll) X(kernel_kthread_cpus) \
	X(nic_chain) X(nic_roles) X(nic_numa_isolated) X(nic_pcie_link) X(nic_driver) X(nic_iommu) \
	X(nic_coalesce) X(nic_rings) X(nic_ena_llq) \
	X(nic_stack) X(nic_stack_needs) X(nic_xdp) X(nic_rdma) \
	X(nic_rps_xps) X(nic_napi) X(nic_offloads) X(nic_queues) X(nic_pause) X(nic_ntuple) X(nic_pcie_caps) \
	X(power_smt) X(power_cpu_model) X(power_bios) X(power_cpu_dma_latency) X(power_epb) \
	X(power_epp) X(power_pstate) X(power_dma_latency_value) \
	X(tasks_isolated) X(tasks_kthreads) X(tasks_systemd_affinity) X(tasks_other_tuners) \
	X(time_daemon) X(time_chrony) X(time_ptp) X(time_phc) X(time_phc2sys) \
	X(app_lcores_isolated) X(app_lcores_node) X(app_lcores_smt) X(app_socket_mem) X(app_huge_dir) X(app_no_huge) \
	X(app_mempool_fit) X(app_data_room) X(app_port_node) X(app_port_driver) X(app_port_queues) X(app_rx_nombuf) X(app_imissed) X(app_poll_core_shared) X(app_preempted) X(app_mempool_live) X(app_heap_live)

#define X(n) extern const struct check check_##n;
CHECK_LIST(X)
#undef X

/* The registry: every check, in report order. */
extern const struct check *const checks[];
extern const size_t checks_count;
const struct check *check_find(const char *id);
/* The cpu latency constraint in force, in us (a tree keeps the live value as text); -errno when unread. */
int dma_latency_now(const struct sysroot *sr, long *us);

/* Runs one check with a clean finding; a check that sets nothing gets a skip, not a pass. */
void check_run(const struct check *c, const struct check_ctx *ctx, struct finding *f);

/*
 * Selects checks from "cpu,irq,nic.chain": area names or check ids. selected[] has checks_count
 * entries. NULL or "" selects every check. Returns 0, or -EINVAL with the bad word in bad.
 */
int checks_select(const char *only, bool *selected, char *bad, size_t size);
/* Runs the selected checks (NULL: all, but the app area only with an app in ctx); returns the findings, *n of them, in registry order. */
struct finding *checks_run(const struct check_ctx *ctx, const bool *selected, size_t *n);
/* Does a selected check (NULL: any) read the process table (CF_PROCS)? */
bool checks_read_procs(const bool *selected);
