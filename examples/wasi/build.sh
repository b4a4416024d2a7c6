#!/usr/bin/env bash
# Builds every examples/wasi/*.c to a .wasm beside it (wasm32-wasi, WASI preview1).
# Installs the toolchain from Debian's packages if it is missing (needs root).
# Re-runnable: every .wasm is rebuilt from scratch each time, with the same flags.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

CLANG="${CLANG:-clang}"

have_toolchain() {
    command -v "$CLANG" >/dev/null 2>&1 || return 1
    command -v wasm-ld >/dev/null 2>&1 || return 1
    # wasi-libc's sysroot and the wasm32 compiler-rt builtins.
    echo 'int main(void){return 0;}' \
        | "$CLANG" --target=wasm32-wasi -O2 -x c - -o /dev/null >/dev/null 2>&1
}

if ! have_toolchain; then
    echo "build.sh: installing clang, lld, wasi-libc and compiler-rt for wasm32" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32
    have_toolchain || { echo "build.sh: toolchain still unusable after install" >&2; exit 1; }
fi

# -Wl,--strip-debug drops the DWARF that Debian's wasi-libc carries (about 80%
# of each file) and keeps the "name" section, so function names still show in
# traces. Nothing here depends on time or on the checkout's path, so the same
# toolchain gives byte-identical .wasm files on every run.
export LC_ALL=C
for src in *.c; do
    out="${src%.c}.wasm"
    rm -f "$out"
    "$CLANG" --target=wasm32-wasi -O2 -Wl,--strip-debug "$src" -o "$out"
    echo "built $out ($(wc -c <"$out") bytes)"
done
