#!/usr/bin/env bash
# Run molecule scenarios one after another, keep going when one fails so CI shows
# every failure, and end with a summary line: "molecule: N passed, M failed".
#   tests/molecule.sh default rollback ...
set -uo pipefail
passed=0
failed=0
failures=()
for scenario in "$@"; do
  start=$SECONDS
  if molecule test -s "$scenario"; then
    passed=$((passed + 1))
    echo "molecule scenario $scenario: passed in $((SECONDS - start)) s"
  else
    failed=$((failed + 1))
    failures+=("$scenario")
    echo "molecule scenario $scenario: FAILED after $((SECONDS - start)) s"
  fi
done
[ "$failed" -eq 0 ] || echo "failed scenarios: ${failures[*]}"
echo "molecule: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
