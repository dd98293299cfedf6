#!/bin/sh
# The AArch64 build under emulation: this source tree cross-compiled with
# Debian's aarch64-linux-gnu-gcc (only the required parts: the engine, the
# nets with their NEON int8 kernels, the MIDI plugin; -Werror) in a
# temporary folder, and its unit tests run under qemu-aarch64 (qemu-user):
# the non-x86 code paths (nn/q8.c's NEON kernels, plain C elsewhere)
# checked by the same tests as on x86, and the events the engine plays at
# L0 and L4 compared with this machine's (engine_digest: on the NEON dot
# product, NEON and C kernels, and on a CPU without the dot product, the
# same).  Left out: `cold` and `soak` (they count page faults and resident
# memory, which are qemu's own under emulation) and the tests that load the
# plugin into x86 hosts.  Speed is not measured: an emulator's timing says
# nothing about an ARM CPU's (bench/arm_icount.sh counts the
# instructions).  The build itself: tests/cross/build.sh.
set -u
src=${KANTOR_SRC:?}
data=${KANTOR_DATA:-}
. "$src/tests/cross/build.sh"
sysroot=$KT_CROSS_SYSROOT
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*"
  exit 1
}
kt_cross_build "$src" "$data" "$tmp"
rc=$?
[ $rc -eq 0 ] || exit $rc
echo "ninja: $(grep -c '^\[' "$tmp/ninja.log") steps, $(file -b "$tmp/b/kantor.lv2/kantor.so" | cut -d, -f1-2)"
file -b "$tmp/b/kantor.lv2/kantor.so" | grep -q aarch64 || fail "kantor.so is not AArch64"
# qemu runs the int8 nets on the NEON kernel (nn_q8 prints SKIP for the
# x86 ones); KANTOR_Q8_ISA would choose another, so it is unset.  Timeouts
# x3: emulated, `engine` takes about 2 minutes of its 5 here
unset KANTOR_Q8_ISA
meson test -C "$tmp/b" --no-rebuild --print-errorlogs --num-processes 2 -t 3 \
  nn_encode nn_model nn_q8 nn_harmony clock engine sort-out timing \
  shell-core corpus_kern corpus_roundtrip corpus_transpose metrics style \
  >"$tmp/test.log" 2>&1
rc=$?
grep -E '^ *[0-9]+/[0-9]+ ' "$tmp/test.log"
[ $rc -eq 0 ] || { tail -n 60 "$tmp/test.log"; fail "tests under qemu-aarch64"; }
grep -q 'NEON kernel checked' "$tmp/b/meson-logs/testlog.txt" || fail "nn_q8 did not check the NEON kernel"
# qemu's default CPU has the dot product instructions (Armv8.2)
grep -q 'NEON dot product kernel checked' "$tmp/b/meson-logs/testlog.txt" ||
  fail "nn_q8 did not check the NEON dot product kernel"
# the same events out as on this machine (tests/engine/engine_digest.c)
native=${KANTOR_BUILD:-}/tests/engine/engine_digest
if [ -x "$native" ]; then
  "$native" | grep '^L' >"$tmp/native.txt" || fail "engine_digest on this machine"
  qemu-aarch64 -L "$sysroot" "$tmp/b/tests/engine/engine_digest" | grep '^L' \
    >"$tmp/arm.txt" || fail "engine_digest under qemu-aarch64"
  sed 's/^/x86-64:  /' "$tmp/native.txt"
  sed 's/^/AArch64: /' "$tmp/arm.txt"
  cmp -s "$tmp/native.txt" "$tmp/arm.txt" ||
    fail "the AArch64 build plays other events than this machine's"
  for isa in neon c; do
    KANTOR_Q8_ISA=$isa qemu-aarch64 -L "$sysroot" \
      "$tmp/b/tests/engine/engine_digest" | grep '^L' >"$tmp/arm-$isa.txt"
    cmp -s "$tmp/native.txt" "$tmp/arm-$isa.txt" ||
      fail "the AArch64 build's $isa kernel plays other events than this machine's"
  done
  # a CPU without the dot product instructions (Armv8.0): the kernel it
  # picks must run there (no illegal instruction) and play the same
  qemu-aarch64 -L "$sysroot" -cpu cortex-a72 \
    "$tmp/b/tests/engine/engine_digest" | grep '^L' >"$tmp/arm-a72.txt"
  cmp -s "$tmp/native.txt" "$tmp/arm-a72.txt" ||
    fail "on a Cortex-A72 the AArch64 build plays other events than this machine's"
else
  echo "(no $native: the events are not compared)"
fi
echo "ok: AArch64 build, tests passed under qemu-aarch64"
