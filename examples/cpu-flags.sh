#!/bin/sh
# The CPU flags a guest kernel sees under TCG, and under KVM when KVM can
# boot a stock kernel here, with what differs.
#
#   examples/cpu-flags.sh KERNEL
set -eu
kernel=$1
tinyrd=${TINYRD:-tinyrd}
probe='grep -m1 "^flags" /proc/cpuinfo | cut -d: -f2 | tr " " "\n" | sed "/^$/d" | sort'

"$tinyrd" run -q --accel tcg -k "$kernel" -- sh -c "$probe" >tcg.flags
echo "TCG: $(wc -l <tcg.flags) flags"
# doctor's verdict 0: KVM boots a stock kernel here (whatever the host:
# no /dev/kvm, one this user cannot open, PVM, or one that works).
if ! "$tinyrd" doctor -k "$kernel" >/dev/null; then
	echo "KVM: cannot boot a stock kernel here (tinyrd doctor says why); TCG only"
	exit 0
fi
"$tinyrd" run -q --accel kvm -k "$kernel" -- sh -c "$probe" >kvm.flags
echo "KVM: $(wc -l <kvm.flags) flags"
echo "only under TCG: $(comm -23 tcg.flags kvm.flags | tr '\n' ' ')"
echo "only under KVM: $(comm -13 tcg.flags kvm.flags | tr '\n' ' ')"
