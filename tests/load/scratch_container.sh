# shellcheck shell=bash
# Sourced by the scripts that measure in a throw-away test container
# (tests/load/agent_overhead.sh, tests/fixtures/capture_metrics.sh). Needs
# CONTAINERS_CONF in the environment.

scratch_container_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# scratch_container_start NAME SUITE
# Start the test image of SUITE as NAME (--network none, removed when it stops) and
# copy the metrics agent, the calibrated app and loadgen.py into its /tmp. The caller
# removes the container (a RETURN trap set before the call).
scratch_container_start() {
    local name=$1 suite=$2 file
    local image="localhost/wsgiscale-apache:$suite"
    podman image exists "$image" || { echo "missing $image: run tests/images/build.sh $suite" >&2; return 1; }
    podman run -d --rm --network none --name "$name" "$image" >/dev/null
    for file in roles/mod_wsgi_daemon/files/metrics_agent.py tests/load/calibrated_app.wsgi tests/load/loadgen.py; do
        podman cp "$scratch_container_top/$file" "$name:/tmp/${file##*/}"
    done
}
