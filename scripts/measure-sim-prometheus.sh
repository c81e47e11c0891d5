#!/usr/bin/env bash
# Measures the simulated Prometheus: series held, memory once the history
# rings are full, rule evaluation time, and the latency of the profile's SLO
# queries and of a range query as a console would ask them.
# Usage: scripts/measure-sim-prometheus.sh [SCENARIO] [SPEED]
# Example: scripts/measure-sim-prometheus.sh doc-rag 10
set -euo pipefail
scenario=${1:-doc-rag}
speed=${2:-10}
bin=${OPSDECK_BIN:-target/release/opsdeck}
tmp=$(mktemp -d)
"$bin" sim --scenario "$scenario" --speed "$speed" >"$tmp/out" 2>/dev/null &
sim=$!
trap 'kill $sim 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do [ -s "$tmp/out" ] && break; sleep 0.1; done
profile=$(sed -n 's/^export OPSDECK_PROFILE=//p' "$tmp/out")
url=$(awk '/^\[prometheus\]/{p=1} p && /^url/{gsub(/"/,"",$3); print $3; exit}' "$profile")
rss() { awk '/^VmRSS/ {print $2 " kB"}' /proc/$sim/status; }
echo "scenario $scenario at speed $speed, Prometheus API at $url"
echo "RSS at start: $(rss)"
# The rings hold 1200 samples, one a scenario second: full after 1200/speed real seconds.
fill=$(awk -v s="$speed" 'BEGIN{printf "%d", 1200/s + 5}')
echo "waiting ${fill}s for the history to fill…"
sleep "$fill"
q() { curl -s -G --data-urlencode "query=$1" "$url/api/v1/query"; }
echo "series: $(q 'count({__name__=~".+"})' | sed 's/.*"value":\[[^,]*,"\([^"]*\)".*/\1/')"
echo "RSS with full history: $(rss)"
curl -s "$url/api/v1/rules" | python3 -c '
import json, sys
for g in json.load(sys.stdin)["data"]["groups"]:
    print("rule group %s: %d rules evaluated in %.3f ms" % (g["name"], len(g["rules"]), g["evaluationTime"] * 1e3))'
time_of() { # median of 21 runs, ms
  for _ in $(seq 21); do curl -s -o /dev/null -w '%{time_total}\n' "$@"; done |
    sort -n | awk '{a[NR]=$1} END{printf "%.2f ms", a[11]*1000}'
}
grep "^query = " "$profile" | sed "s/^query = //; s/^['\"]//; s/['\"]$//" | while read -r slo; do
  echo "SLO query $(time_of -G --data-urlencode "query=$slo" "$url/api/v1/query"): $slo"
done
now=$(date +%s)
echo "range query, 120 steps of 5s: $(time_of -G --data-urlencode 'query=histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket[5m])))' \
  --data-urlencode "start=$((now - 600))" --data-urlencode "end=$now" --data-urlencode step=5 "$url/api/v1/query_range")"
echo "alerts: $(time_of "$url/api/v1/alerts")   rules: $(time_of "$url/api/v1/rules")"
