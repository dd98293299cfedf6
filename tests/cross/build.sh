# tests/cross/build.sh -- sourced by tests/cross/aarch64.sh and
# bench/arm_icount.sh: kt_cross_build SRC DATA DIR cross-compiles the
# source tree SRC for AArch64 with Debian's aarch64-linux-gnu-gcc into
# DIR/b, with only the required parts (the engine, the nets with their
# NEON int8 kernel, the MIDI plugin) and -Werror; DIR also gets the
# cross file and an lv2.pc of the LV2 headers alone (not the host's
# /usr/include, whose glibc headers are x86's).  Returns 77 with a line
# saying what is missing (Debian: gcc-aarch64-linux-gnu
# libc6-dev-arm64-cross qemu-user lv2-dev), 1 on a failed build.
KT_CROSS_SYSROOT=/usr/aarch64-linux-gnu

kt_cross_build() {
  kt_src=$1 kt_data=$2 kt_dir=$3
  for c in meson ninja pkg-config aarch64-linux-gnu-gcc qemu-aarch64; do
    command -v "$c" >/dev/null 2>&1 || {
      echo "SKIP: no $c (Debian: gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)"
      return 77
    }
  done
  [ -f "$KT_CROSS_SYSROOT/lib/libc.so.6" ] || {
    echo "SKIP: no $KT_CROSS_SYSROOT (libc6-dev-arm64-cross)"
    return 77
  }
  kt_lv2inc=$(pkg-config --variable=includedir lv2 2>/dev/null)
  [ -n "$kt_lv2inc" ] && [ -d "$kt_lv2inc/lv2" ] || {
    echo "SKIP: no lv2 headers (lv2-dev)"
    return 77
  }
  mkdir -p "$kt_dir/pc" "$kt_dir/inc" || return 1
  ln -sfn "$kt_lv2inc/lv2" "$kt_dir/inc/lv2"
  cat >"$kt_dir/pc/lv2.pc" <<PC
Name: LV2
Description: LV2 headers for the cross build
Version: $(pkg-config --modversion lv2)
Cflags: -I$kt_dir/inc
PC
  cat >"$kt_dir/pkg-config" <<PK
#!/bin/sh
PKG_CONFIG_LIBDIR=$kt_dir/pc PKG_CONFIG_PATH= exec pkg-config "\$@"
PK
  chmod +x "$kt_dir/pkg-config"
  cat >"$kt_dir/cross.ini" <<CI
[binaries]
c = 'aarch64-linux-gnu-gcc'
ar = 'aarch64-linux-gnu-ar'
strip = 'aarch64-linux-gnu-strip'
pkgconfig = '$kt_dir/pkg-config'
exe_wrapper = ['qemu-aarch64', '-L', '$KT_CROSS_SYSROOT']

[host_machine]
system = 'linux'
cpu_family = 'aarch64'
cpu = 'cortex-a72'
endian = 'little'
CI
  meson setup "$kt_dir/b" "$kt_src" --cross-file "$kt_dir/cross.ini" \
    -Dwerror=true -Ddata_dir="$kt_data" -Daudio_plugin=disabled -Dui=disabled \
    -Dclap=disabled -Dtools=disabled -Dtrainer=disabled \
    >"$kt_dir/setup.log" 2>&1 || {
    tail -n 30 "$kt_dir/setup.log"
    echo "FAIL: meson setup (cross)"
    return 1
  }
  ninja -C "$kt_dir/b" -j2 >"$kt_dir/ninja.log" 2>&1 || {
    tail -n 40 "$kt_dir/ninja.log"
    echo "FAIL: ninja (cross)"
    return 1
  }
  return 0
}
