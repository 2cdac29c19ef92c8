#!/usr/bin/env bash
# Measure what the metrics agent (roles/mod_wsgi_daemon/files/metrics_agent.py) costs
# per request: the same daemon group, the same fixed request rate, agent on and off.
#
#   tests/load/agent_overhead.sh [bookworm|trixie ...]     (default: both, one after the other)
#
# Env: RATE (req/s, default 50), DURATION (s per run, default 30), ROUNDS (default 2),
# CPU_MS / IO_MS (the calibrated app's cost per request, default 2 / 20).
#
# Needs podman and the test images (tests/images/build.sh). For each suite it starts a
# throw-away container (--network none) whose daemon group `bench` (processes=1
# threads=10, display-name) serves tests/load/calibrated_app.wsgi, and runs ROUNDS x
# (on, off, off, on) runs so a drift of the machine's load falls on both sides. Each
# run restarts Apache with or without the agent's WSGIImportScript line, sends 100
# warm-up requests, then loadgen.py at a constant RATE for DURATION seconds from
# inside the container. Per run it records the daemon process's CPU time (utime +
# stime of /proc/PID/stat, so mod_wsgi's own work for the events counts too) over the
# run divided by the requests served, and loadgen's latency p50/p95 and generator
# lateness. It prints one line per run and, per suite, the medians with the agent on
# and off and their difference: the agent's cost per request.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/load/scratch_container.sh
. "$here/scratch_container.sh"
: "${CONTAINERS_CONF:=$here/../containers.conf}"
export CONTAINERS_CONF
rate=${RATE:-50}
duration=${DURATION:-30}
rounds=${ROUNDS:-2}
cpu_ms=${CPU_MS:-2}
io_ms=${IO_MS:-20}

suites=("$@")
[ "${#suites[@]}" -gt 0 ] || suites=(bookworm trixie)

# Runs inside the container as root: $1 = on|off. Prints one JSON line.
inside=$(cat <<'INSIDE'
set -eu
mode=$1 rate=$2 duration=$3 url=$4
lib=/usr/local/lib/wsgiscale-mod_wsgi
if [ ! -e /etc/apache2/conf-available/bench-on.conf ]; then
    mkdir -p "$lib" /run/wsgiscale-mod_wsgi/metrics/bench /srv/calib
    mv /tmp/metrics_agent.py "$lib/"
    mv /tmp/calibrated_app.wsgi /tmp/loadgen.py /srv/calib/
    printf '{"run_dir": "/run/wsgiscale-mod_wsgi/metrics", "interval_s": 5, "history": 60}\n' \
        > "$lib/metrics_agent.json"
    chown www-data /run/wsgiscale-mod_wsgi/metrics/bench
    for m in on off; do
        {
            echo 'ServerName localhost'
            echo 'WSGIRestrictEmbedded On'
            echo 'WSGIDaemonProcess bench processes=1 threads=10 display-name=%{GROUP}'
            [ "$m" = off ] || echo "WSGIImportScript $lib/metrics_agent.py process-group=bench application-group=%{GLOBAL}"
            echo 'WSGIScriptAlias /bench /srv/calib/calibrated_app.wsgi process-group=bench application-group=%{GLOBAL}'
            echo '<Directory /srv/calib>'
            echo '    Require all granted'
            echo '</Directory>'
        } > "/etc/apache2/conf-available/bench-$m.conf"
    done
    a2enmod -q wsgi >/dev/null
fi
a2disconf -q bench-on bench-off >/dev/null 2>&1 || true
a2enconf -q "bench-$mode" >/dev/null
apache2ctl stop >/dev/null 2>&1 || true
while [ -n "$(cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\0' '\n' | grep -E '^(/usr/sbin/apache2|\(wsgi:bench\))' || true)" ]; do
    sleep 0.2
done
rm -f /run/wsgiscale-mod_wsgi/metrics/bench/*.json
apache2ctl start
sleep 2
python3 /srv/calib/loadgen.py run "$url" --rate 50 --count 100 --arrivals constant >/dev/null
cpu() {
    python3 - <<'PY'
import glob
total = 0
for path in glob.glob("/proc/[0-9]*/cmdline"):
    try:
        with open(path, "rb") as handle:
            if not handle.read().startswith(b"(wsgi:bench)"):
                continue
        with open(path[: -len("cmdline")] + "stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        continue
    total += int(fields[11]) + int(fields[12])
print(total)
PY
}
before=$(cpu)
python3 /srv/calib/loadgen.py run "$url" --rate "$rate" --duration "$duration" \
    --arrivals constant --json /tmp/run.json >/dev/null
after=$(cpu)
# The agent's snapshots of this run (the group's folder is emptied before each run).
snapshots=$(find /run/wsgiscale-mod_wsgi/metrics/bench -name '*.json' | wc -l)
python3 - "$mode" "$before" "$after" "$(getconf CLK_TCK)" "$(cut -d' ' -f1 /proc/loadavg)" "$snapshots" <<'PY'
import json, sys
mode, before, after, tck, load = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
snapshots = int(sys.argv[6])
if (mode == "on") != (snapshots > 0):
    sys.exit(f"agent {mode} but {snapshots} snapshot(s) written")
with open("/tmp/run.json") as handle:
    run = json.load(handle)
print(json.dumps({
    "mode": mode, "requests": run["requests"], "ok": run["ok"],
    "cpu_ms_per_request": round((after - before) * 1000.0 / tck / max(run["ok"], 1), 3),
    "latency_p50_ms": run["latency_ms"]["p50"], "latency_p95_ms": run["latency_ms"]["p95"],
    "app_ms_mean": run["app_ms"]["mean"],
    "lateness_p99_ms": run["generator"]["lateness_ms"]["p99"], "loadavg_1m": float(load)}))
PY
INSIDE
)

measure() {
    local suite=$1
    local name="metrics-overhead-$suite-$$" url="http://127.0.0.1/bench?cpu_ms=$cpu_ms&io_ms=$io_ms"
    trap 'podman rm -f -t 0 "'"$name"'" >/dev/null 2>&1 || true' RETURN
    scratch_container_start "$name" "$suite"
    printf '%s\n' "$inside" | podman exec -i "$name" sh -c 'cat > /tmp/overhead.sh'
    local results=() mode line
    for _ in $(seq "$rounds"); do
        for mode in on off off on; do
            line=$(podman exec "$name" sh /tmp/overhead.sh "$mode" "$rate" "$duration" "$url")
            echo "$suite $line"
            results+=("$line")
        done
    done
    printf '%s\n' "${results[@]}" | python3 -c '
import json, statistics, sys
suite, rate = sys.argv[1], sys.argv[2]
runs = [json.loads(line) for line in sys.stdin]
def median(mode, key):
    return round(statistics.median(r[key] for r in runs if r["mode"] == mode), 3)
keys = ("cpu_ms_per_request", "latency_p50_ms", "latency_p95_ms", "app_ms_mean")
on = {k: median("on", k) for k in keys}
off = {k: median("off", k) for k in keys}
print(json.dumps({"suite": suite, "rate_rps": float(rate), "runs_per_mode": len(runs) // 2,
                  "on": on, "off": off,
                  "agent_cost": {k: round(on[k] - off[k], 3) for k in keys},
                  "failed": sum(r["requests"] - r["ok"] for r in runs),
                  "lateness_p99_ms_max": max(r["lateness_p99_ms"] for r in runs),
                  "loadavg_1m": [min(r["loadavg_1m"] for r in runs), max(r["loadavg_1m"] for r in runs)]}))
' "$suite" "$rate"
}

for s in "${suites[@]}"; do
    case "$s" in
        bookworm|trixie) measure "$s" ;;
        *) echo "unknown suite '$s' (expected bookworm or trixie)" >&2; exit 2 ;;
    esac
done
