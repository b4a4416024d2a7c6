#!/usr/bin/env bash
# Runs each example natively (cc -O2) and as .wasm, the same way, and checks
# that stdout, stderr and the exit status are byte-identical. The .wasm runs
# under Tarn when TARN names the `tarn` binary (as `cargo test` does, in
# tests/all/wasi_programs.rs), and under Node's WASI (run-node.mjs) otherwise.
# Run build.sh first. Needs cc, and node (>= 20) when TARN is unset.
#
# Every case runs in a fresh copy of a small fixture tree, with that copy as
# the working directory. Natively the program gets "." (or the copy's absolute
# path); under node the copy is preopened under that same guest path.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Native builds, as a host C toolchain would make them.
mkdir "$work/bin"
for src in "$here"/*.c; do
    name="$(basename "$src" .c)"
    cc -O2 -o "$work/bin/$name" "$src"
done

# The fixture: files, nested and empty directories, names that sort
# differently from creation order, and symlinks (to a file, to a directory,
# dangling). Contents are fixed, so sizes are too.
fixture="$work/fixture"
mkdir -p "$fixture/sub/deeper" "$fixture/zeta-empty" "$fixture/Alpha"
printf 'Hello from a file inside the sandbox.\n' >"$fixture/greeting.txt"
: >"$fixture/empty.txt"
printf 'a\n' >"$fixture/sub/a.txt"
printf 'upper\n' >"$fixture/Alpha/Upper.txt"
printf 'spaces are fine\n' >"$fixture/with space.txt"
for i in $(seq 1 3000); do printf 'line %d of the big file\n' "$i"; done >"$fixture/sub/deeper/big.txt"
head -c 70000 "$fixture/sub/deeper/big.txt" | tr 'a-z' '\000-\031' >"$fixture/sub/deeper/bytes.bin"
ln -s sub/a.txt "$fixture/link-to-a"
ln -s sub "$fixture/link-to-sub"
ln -s nowhere "$fixture/dangling"

passed=0 failed=0

# run_io INPUT OUT_PREFIX CMD...: runs CMD with stdin from INPUT and stdout and
# stderr to OUT_PREFIX.out/.err. "pipe:FILE" as INPUT feeds FILE through a pipe
# and drains stdout through a pipe whose reader starts late, so the program
# meets a full pipe (as `producer | prog | slow-consumer` would).
run_io() {
    local input="$1" out="$2"
    shift 2
    if [ "${input#pipe:}" != "$input" ]; then
        cat "${input#pipe:}" | { "$@" 2>"$out.err"; echo $? >"$out.status"; } \
            | { sleep 0.3; cat; } >"$out.out"
        return "$(cat "$out.status")"
    fi
    "$@" <"$input" >"$out.out" 2>"$out.err"
}

# run_case NAME INPUT MODE PROGRAM [ARGS...]
# INPUT is a file for stdin, or "pipe:FILE" (see run_io). MODE is "." (the
# case dir preopened as ".", @DIR@ in ARGS becomes ".") or "abs" (the case dir
# preopened as its own absolute path, which is what @DIR@ becomes).
run_case() {
    local name="$1" input="$2" mode="$3" prog="$4"
    shift 4
    local d="$work/case-$name"
    rm -rf "$d"
    cp -a "$fixture" "$d"
    local args=("$@")
    # @DIR@ in an argument becomes "." or the case dir's absolute path.
    local dirarg=.
    [ "$mode" = abs ] && dirarg="$d"
    args=("${args[@]//@DIR@/$dirarg}")
    local preopen=".::."
    [ "$mode" = abs ] && preopen="$d::$d"

    # The same environment both ways: GREETING if set, nothing else.
    local envvars=() envargs=()
    if [ -n "${GREETING+x}" ]; then
        envvars=("GREETING=$GREETING")
        envargs=(--env "GREETING=$GREETING")
    fi
    local native=(env -i "${envvars[@]}" "$work/bin/$prog" "${args[@]}")
    local wasm=(node --no-warnings "$here/run-node.mjs" --dir "$preopen" "${envargs[@]}"
                "$here/$prog.wasm" "${args[@]}")
    if [ -n "${TARN:-}" ]; then
        wasm=("$TARN" run --dir "$preopen" "${envargs[@]}" "$here/$prog.wasm" "${args[@]}")
    fi

    local ns=0 ws=0
    (cd "$d" && run_io "$input" "$work/n" "${native[@]}") || ns=$?
    rm -rf "$d"
    cp -a "$fixture" "$d"
    (cd "$d" && run_io "$input" "$work/w" "${wasm[@]}") || ws=$?

    if cmp -s "$work/n.out" "$work/w.out" && cmp -s "$work/n.err" "$work/w.err" \
        && [ "$ns" = "$ws" ]; then
        echo "ok   $name (status $ns, $(wc -c <"$work/n.out") bytes out)"
        passed=$((passed + 1))
    else
        echo "FAIL $name: native status $ns, wasm status $ws"
        diff <(cat "$work/n.out" "$work/n.err") <(cat "$work/w.out" "$work/w.err") | head -20 || true
        failed=$((failed + 1))
    fi
}

none=/dev/null
unset GREETING
run_case hello-plain        $none . hello
run_case hello-args         $none . hello one "two words" "" "ünïcødé"
GREETING="Hi there" run_case hello-env $none . hello --flag
run_case hello-read         $none . hello --read @DIR@/greeting.txt
run_case hello-read-abs     $none abs hello --read @DIR@/sub/deeper/big.txt
run_case hello-read-empty   $none . hello --read empty.txt
run_case cat-empty          $none . cat
run_case cat-text           "$fixture/sub/deeper/big.txt" . cat
run_case cat-binary         "$fixture/sub/deeper/bytes.bin" . cat
run_case cat-pipes          "pipe:$fixture/sub/deeper/big.txt" . cat
run_case walk-dot           $none . walk .
run_case walk-abs           $none abs walk @DIR@
run_case walk-sub           $none . walk sub
run_case files-dot          $none . files .
run_case files-abs          $none abs files @DIR@
run_case files-sub          $none . files sub/deeper
for status in 0 1 3 42 125; do
    run_case "exit_code-$status" $none . exit_code "$status"
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
