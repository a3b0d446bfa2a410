#!/bin/sh
# Load a module (with its dependencies) in a guest kernel and check that
# the kernel registered it in sysfs.
#
#   examples/module-probe.sh KERNEL MODULES-DIR MODULE
set -eu
kernel=$1
moddir=$2
module=$3
exec "${TINYRD:-tinyrd}" run -q -k "$kernel" --moddir "$moddir" --kmod "$module" -- \
	sh -c "test -d /sys/module/$module && echo \"$module: \$(grep \"^$module \" /proc/modules)\""
