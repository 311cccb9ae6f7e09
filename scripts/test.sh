#!/usr/bin/env bash
# Runs every test of the solution and ends with one line "N passed, N failed[, N skipped]"
# computed from the TRX files the runs write. Exit status is non-zero when any test failed
# or a test run could not start.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The interop tests drive real peers (libtorrent, bittorrent-dht, aria2); install any that are missing.
if ! bash scripts/install-peers.sh; then
  echo "could not install the interop peers; their tests will fail and say why"
fi

dotnet build DhtNet.slnx -c Release -nologo -v q
build_status=$?
if [ $build_status -ne 0 ]; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

dotnet test DhtNet.slnx -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
test_status=$?

passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { local v; v=$(echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'); echo "${v:-0}"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
done

if [ $files -eq 0 ]; then
  echo "no test results were written"
  failed=$((failed + 1))
fi
# A run that crashed (test host died) can exit non-zero with counters that look clean.
if [ $test_status -ne 0 ] && [ $failed -eq 0 ]; then
  failed=1
fi

if [ $skipped -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
