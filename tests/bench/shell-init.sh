#!/bin/sh
# The /init a make-tiny-image user writes, for the benchmarks to compare
# tinyrd-init against: mount, run /cmd, power off.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
sh -c "$(cat /cmd)"
poweroff -f
