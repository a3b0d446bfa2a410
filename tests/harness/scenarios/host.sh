#!/bin/sh
# tests/shell/t1050-doctor.sh once more, in L1, whose KVM works (the host
# shape "kvm", tests/README.md): doctor's verdict 0 and its rows from
# KVM's supported CPUID, the shapes made by hiding parts of L1's KVM, and
# the launcher's own endings (a KVM internal error, the watchdogs, the
# terminal keys, console input held back, huge pages, a vCPU's call
# outside its seccomp filter) on every machine, whatever the host's KVM.
# Its TAP lines are this scenario's. /l1/extra, when there, is tinyrd
# built with TINYRD_TESTING (t1060 puts it there).
export TINYRD_SRCDIR=/l1/src TINYRD_TEST_BIN=/l1/bin
[ -x /l1/extra ] && export TINYRD_TESTING_BIN=/l1/extra
export TINYRD_KERNEL_DIR= TINYRD_KERNEL_WHY="L1 has no kernel package"
export XDG_CACHE_HOME=/tmp
cd /tmp && exec bash /l1/src/tests/shell/t1050-doctor.sh
