#!/usr/bin/env bash
# Publishes samples/NativeNode as a Native AOT executable with the whole DhtNet library compiled and
# analysed (TrimmerRootAssembly): any trim or AOT warning in DhtNet fails the publish, since
# TreatWarningsAsErrors turns ILC's warnings into errors. Native AOT on Linux links with clang (and
# lld): installed from Debian's packages when missing. Build outputs go to their own folder so the
# solution's bin/obj are left alone.
#   bash scripts/aot.sh                  # -> artifacts/aot/NativeNode
#   bash scripts/aot.sh --output DIR
#   DIR/NativeNode 127.0.0.1:PORT        # run it against a local swarm (`dht swarm --keep`)
# Prints the executable's path as its last line.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

out="$root/artifacts/aot"
while [ $# -gt 0 ]; do
  case "$1" in
    --output) out="$2"; shift 2 ;;
    *) echo "aot.sh: unknown argument $1" >&2; exit 1 ;;
  esac
done

if ! command -v clang >/dev/null || ! command -v ld.lld >/dev/null; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "installing clang and lld (Native AOT's compiler driver and linker)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang lld >/dev/null
  else
    echo "aot.sh: Native AOT needs clang and lld on the PATH (Debian: apt-get install clang lld)" >&2
    exit 1
  fi
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
build="$(mktemp -d)"
trap 'rm -rf "$build"' EXIT
log="$build/publish.log"
if ! dotnet publish samples/NativeNode -c Release -r linux-x64 -nologo --artifacts-path "$build/artifacts" -o "$out" >"$log" 2>&1; then
  cat "$log" >&2
  echo "aot.sh: the Native AOT publish failed" >&2
  exit 1
fi
# Warnings are errors already; this catches any that a property might have let through.
if grep -E "warning (IL|CS|NU)[0-9]+" "$log" >&2; then
  echo "aot.sh: the Native AOT publish warned" >&2
  exit 1
fi
echo "$out/NativeNode"
