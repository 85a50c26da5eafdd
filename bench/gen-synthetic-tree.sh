#!/usr/bin/env bash
# Writes a synthetic host tree: 512 cpus (SMT 2), 8 NUMA nodes, 4,000 IRQs, 8 NICs. Usage: gen-synthetic-tree.sh DIR
set -euo pipefail
out=${1:?usage: gen-synthetic-tree.sh DIR}
NCPU=${NCPU:-512} NNODE=${NNODE:-8} NIRQ=${NIRQ:-4000}
rm -rf "$out"; mkdir -p "$out"
python3 - "$out" "$NCPU" "$NNODE" "$NIRQ" <<'PY'
import os, sys
root, ncpu, nnode, nirq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
per = ncpu // nnode
def w(path, text):
    p = root + path
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "w") as f:
        f.write(text if text.endswith("\n") else text + "\n")
def lst(cpus):
    out, cpus = [], sorted(cpus)
    i = 0
    while i < len(cpus):
        j = i
        while j + 1 < len(cpus) and cpus[j + 1] == cpus[j] + 1:
            j += 1
        out.append(str(cpus[i]) if i == j else "%d-%d" % (cpus[i], cpus[j]))
        i = j + 1
    return ",".join(out)
hk = [n * per + k for n in range(nnode) for k in (0, 1)]
iso = [c for c in range(ncpu) if c not in hk]
C = "/sys/devices/system/cpu"
w("/proc/sys/kernel/osrelease", "6.1.0-28-amd64")
w("/proc/cmdline", "ro quiet isolcpus=managed_irq,domain,%s nohz_full=%s rcu_nocbs=%s skew_tick=1 nosoftlockup" % (lst(iso), lst(iso), lst(iso)))
for f, v in (("present", "0-%d" % (ncpu - 1)), ("online", "0-%d" % (ncpu - 1)), ("isolated", lst(iso)), ("nohz_full", lst(iso))):
    w("%s/%s" % (C, f), v)
w(C + "/smt/control", "on")
for c in range(ncpu):
    s0 = c - c % 2
    w("%s/cpu%d/topology/core_id" % (C, c), str(c // 2))
    w("%s/cpu%d/topology/physical_package_id" % (C, c), str(c // per))
    w("%s/cpu%d/topology/thread_siblings_list" % (C, c), "%d-%d" % (s0, s0 + 1))
    w("%s/cpu%d/cpufreq/scaling_governor" % (C, c), "performance")
    for k, (name, lat) in enumerate((("POLL", 0), ("C1", 2), ("C1E", 10), ("C6", 133))):
        d = "%s/cpu%d/cpuidle/state%d" % (C, c, k)
        w(d + "/name", name); w(d + "/latency", str(lat)); w(d + "/disable", "0")
for n in range(nnode):
    d = "/sys/devices/system/node/node%d" % n
    w(d + "/cpulist", "%d-%d" % (n * per, n * per + per - 1))
    w(d + "/meminfo", "Node %d MemTotal:       65536000 kB\nNode %d MemFree:        32768000 kB\n" % (n, n))
    for sz, nr in (("2048kB", 1024), ("1048576kB", 4)):
        w("%s/hugepages/hugepages-%s/nr_hugepages" % (d, sz), str(nr))
        w("%s/hugepages/hugepages-%s/free_hugepages" % (d, sz), str(nr))
for sz, nr in (("2048kB", 1024 * nnode), ("1048576kB", 4 * nnode)):
    w("/sys/kernel/mm/hugepages/hugepages-%s/nr_hugepages" % sz, str(nr))
w("/proc/meminfo", "MemTotal: 536870912 kB\nHugepagesize:       2048 kB\n")
w("/proc/mounts", "hugetlbfs /dev/hugepages hugetlbfs rw,relatime,pagesize=2M 0 0\n")
os.makedirs(root + "/dev/hugepages", exist_ok=True)
hdr = "".join("CPU%-8d" % c for c in range(ncpu))
lines = ["           " + hdr]
zeros = " ".join(["%10d" % 0] * ncpu)
for i in range(nirq):
    irq = 32 + i
    nic, q = divmod(i, nirq // 8)
    lines.append("%4d: %s  IR-PCI-MSIX-0000:%02x:00.0 %d-edge      ens%df0-TxRx-%d" % (irq, zeros, 0x10 + nic, q, nic, q))
    cpu = hk[(i % len(hk))]
    w("/proc/irq/%d/smp_affinity_list" % irq, lst(hk))
    w("/proc/irq/%d/effective_affinity_list" % irq, str(cpu))
lines.append(" LOC: " + zeros + "   Local timer interrupts")
w("/proc/interrupts", "\n".join(lines))
w("/proc/irq/default_smp_affinity", "3")
for nic in range(8):
    pci = "0000:%02x:00.0" % (0x10 + nic)
    node = nic % nnode
    d = "/sys/devices/pci0000:00/" + pci
    w(d + "/numa_node", str(node)); w(d + "/class", "0x020000")
    w(d + "/local_cpulist", "%d-%d" % (node * per, node * per + per - 1))
    w(d + "/current_link_speed", "16.0 GT/s PCIe"); w(d + "/max_link_speed", "16.0 GT/s PCIe")
    w(d + "/current_link_width", "16"); w(d + "/max_link_width", "16")
    base = nic * (nirq // 8)
    for q in range(nirq // 8):
        w(d + "/msi_irqs/%d" % (32 + base + q), "msix")
    os.makedirs(root + "/sys/bus/pci/drivers/mlx5_core", exist_ok=True)
    os.symlink("../../../bus/pci/drivers/mlx5_core", root + d + "/driver")
    os.makedirs(root + "/sys/bus/pci/devices", exist_ok=True)
    os.symlink("../../../devices/pci0000:00/" + pci, root + "/sys/bus/pci/devices/" + pci)
    nd = d + "/net/ens%df0" % nic
    w(nd + "/operstate", "up"); w(nd + "/speed", "100000")
    os.makedirs(root + nd + "/queues/rx-0", exist_ok=True)
    os.makedirs(root + "/sys/class/net", exist_ok=True)
    os.symlink("../../devices/pci0000:00/%s/net/ens%df0" % (pci, nic), root + "/sys/class/net/ens%df0" % nic)
w("/proc/net/route", "Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT\nens0f0\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n")
w("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Synthetic 512-way\nflags\t\t: tsc constant_tsc nonstop_tsc ht pdpe1gb\n\n")
for pid in range(1, 201):
    w("/proc/%d/comm" % pid, "proc%d" % pid)
    w("/proc/%d/task/%d/status" % (pid, pid), "Name:\tproc%d\nPid:\t%d\nPPid:\t1\nCpus_allowed_list:\t%s\n" % (pid, pid, lst(hk)))
PY
echo "synthetic tree: $out ($NCPU cpus, $NNODE nodes, $NIRQ IRQs)"
