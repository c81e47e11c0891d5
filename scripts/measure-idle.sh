#!/usr/bin/env bash
# Measures the running console's idle cost: CPU time and bytes written over a
# window, from /proc. Usage: scripts/measure-idle.sh [SECONDS] [opsdeck args…]
# Example: scripts/measure-idle.sh 30 --profile local
set -euo pipefail
secs=${1:-30}; shift || true
bin=${OPSDECK_BIN:-target/release/opsdeck}
sock=opsdeck-measure-$$
tmp=$(mktemp -d)
trap 'tmux -L $sock kill-server 2>/dev/null || true; rm -rf "$tmp"' EXIT
tmux -L "$sock" -f /dev/null new-session -d -s m -x 80 -y 24 \
  "env OPSDECK_CONFIG_DIR=$tmp/c OPSDECK_DATA_DIR=$tmp/d $bin $*"
sleep 3
pid=$(pgrep -n -f "$bin $*")
hz=$(getconf CLK_TCK)
read -r u0 s0 < <(awk '{print $14, $15}' /proc/$pid/stat)
w0=$(awk '/^wchar/ {print $2}' /proc/$pid/io)
sleep "$secs"
read -r u1 s1 < <(awk '{print $14, $15}' /proc/$pid/stat)
w1=$(awk '/^wchar/ {print $2}' /proc/$pid/io)
ticks=$(( (u1 - u0) + (s1 - s0) ))
echo "args: $*"
echo "window: ${secs}s  cpu: $ticks ticks = $(awk -v t=$ticks -v hz=$hz -v s=$secs 'BEGIN{printf "%.3f%%", 100*t/hz/s}') of one core  written: $((w1 - w0)) bytes"
grep -h "first frame" "$tmp"/d/opsdeck.log || true
