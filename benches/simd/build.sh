#!/usr/bin/env bash
# Builds kernels.wasm from kernels.c with clang's wasm32 target and 128-bit SIMD.
# Installs clang and lld from Debian if they are missing (run as root).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if ! command -v clang >/dev/null || ! command -v wasm-ld >/dev/null; then
    apt-get update && apt-get install -y clang lld
fi
clang --target=wasm32 -O2 -msimd128 -nostdlib -Wl,--no-entry \
    -Wl,--strip-debug -o kernels.wasm kernels.c
