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
# Every test assembly writes a .trx file; its <Counters> element carries the totals.
read -r passed failed skipped assemblies < <(
  for trx in "$results"/*.trx; do
    [[ -f "$trx" ]] || continue
    c=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
    p=$(sed -nE 's/.* passed="([0-9]+)".*/\1/p' <<<"$c"); f=$(sed -nE 's/.* failed="([0-9]+)".*/\1/p' <<<"$c")
    e=$(sed -nE 's/.* error="([0-9]+)".*/\1/p' <<<"$c"); t=$(sed -nE 's/.* timeout="([0-9]+)".*/\1/p' <<<"$c")
    n=$(sed -nE 's/.* notExecuted="([0-9]+)".*/\1/p' <<<"$c")
    echo "${p:-0} $(( ${f:-0} + ${e:-0} + ${t:-0} )) ${n:-0}"
  done | awk '{p+=$1; f+=$2; s+=$3; a++} END {print p+0, f+0, s+0, a+0}')
# The failed tests by name with the first line of their message, so that the last lines of a run say what broke.
for trx in "$results"/*.trx; do
  [[ -f "$trx" ]] || continue
  awk '
    /<UnitTestResult / && /outcome="(Failed|Error|Timeout)"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1; next }
    want && /<Message>/ { sub(/.*<Message>/, ""); sub(/<\/Message>.*/, ""); print "FAILED " name ": " substr($0, 1, 300); want = 0 }
  ' "$trx"
done | sed -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' | head -n 20
if [[ "$rc" -ne 0 && "$failed" -eq 0 ]]; then failed=1; fi
if [[ "$assemblies" -eq 0 ]]; then echo "no test results were written"; failed=$((failed > 0 ? failed : 1)); fi
line="$passed passed, $failed failed"
((skipped > 0)) && line+=", $skipped skipped"
echo "$line"
((failed == 0))
