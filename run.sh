#!/usr/bin/env bash
# Kantor: one entry point for set-up, demo, tests and benchmarks.
#   ./run.sh demo    set up, build, install the LV2 bundle, render the demo
#   ./run.sh test    set up, build, run every test suite
#   ./run.sh bench   set up, build, run the benchmarks
#   ./run.sh setup   only install packages and configure
# Works on a fresh Debian 12 machine as root (installs what is missing).
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=${KANTOR_BUILD_DIR:-build}
DATA=${KANTOR_DATA:-$ROOT/../shared/data/bach-370-chorales}
export KANTOR_DATA=$DATA

PKGS=(build-essential pkg-config meson ninja-build lv2-dev liblilv-dev
  lilv-utils libopenblas-dev libsndfile1-dev libfluidsynth-dev
  fluid-soundfont-gm libasound2-dev portaudio19-dev libfftw3-dev
  libsamplerate0-dev libcairo2-dev libx11-dev dpf-source)
TEST_PKGS=(clang-22 libclang-rt-22-dev jalv jackd2 python3-jack-client
  python3-mido sordi lv2-examples valgrind ardour libxml2-utils
  xvfb libsuil-0-0 fonts-dejavu-core
  libjack-jackd2-dev libmagic-dev # Carla (../shared/tools/carla, built by its test)
  libelf-dev libcurl4-openssl-dev # lv2lint (../shared/tools/lv2lint, built by its test)
  lilypond musescore3 # the notation test: LilyPond, musicxml2ly, MuseScore 3 (~1 min each to install)
  gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user) # the AArch64 build under qemu (suite cross)
BENCH_PKGS=(python3-torch libaubio-dev) # torch_train.py (training speed vs PyTorch),
# bench_pitch (the audio tracker vs aubio, ~15 min)

# Every optional part (meson features, meson_options.txt) is required here:
# PKGS installs what they need, and a part that cannot be built is an error,
# never silently left out.
FEATURES=(-Daudio_plugin=enabled -Dui=enabled -Dclap=enabled -Dtools=enabled
  -Dtrainer=enabled)

log() { printf '\033[1m== %s\033[0m\n' "$*"; }

install_pkgs() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
      || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "run.sh: need root to install ${missing[*]} (or install them yourself)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

configure() {
  local dir=$1; shift
  if [ -f "$dir/build.ninja" ]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi
}

build() {
  install_pkgs "${PKGS[@]}"
  configure "$BUILD" -Dwerror=true -Ddata_dir="$DATA" "${FEATURES[@]}"
  ninja -C "$BUILD"
}

install_bundle() {
  local dest=${LV2_DEST:-$HOME/.lv2}
  mkdir -p "$dest"
  rm -rf "$dest/kantor.lv2"
  cp -r "$BUILD/kantor.lv2" "$dest/kantor.lv2"
  echo "installed $dest/kantor.lv2"
  local cdest=${CLAP_DEST:-$HOME/.clap}
  if [ -f "$BUILD/kantor.clap" ]; then
    mkdir -p "$cdest"
    cp "$BUILD/kantor.clap" "$cdest/kantor.clap.tmp"
    mv "$cdest/kantor.clap.tmp" "$cdest/kantor.clap"
    echo "installed $cdest/kantor.clap"
  fi
}

cmd=${1:-help}
case "$cmd" in
  setup)
    install_pkgs "${PKGS[@]}" "${TEST_PKGS[@]}"
    build
    ;;
  demo)
    build
    install_bundle
    mkdir -p out
    if [ ! -d "$DATA/kern" ]; then
      echo "(corpus not found at $DATA: the demo does not need it)"
    fi
    "$BUILD/tools/kantor" render demo/melody.mid -o out/demo.mid \
      --wav out/demo.wav --svg out/demo.svg --musicxml out/demo.musicxml
    echo
    echo "Harmonized: $ROOT/out/demo.mid  (four tracks: Soprano Alto Tenor Bass)"
    echo "Audio:      $ROOT/out/demo.wav"
    echo "Piano roll: $ROOT/out/demo.svg"
    echo "Score:      $ROOT/out/demo.musicxml  (MusicXML: MuseScore, Dorico, ...)"
    echo
    sed -n '/^## Loading the plugin/,/^## /p' README.md | sed '$d'
    sed -n '/^## CLAP/,/^## /p' README.md | sed '$d'
    ;;
  test)
    install_pkgs "${PKGS[@]}" "${TEST_PKGS[@]}"
    build
    log "meson test (unit, corpus, host, soak, memcheck)"
    meson test -C "$BUILD" --print-errorlogs --num-processes 2 \
      --suite unit --suite corpus --suite host --suite soak --suite memcheck
    log "RealtimeSanitizer build (clang-22 -fsanitize=realtime)"
    CC=clang-22 configure build-rtsan -Drtsan=true -Ddata_dir="$DATA" "${FEATURES[@]}"
    ninja -C build-rtsan
    meson test -C build-rtsan --print-errorlogs --suite rtsan
    log "fuzz (libFuzzer + ASan/UBSan, ${KANTOR_FUZZ_RUNS:-200000} runs per target, fuzz_plugin a tenth)"
    CC=clang-22 configure build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
      -Db_lundef=false -Dfuzz_runs="${KANTOR_FUZZ_RUNS:-200000}" -Ddata_dir="$DATA" \
      "${FEATURES[@]}"
    ninja -C build-fuzz tests/fuzz/fuzz_engine tests/fuzz/fuzz_model \
      tests/fuzz/fuzz_kern tests/fuzz/fuzz_smf tests/fuzz/fuzz_plugin \
      tests/fuzz/fuzz_pitch tests/fuzz/fuzz_musicxml
    meson test -C build-fuzz --no-rebuild --print-errorlogs --suite fuzz
    log "AArch64 cross build, its unit tests under qemu-aarch64 (~2.5 min)"
    meson test -C "$BUILD" --print-errorlogs --suite cross
    ;;
  bench)
    install_pkgs "${BENCH_PKGS[@]}"
    build
    meson test -C "$BUILD" --benchmark --verbose
    ;;
  *)
    sed -n '2,8p' "$0"
    exit 2
    ;;
esac
