#!/usr/bin/env bash
# Puts the Mainline routing table and lookup as they were before the Kademlia-core redesign
# (commit 09d80f2, src/DhtNet/Routing and src/DhtNet/Lookup) beside the benchmarks, in the namespaces
# DhtNet.Benchmarks.Baseline.*, so that KademliaCoreBenchmarks runs old and new in one
# BenchmarkDotNet run. The copy lives in obj/ (never committed); the project compiles it, and defines
# KADEMLIA_BASELINE, only while it is there. Remove it with: extract.sh --clean
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(git -C "$here" rev-parse --show-toplevel)
out=$here/../obj/KademliaBaseline
commit=09d80f2
rm -rf "$out"
if [[ ${1:-} == --clean ]]; then
  exit 0
fi

mkdir -p "$out"
for path in $(git -C "$root" ls-tree -r --name-only "$commit" src/DhtNet/Routing src/DhtNet/Lookup); do
  # NodeIdSecurity has moved to DhtNet.Mainline.Bep42, which the project names in GlobalUsings.
  git -C "$root" show "$commit:$path" \
    | sed -e 's/^namespace DhtNet\./namespace DhtNet.Benchmarks.Baseline./' -e '/^using DhtNet\.Security;/d' \
    > "$out/$(basename "$path")"
done
echo "baseline from $commit in $(cd "$out" && pwd): $(ls "$out" | wc -l) files"
