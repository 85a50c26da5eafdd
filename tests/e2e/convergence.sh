#!/usr/bin/env bash
# The convergence invariant, for every shipped profile on a matrix of trees:
#  (1) each failing finding that says apply fixes it has a change in the plan;
#  (2) after apply, each such check passes or is pending-reboot, and each that says it is by hand still fails;
#  (3) a second plan is empty;
#  (4) revert leaves the tree byte-identical;
#  (5) the manual list holds exactly the failing checks that say they are by hand.
# The checks and their plans come from the registry: nothing here names a check.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
. tests/e2e/apply-lib.sh
trap cleanup_tmps EXIT
W=$(mktmp)

# variant NAME: builds $W/NAME.src from the untuned fixture (or another source) with one change of layout.
variant() {
	local d=$W/$1.src
	case $1 in
	capture-live) "$TR" capture "$d" >/dev/null 2>&1 || return 1 ;;
	tuned) cp -a "$FX/base" "$d" ;;
	x3-onload) cp -a "$FX/stack-onload" "$d" ;;
	pcie-config | memlock-service) cp -a "$FX/stack-kernel" "$d" ;;
	*) cp -a "$FX/untuned" "$d" ;;
	esac
	case $1 in
	grub | tuned | capture-live) ;;
	grubby-nobls)
		# RHEL 7: grubby beside /etc/default/grub and /boot/grub2/grub.cfg, no BLS entries (as installed from the 7.9 DVD).
		local rel=3.10.0-1160.el7.x86_64
		mkdir -p "$d/usr/sbin" "$d/boot/grub2"
		printf '#!/bin/sh\nexit 0\n' >"$d/usr/sbin/grubby"
		chmod 755 "$d/usr/sbin/grubby"
		echo "$rel" >"$d/proc/sys/kernel/osrelease"
		printf 'BOOT_IMAGE=/vmlinuz-%s root=/dev/mapper/rhel-root ro crashkernel=auto rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet LANG=en_US.UTF-8\n' \
			"$rel" >"$d/proc/cmdline"
		cat >"$d/etc/default/grub" <<-'GRUB'
			GRUB_TIMEOUT=5
			GRUB_DISTRIBUTOR="$(sed 's, release .*$,,g' /etc/system-release)"
			GRUB_DEFAULT=saved
			GRUB_DISABLE_SUBMENU=true
			GRUB_TERMINAL_OUTPUT="console"
			GRUB_CMDLINE_LINUX="crashkernel=auto rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet"
			GRUB_DISABLE_RECOVERY="true"
		GRUB
		printf 'Red Hat Enterprise Linux Server release 7.9 (Maipo)\n' >"$d/etc/redhat-release"
		printf "menuentry 'Red Hat Enterprise Linux Server (%s) 7.9 (Maipo)' --class red --class gnu-linux --unrestricted {\n\tload_video\n\tinsmod xfs\n\tset root='hd0,msdos1'\n\tlinux16 /vmlinuz-%s root=/dev/mapper/rhel-root ro crashkernel=auto rd.lvm.lv=rhel/root rd.lvm.lv=rhel/swap rhgb quiet LANG=en_US.UTF-8\n\tinitrd16 /initramfs-%s.img\n}\n" \
			"$rel" "$rel" "$rel" >"$d/boot/grub2/grub.cfg"
		;;
	amd-ccx)
		# An AMD EPYC slice: one CCX (L3 group) per node, so each L3 holds isolated and housekeeping cores.
		sed -i -e 's/^vendor_id.*/vendor_id\t: AuthenticAMD/' -e 's/^model name.*/model name\t: AMD EPYC 7313P 16-Core Processor/' \
			-e 's/^cpu family.*/cpu family\t: 25/' -e 's/^model\t.*/model\t\t: 1/' "$d/proc/cpuinfo"
		for c in 0 1 2 3 4 5 6 7; do
			local ix=$d/sys/devices/system/cpu/cpu$c/cache
			for i in 0 1 2 3; do mkdir -p "$ix/index$i"; done
			sib=$(cat "$d/sys/devices/system/cpu/cpu$c/topology/thread_siblings_list")
			printf '1\n' >"$ix/index0/level" && printf 'Data\n' >"$ix/index0/type" && echo "$sib" >"$ix/index0/shared_cpu_list"
			printf '1\n' >"$ix/index1/level" && printf 'Instruction\n' >"$ix/index1/type" && echo "$sib" >"$ix/index1/shared_cpu_list"
			printf '2\n' >"$ix/index2/level" && printf 'Unified\n' >"$ix/index2/type" && echo "$sib" >"$ix/index2/shared_cpu_list"
			printf '3\n' >"$ix/index3/level" && printf 'Unified\n' >"$ix/index3/type"
			[ "$c" -lt 4 ] && echo 0-3 >"$ix/index3/shared_cpu_list" || echo 4-7 >"$ix/index3/shared_cpu_list"
		done
		;;
	x3-onload)
		# An X3522 on xilinx_efct with Onload (the sfc family's driver for X3).
		local dev=$d/sys/devices/pci0000:00/0000:3b:00.0
		ln -sfn ../../../bus/pci/drivers/xilinx_efct "$dev/driver"
		mv "$d/sys/bus/pci/drivers/sfc" "$d/sys/bus/pci/drivers/xilinx_efct"
		mv "$d/sys/module/sfc" "$d/sys/module/xilinx_efct"
		echo 0x5084 >"$dev/device"
		;;
	pcie-config)
		# ASPM L1 on and MaxReadReq 512 in the device's config space (PCIe capability at 0x40): ASPM is
		# apply's, MaxReadReq 4096 by hand.
		local dev=$d/sys/devices/pci0000:00/0000:3b:00.0
		mkdir -p "$dev/link" && echo 1 >"$dev/link/l1_aspm" && echo 0 >"$dev/link/l0s_aspm"
		python3 - "$dev/config" <<-'PY'
			import sys
			c = bytearray(256); c[0:4] = b"\x86\x80\xfb\x10"; c[6] = 0x10; c[0x34] = 0x40; c[0x40] = 0x10; c[0x44] = 2
			c[0x48:0x4a] = (0x2020).to_bytes(2, "little"); c[0x4d] = 0x0c; c[0x50] = 2
			open(sys.argv[1], "wb").write(c)
		PY
		printf '[profile]\ninclude = hft-balanced\n[nic]\ninterface = ens1f0\naspm = off\nmax_read_req = 4096\n' >"$W/pcie-config.ini"
		;;
	memlock-service)
		# trader.service runs (pid 4242) with a 64 KiB locked-memory limit: apply writes the drop-in, the restart is by hand.
		mkdir -p "$d/sys/fs/cgroup/system.slice/trader.service" "$d/proc/4242"
		echo 4242 >"$d/sys/fs/cgroup/system.slice/trader.service/cgroup.procs"
		printf 'Limit                     Soft Limit           Hard Limit           Units\nMax locked memory         65536                65536                bytes\n' >"$d/proc/4242/limits"
		printf '[profile]\ninclude = hft-balanced\n[nic]\ninterface = ens1f0\n[memory]\nmemlock = unlimited\n[tasks]\nservice = trader\n' >"$W/memlock-service.ini"
		;;
	sdboot)
		rm "$d/etc/default/grub"
		mkdir -p "$d/etc/kernel" && printf 'root=UUID=1b7c ro quiet\n' >"$d/etc/kernel/cmdline"
		;;
	grubby)
		rm "$d/etc/default/grub"
		mkdir -p "$d/usr/sbin" "$d/boot/loader/entries"
		printf '#!/bin/sh\nexit 0\n' >"$d/usr/sbin/grubby"
		chmod 755 "$d/usr/sbin/grubby"
		rel=$(cat "$d/proc/sys/kernel/osrelease")
		printf 'title Linux %s\nversion %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img\noptions root=UUID=1b7c ro quiet\n' \
			"$rel" "$rel" "$rel" "$rel" >"$d/boot/loader/entries/0123abcd-$rel.conf"
		;;
	no-boot-tool) rm "$d/etc/default/grub" ;;
	rhel-sysconfig)
		rm "$d/etc/default/irqbalance"
		mkdir -p "$d/etc/sysconfig"
		printf 'IRQBALANCE_ARGS=\nIRQBALANCE_BANNED_CPUS=00000001\n' >"$d/etc/sysconfig/irqbalance"
		;;
	cgroup)
		# A container's v2 cgroup of whole first cores: automatic isolation has nothing to give it.
		mkdir -p "$d/proc/self" "$d/sys/fs/cgroup/trading.slice"
		printf '0::/trading.slice\n' >"$d/proc/self/cgroup"
		printf '0-1,4-5\n' >"$d/sys/fs/cgroup/trading.slice/cpuset.cpus.effective"
		;;
	hugepages-held)
		# Reserved pages held by files or a running app: none free on node 0 for a new DPDK start.
		n0=$d/sys/devices/system/node/node0/hugepages
		echo 1024 >"$n0/hugepages-2048kB/nr_hugepages" && echo 0 >"$n0/hugepages-2048kB/free_hugepages"
		echo 0 >"$n0/hugepages-1048576kB/free_hugepages"
		echo 1024 >"$d/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
		echo 4 >"$d/sys/kernel/mm/hugepages/hugepages-1048576kB/free_hugepages"
		;;
	systemd-affinity)
		mkdir -p "$d/etc/systemd"
		printf '[Manager]\nCPUAffinity=0-7\n' >"$d/etc/systemd/system.conf"
		# PID 1 runs with that affinity until it re-executes: apply's drop-in leaves it pending.
		mkdir -p "$d/proc/1"
		printf 'Name:\tsystemd\nPid:\t1\nPPid:\t0\nThreads:\t1\nCpus_allowed:\tff\nCpus_allowed_list:\t0-7\n' >"$d/proc/1/status"
		;;
	rps-bind)
		# ens1f0 on an Intel kernel driver with RPS masks on every cpu: a vfio-pci bind removes the queues.
		local dev=$d/sys/devices/pci0000:00/0000:3b:00.0
		ln -sfn ../../../bus/pci/drivers/ixgbe "$dev/driver"
		mkdir -p "$d/sys/bus/pci/drivers/ixgbe"
		for q in 0 1; do
			mkdir -p "$dev/net/ens1f0/queues/rx-$q"
			echo ff >"$dev/net/ens1f0/queues/rx-$q/rps_cpus"
		done
		printf '[profile]\ninclude = %s\n[nic]\ninterface = ens1f0\ndriver = vfio-pci\n' "$APROF" >"$W/rps-bind.ini"
		;;
	esac
}

# judge_before AUDIT PLAN: prints one line per broken promise (1) and (5); nothing when all hold.
judge_before() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a = json.load(open(sys.argv[1])); p = json.load(open(sys.argv[2]))
planned = {c["check"] for c in p["changes"]} | {c["check"] for c in p["blocked"]} | {s["check"] for s in p["settled"]} \
    | {c["check"] for c in p["covered"]}
manual = {m["check"] for m in p["manual"]}
failing = [c for c in a["checks"] if c["verdict"] in ("fail", "warn")]
for c in failing:
    by = c.get("fixed_by")
    if by is None:
        print("%s fails with no fixed_by" % c["id"])
    elif by.startswith("apply") and c["id"] not in planned:
        print("%s says '%s' but the plan has no change for it" % (c["id"], by))
    elif by in ("blocked", "partly blocked") and c["id"] not in planned:
        print("%s says blocked but the plan has no blocked change for it" % c["id"])
    elif by == "manual" and c["id"] not in manual:
        print("%s says manual but is not in the plan's manual list" % c["id"])
    if c.get("fix_note") is None and by in ("manual", "blocked", "partly blocked"):
        print("%s is %s with no reason" % (c["id"], by))
by_hand = {c["id"] for c in failing if c.get("fixed_by") == "manual"}
if manual != by_hand:
    print("manual list %s != failing checks by hand %s" % (sorted(manual), sorted(by_hand)))
PY
}

# judge_after BEFORE AFTER PLAN: checks that said apply fixes them now pass or are pending reboot (2);
# a check the plan's bind settles may skip (its netdev is gone). One that said by hand still fails: the
# manual list is exactly what apply leaves undone.
judge_after() {
	python3 - "$1" "$2" "$3" <<'PY'
import json, sys
b = json.load(open(sys.argv[1])); a = {c["id"]: c for c in json.load(open(sys.argv[2]))["checks"]}
settled = {s["check"] for s in json.load(open(sys.argv[3]))["settled"]}
for c in b["checks"]:
    if c["verdict"] in ("fail", "warn") and (c.get("fixed_by") or "").startswith("apply"):
        v = a[c["id"]]["verdict"]
        if v not in ("pass", "pending-reboot") and not (v == "skip" and c["id"] in settled):
            print("%s: %s after apply (%s)" % (c["id"], v, a[c["id"]]["observed"]))
    elif c["verdict"] in ("fail", "warn") and c.get("fixed_by") == "manual":
        v = a[c["id"]]["verdict"]
        if v not in ("fail", "warn"):
            print("%s: said by hand, %s after apply (%s)" % (c["id"], v, a[c["id"]]["observed"]))
PY
}

cells=0
checks=$("$TR" checks --format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
profiles="$(for f in profiles/*.ini; do basename "$f" .ini; done) $APROF"
trees="${CONVERGENCE_TREES:-${VARIANTS:-grub tuned sdboot grubby grubby-nobls no-boot-tool rhel-sysconfig systemd-affinity hugepages-held cgroup capture-live rps-bind x3-onload amd-ccx pcie-config memlock-service}}"
for v in $trees; do
	if ! variant "$v"; then
		not_ok "$v: cannot build the tree"
		continue
	fi
	# A tree built for one profile of its own is judged with it too.
	for prof in $profiles $([ -e "$W/$v.ini" ] && echo "$W/$v.ini"); do
		pn=$(basename "$prof" .ini)
		T=$W/$v-$pn
		cp -a "$W/$v.src" "$T"
		cells=$((cells + 1))
		"$TR" audit --root "$T" --profile "$prof" --format json >"$T.a1" 2>"$T.err"
		st=$?
		if [ "$st" -gt 1 ]; then
			not_ok "$v/$pn: audit exits $st: $(head -c 300 "$T.err")"
			continue
		fi
		if ! "$TR" apply --root "$T" --profile "$prof" --dry-run --format json >"$T.p1" 2>"$T.err"; then
			not_ok "$v/$pn: dry run fails: $(head -c 300 "$T.err")"
			continue
		fi
		bad=$(judge_before "$T.a1" "$T.p1")
		[ -z "$bad" ] && ok "$v/$pn: findings and plan agree (1, 5)" || not_ok "$v/$pn: $bad"
		if ! "$TR" apply --root "$T" --profile "$prof" --yes --skip-blocked >"$T.out" 2>"$T.err"; then
			not_ok "$v/$pn: apply fails: $(head -c 300 "$T.err")"
			continue
		fi
		"$TR" audit --root "$T" --profile "$prof" --format json >"$T.a2" 2>/dev/null
		# The layout's own file is the one changed, never a new one beside it.
		case $v in
		rhel-sysconfig) [ ! -e "$T/etc/default/irqbalance" ] && ok "$v/$pn: no unused /etc/default/irqbalance" ||
			not_ok "$v/$pn: apply created /etc/default/irqbalance" ;;
		grubby | sdboot | no-boot-tool) [ ! -e "$T/etc/default/grub.d" ] && ok "$v/$pn: no GRUB drop-in without GRUB" ||
			not_ok "$v/$pn: a GRUB drop-in on a $v tree" ;;
		grubby-nobls)
			# RHEL 7's grub2-mkconfig reads no drop-ins: the parameters go to GRUB_CMDLINE_LINUX, grub.cfg is its to write.
			want=$(json "$T.p1" '" ".join(sorted(c["target"] for c in d["changes"] if c["kind"] == "cmdline"))')
			have=$(sed -n 's/^GRUB_CMDLINE_LINUX="\(.*\)"$/\1/p' "$T/etc/default/grub" | tr ' ' '\n' | sed 's/=.*//' | sort | tr '\n' ' ')
			missing=$(for k in $want; do case " $have" in *" $k "*) ;; *) echo "$k" ;; esac; done)
			[ ! -e "$T/etc/default/grub.d" ] && [ -z "$missing" ] && cmp -s "$W/$v.src/boot/grub2/grub.cfg" "$T/boot/grub2/grub.cfg" &&
				{ [ -z "$want" ] || [ "$(json "$T.p1" '" ".join(d["bootloader_command"])')" = "grub2-mkconfig -o /boot/grub2/grub.cfg" ]; } &&
				ok "$v/$pn: parameters in GRUB_CMDLINE_LINUX, grub2-mkconfig named, no drop-in" ||
				not_ok "$v/$pn: GRUB_CMDLINE_LINUX lacks [$missing], or a drop-in, or grub.cfg written: $(grep CMDLINE_LINUX= "$T/etc/default/grub")" ;;
		esac
		bad=$(judge_after "$T.a1" "$T.a2" "$T.p1")
		[ -z "$bad" ] && ok "$v/$pn: every check apply fixes passes or is pending reboot, every one by hand fails (2)" || not_ok "$v/$pn: $bad"
		"$TR" apply --root "$T" --profile "$prof" --dry-run --format json --skip-blocked >"$T.p2" 2>/dev/null
		n=$(json "$T.p2" 'len(d["changes"])')
		[ "$n" = 0 ] && ok "$v/$pn: second plan is empty (3)" ||
			not_ok "$v/$pn: second plan has $n changes: $(json "$T.p2" '[c["check"] + " " + c["target"] for c in d["changes"]]')"
		if "$TR" revert --root "$T" >"$T.out" 2>"$T.err" && same_tree "$W/$v.src" "$T"; then
			ok "$v/$pn: revert leaves the tree byte-identical (4)"
		else
			not_ok "$v/$pn: revert: $(head -c 300 "$T.err") $(diff -r --no-dereference -x tickready -x run -x var "$W/$v.src" "$T" | head -5)"
		fi
		rm -rf "$T"
	done
done
echo "matrix: $cells cells ($(echo $profiles | wc -w) profiles x $(echo $trees | wc -w) trees, and the trees' own) x $checks checks"
finish
