#!/usr/bin/env bash
# Builds Jazzer.js's native fuzzer for this machine when the prebuilt one in
# @jazzer.js/fuzzer does not load (it needs glibc 2.38; Debian 12 has 2.36).
# Sources: the C++ files of @jazzer.js/fuzzer@2.1.0 (the last npm release that
# ships them; its addon API is the one 4.0.0's JavaScript calls) from the npm
# registry, linked against upstream libFuzzer from Debian's libclang-rt-14-dev
# with two small compatibility files (compat/). Needs: clang++ (or g++),
# libclang-rt-14-dev (apt-get install clang libclang-rt-14-dev).
# Output: node_modules/@jazzer.js/fuzzer/dist/prebuilds/fuzzer-linux-x64.node,
# which the addon loader prefers to the package's own prebuilds/.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
fuzzer_pkg="$root/node_modules/@jazzer.js/fuzzer"
[ -d "$fuzzer_pkg" ] || { echo "build-addon: run npm ci first (no $fuzzer_pkg)" >&2; exit 1; }

cxx="${CXX:-$(command -v clang++ || command -v g++ || true)}"
[ -n "$cxx" ] || { echo "build-addon: no C++ compiler; apt-get install clang" >&2; exit 1; }
libfuzzer="${LIBFUZZER_A:-$(ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a 2>/dev/null | sort -V | tail -1 || true)}"
[ -f "$libfuzzer" ] || { echo "build-addon: no libclang_rt.fuzzer_no_main-x86_64.a; apt-get install libclang-rt-14-dev (or set LIBFUZZER_A)" >&2; exit 1; }
napi_inc="$(cd "$root" && node -p "require('path').dirname(require.resolve('node-api-headers/include/node_api.h'))")"
addon_api_inc="$(cd "$fuzzer_pkg" && node -p "require('node-addon-api').include_dir" | tr -d '"')"
case "$addon_api_inc" in /*) ;; *) addon_api_inc="$fuzzer_pkg/$addon_api_inc" ;; esac
[ -f "$addon_api_inc/napi.h" ] || addon_api_inc="$(cd "$fuzzer_pkg" && node -p "require('path').dirname(require.resolve('node-addon-api/napi.h'))")"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent @jazzer.js/fuzzer@2.1.0 >/dev/null && tar xzf jazzer.js-fuzzer-2.1.0.tgz)
src="$work/package"

out="$fuzzer_pkg/dist/prebuilds/fuzzer-linux-x64.node"
mkdir -p "$(dirname "$out")"
echo "build-addon: compiling with $cxx against $libfuzzer"
"$cxx" -std=c++17 -O2 -fPIC -shared -fexceptions -w \
  -DNAPI_VERSION=4 -DNAPI_CPP_EXCEPTIONS \
  -I"$here/compat" -I"$src" -I"$addon_api_inc" -I"$napi_inc" \
  "$src"/*.cpp "$src"/shared/*.cpp "$here/compat/upstream-libfuzzer.cpp" \
  -Wl,--whole-archive "$libfuzzer" -Wl,--no-whole-archive \
  -o "$out"
(cd "$root" && node -e "require('@jazzer.js/fuzzer')") && echo "build-addon: $out loads"
