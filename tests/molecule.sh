#!/usr/bin/env bash
# Run molecule scenarios, several at a time, keep going when one fails so CI shows
# every failure, and end with a summary line: "molecule: N passed, M failed".
#   tests/molecule.sh default multi_app ...
# MOLECULE_JOBS (default 3) scenarios run at once; each writes its whole output to
# build/molecule/<scenario>.log, and the log of a failed scenario is printed at the
# end. Each scenario has its own containers (wsgiscale-<scenario>-<suite>), so
# scenarios never share state. Scenarios named in MOLECULE_SOLO (those that measure
# requests under load) run after the others, alone on the machine: CPU starvation
# from other scenarios would widen the reload races they count.
set -uo pipefail

jobs=${MOLECULE_JOBS:-3}
logs=build/molecule
mkdir -p "$logs"

run_one() {
  local scenario=$1 start=$SECONDS
  if molecule test -s "$scenario" >"$logs/$scenario.log" 2>&1; then
    echo "molecule scenario $scenario: passed in $((SECONDS - start)) s"
  else
    echo "molecule scenario $scenario: FAILED after $((SECONDS - start)) s"
    return 1
  fi
}

declare -A pids=()
passed=0
failed=0
failures=()

reap() {
  # Wait for any one running scenario and count its result.
  local pid scenario
  wait -n -p pid "${!pids[@]}"
  local rc=$?
  scenario=${pids[$pid]}
  unset "pids[$pid]"
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$scenario")
  fi
}

start() {
  run_one "$1" &
  pids[$!]=$1
  echo "molecule scenario $1: started (log: $logs/$1.log)"
}

solo=" ${MOLECULE_SOLO:-} "
later=()
for scenario in "$@"; do
  if [[ "$solo" == *" $scenario "* ]]; then
    later+=("$scenario")
    continue
  fi
  while [ "${#pids[@]}" -ge "$jobs" ]; do reap; done
  start "$scenario"
done
while [ "${#pids[@]}" -gt 0 ]; do reap; done
for scenario in "${later[@]}"; do
  start "$scenario"
  reap
done

for scenario in "${failures[@]}"; do
  echo "==================== $logs/$scenario.log (last 300 lines) ===================="
  tail -n 300 "$logs/$scenario.log"
done
[ "$failed" -eq 0 ] || echo "failed scenarios: ${failures[*]}"
echo "molecule: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
