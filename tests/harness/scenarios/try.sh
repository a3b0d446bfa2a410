#!/bin/sh
# Scratch scenario: several L2 boots with the console shown on failure.
R="$TINYRD run --vmm builtin -k /l1/vmlinuz -i /l1/img/default.img --timeout 200"
$R -c 2 -- sh -c 'grep -c ^processor /proc/cpuinfo'; echo "status $?"
$R -m 3584 -- sh -c 'grep MemTotal /proc/meminfo'; echo "status $?"
$TINYRD run --vmm builtin -k /l1/vmlinux -i /l1/img/default.img --timeout 200 -- sh -c 'echo pvh ok; uname -r'; echo "status $?"
$R -- sh -c 'echo c > /proc/sysrq-trigger'; echo "status $?"
