#!/bin/sh
# Runs inside L1 (see confine.sh beside it): confine-cost BIN FILES
# ROUNDS on a tmpfs, as the share benchmark's shares are.
mkdir -p /tmp/c
mount -t tmpfs tmpfs /tmp/c || exit 1
"$1" -n "$2" -r "$3" /tmp/c | sed -n 's/^cost /L1 /p'
