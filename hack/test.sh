#!/usr/bin/env bash
# Runs every test project and closes with one line: "N passed, N failed[, N skipped]".
set -uo pipefail
configuration=${1:-Release}
results=${2:-artifacts/test-results}
cd "$(dirname "$0")/.."
rm -rf "$results"; mkdir -p "$results"
dotnet build Operator.sln -c "$configuration" -nologo -v minimal || { echo "0 passed, 1 failed"; exit 1; }
log="$results/console.log"
dotnet test Operator.sln -c "$configuration" --no-build -nologo \
  --logger "console;verbosity=normal" --logger trx --results-directory "$results" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# VSTest prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12".
read -r passed failed skipped < <(grep -E '(Passed|Failed)! +- Failed: ' "$log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' \
  | awk '{p+=$1; f+=$2; s+=$3} END {print p+0, f+0, s+0}')
assemblies=$(grep -cE '(Passed|Failed)! +- Failed: ' "$log" || true)
if [[ "$rc" -ne 0 && "$failed" -eq 0 ]]; then failed=1; fi
if [[ "$assemblies" -eq 0 ]]; then echo "no test assembly reported results"; failed=$((failed > 0 ? failed : 1)); fi
line="$passed passed, $failed failed"
((skipped > 0)) && line+=", $skipped skipped"
echo "$line"
((failed == 0))
