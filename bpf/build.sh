#!/usr/bin/env bash
# Compiles bpf/cgroupmon.bpf.c into bpf/cgroupmon.bpf.o (committed).
# Needs clang and the libbpf headers: apt-get install -y clang libbpf-dev
# Kernel types come from bpf/cgroupmon.h (hand-written, CO-RE relocated at
# load time), so no vmlinux.h and no bpftool are needed to build.
set -euo pipefail
cd "$(dirname "$0")"
CLANG="${CLANG:-clang}"
command -v "$CLANG" >/dev/null || { echo "build.sh: $CLANG not found (apt-get install -y clang libbpf-dev)" >&2; exit 1; }
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "build.sh: libbpf headers missing (apt-get install -y libbpf-dev)" >&2; exit 1; }
ARCH_INC="/usr/include/$(uname -m)-linux-gnu"
case "$(uname -m)" in
  x86_64) TARGET_ARCH=x86 ;;
  aarch64) TARGET_ARCH=arm64 ;;
  *) TARGET_ARCH="$(uname -m)" ;;
esac
# -mcpu=v3: atomic fetch-and-add (Linux 5.12+), used as a barrier in the resolution cache.
"$CLANG" -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_"$TARGET_ARCH" \
  -I. -I"$ARCH_INC" \
  -Wall -Werror \
  -fdebug-prefix-map="$(pwd)"=. \
  -c cgroupmon.bpf.c -o cgroupmon.bpf.o.tmp
# Drop DWARF but keep BTF (.BTF, .BTF.ext carry the CO-RE relocations): smaller, reproducible object.
if command -v llvm-strip >/dev/null; then
  llvm-strip -g cgroupmon.bpf.o.tmp
fi
mv cgroupmon.bpf.o.tmp cgroupmon.bpf.o
echo "built bpf/cgroupmon.bpf.o ($(stat -c %s cgroupmon.bpf.o) bytes)"
