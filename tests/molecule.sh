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
#   tests/molecule.sh --summary default multi_app ...
# prints, for each named scenario that failed in its last run, why (the last failed
# tasks of its log, or molecule's error), and ends with the same summary line, so
# the end of a long log (`make test`) says what failed wherever it ran.
set -uo pipefail

jobs=${MOLECULE_JOBS:-3}
logs=build/molecule
mkdir -p "$logs"

why() {
  # Why a scenario failed, in a few lines: the last "fatal:"/"failed:" lines of its
  # log (those of the task that stopped the play; earlier ones were expected and
  # rescued) and molecule's own error, each cut to 1,000 characters.
  local log=$1
  grep -E '^(fatal|failed): ' "$log" | tail -n 3 | cut -c1-1000
  grep -E -A6 '^CRITICAL ' "$log" | tail -n 8 | cut -c1-1000
}

run_one() {
  local scenario=$1 start=$SECONDS
  if molecule test -s "$scenario" >"$logs/$scenario.log" 2>&1; then
    echo "molecule scenario $scenario: passed in $((SECONDS - start)) s" | tee "$logs/$scenario.result"
  else
    echo "molecule scenario $scenario: FAILED after $((SECONDS - start)) s" | tee "$logs/$scenario.result"
    return 1
  fi
}

summary() {
  # The result of each named scenario's last run, and why the failed ones failed.
  local scenario ok=0 bad=0 names=()
  for scenario in "$@"; do
    if grep -qs ": passed in " "$logs/$scenario.result"; then
      ok=$((ok + 1))
      continue
    fi
    bad=$((bad + 1))
    names+=("$scenario")
    if [ -f "$logs/$scenario.result" ]; then
      echo "---- why $scenario failed ($logs/$scenario.log) ----"
      why "$logs/$scenario.log"
    else
      echo "---- $scenario did not run ----"
    fi
  done
  [ "$bad" -eq 0 ] || echo "failed scenarios: ${names[*]}"
  echo "molecule: $ok passed, $bad failed"
  [ "$bad" -eq 0 ]
}

if [ "${1:-}" = "--summary" ]; then
  shift
  summary "$@"
  exit
fi

for scenario in "$@"; do rm -f "$logs/$scenario.result"; done
declare -A pids=()
failures=()

reap() {
  # Wait for any one running scenario; note it when it failed.
  local pid scenario
  wait -n -p pid "${!pids[@]}"
  local rc=$?
  scenario=${pids[$pid]}
  unset "pids[$pid]"
  [ "$rc" -eq 0 ] || failures+=("$scenario")
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
summary "$@"
