#!/usr/bin/env bash
# Packs every shipped project (DhtNet, DhtNet.Simulation, DhtNet.Hosting, DhtNet.OpenTelemetry and the
# `dht` tool DhtNet.Tool) with their symbol packages into one local feed, ./artifacts/feed by default.
#   bash scripts/pack.sh                      # -> artifacts/feed/*.nupkg, *.snupkg
#   bash scripts/pack.sh --output DIR         # another feed folder
#   bash scripts/pack.sh --version 0.2.0      # another version than Directory.Build.props's VersionPrefix
#   bash scripts/pack.sh --baseline 0.1.0     # package validation against that earlier release (in the feed)
#   bash scripts/pack.sh --no-build           # after `dotnet build DhtNet.slnx -c Release` (scripts/test.sh does this)
# Prints the feed folder as its last line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

feed="$root/artifacts/feed"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --output) feed="$(mkdir -p "$2" && cd "$2" && pwd)"; shift 2 ;;
    --version) args+=("-p:Version=$2"); shift 2 ;;
    --no-build) args+=("--no-build"); shift ;;
    --baseline) args+=("-p:PackageValidationBaselineVersion=$2" "-p:RestoreAdditionalProjectSources=$feed"); shift 2 ;;
    *) echo "pack.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
mkdir -p "$feed"
# Every project under src/ ships; tests, benchmarks and samples are not packable (IsPackable=false).
for project in src/*/*.csproj; do
  dotnet pack "$project" -c Release -nologo -v q --output "$feed" "${args[@]}"
done
echo "$feed"
