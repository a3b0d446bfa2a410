#!/bin/sh
K=/l1/vmlinuz
IMG=/l1/img/default.img
export XDG_CACHE_HOME=/tmp
timeout 120 $TINYRD run --vmm builtin -k $K -i $IMG --timeout 60 -- sh -c 'cat /sys/devices/system/clocksource/clocksource0/current_clocksource; date; sleep 2; date; cat /proc/interrupts; dmesg | grep -i -e clock -e tsc -e apic -e timer | head -40' 2>&1 | tail -n 90 | sed 's/^/# /'
for s in 'exit 7\n'; do
echo "# ptyrun interactive: $s"
timeout 120 /l1/bin/ptyrun "Enter 'help'" "$s" -- \
	$TINYRD boot -v -k $K -i $IMG --timeout 30 2>&1 | tail -n 12 | sed 's/^/# /'
done
