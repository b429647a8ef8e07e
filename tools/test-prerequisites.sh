#!/usr/bin/env bash
# Makes sure this machine has what ./test.sh needs; test.sh runs it first, so README's test command works on a
# fresh machine. Installs the missing system packages with apt-get when it can (as root, or with sudo that needs no
# password); otherwise stops at once and prints the exact command to run.
#  - .NET 10 SDK: builds and runs everything (not installed here: https://dot.net/install).
#  - models and images in ../shared (or FACEVECTOR_SHARED / FACEVECTOR_MODELS): never in the repository.
#  - docker-compose (Debian's, 1.29): the deploy tests validate the compose files with `docker-compose config`,
#    which needs no Docker engine.
#  - chromium (Debian's, /usr/bin/chromium): the search page's browser test drives it with Playwright (Playwright's
#    own browser download is never used).
# Usage: tools/test-prerequisites.sh [--check]   (--check: report and fail, install nothing)
set -euo pipefail
cd "$(dirname "$0")/.."
check_only=false
[ "${1:-}" = "--check" ] && check_only=true
fail() { echo "test prerequisites: $*" >&2; exit 1; }

if ! command -v dotnet >/dev/null 2>&1 || ! dotnet --list-sdks 2>/dev/null | grep -q '^10\.'; then
  fail "the .NET 10 SDK is missing: install it (https://dot.net/install) and run again"
fi

shared="${FACEVECTOR_SHARED:-$(cd .. && pwd)/shared}"
models="${FACEVECTOR_MODELS:-$shared/models}"
[ -f "$models/w600k_mbf_int8.onnx" ] && [ -f "$models/scrfd_det_500m.onnx" ] ||
  fail "models not found in $models: set FACEVECTOR_MODELS=DIR (or FACEVECTOR_SHARED) or put the test data in $shared; 'dotnet run --project src/FaceVector.Cli -- models pull buffalo_s' downloads a pack"
[ -d "$shared/data/faces-dev" ] || fail "test images not found in $shared/data/faces-dev: set FACEVECTOR_SHARED=DIR to the folder holding data/ and models/"

missing=()
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

install="apt-get update && apt-get install -y ${missing[*]}"
if $check_only; then
  fail "missing: ${missing[*]}; install with: sudo sh -c '$install'"
fi
if ! command -v apt-get >/dev/null 2>&1; then
  fail "missing: ${missing[*]} (docker-compose on PATH, chromium at /usr/bin/chromium); this is not a Debian-like system, install them with its package manager"
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo_cmd=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo_cmd=(sudo -n)
else
  fail "missing: ${missing[*]}; install with: sudo sh -c '$install'   (then run ./test.sh again)"
fi
echo "test prerequisites: installing ${missing[*]} with apt-get" >&2
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
