# tests/plugin/jackd.sh -- sourced by the JACK host tests (jalv_jack.sh,
# carla.sh, ardour_jack.sh): a private jackd (dummy backend, 48 kHz, no
# realtime) under the server name $JACK_DEFAULT_SERVER, and stopping what a
# test started.  Needs $tmp (the test's scratch folder).

# kt_stop PID: TERM, up to 5 s, then KILL (nothing when PID is empty)
kt_stop() {
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || return 0
  n=0
  while kill -0 "$1" 2>/dev/null && [ $n -lt 50 ]; do
    sleep 0.1
    n=$((n + 1))
  done
  kill -9 "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# kt_jackd_start PERIOD: starts jackd (its log in $tmp/jackd.log), sets
# jackd_pid and returns once a client can connect; exits 1 if it cannot.
kt_jackd_start() {
  # a jackd that was killed hard leaves its entry in JACK's shared registry,
  # and a few of those make every new server fail ("Too many servers already
  # active"): with no jackd running at all, the registry is stale
  pgrep -x jackd >/dev/null 2>&1 ||
    rm -f /dev/shm/jack-shm-registry /dev/shm/jack-[0-9]*-[0-9]* 2>/dev/null
  # -t 5000: a client may stall the graph 5 s (the default 500 ms) before
  # the server throws it out: Ardour setting up its session and latency
  # (lookahead 4) in a full test run was thrown out so ("JACK server has
  # been closed", the track's ports never appeared) in 2 of 4 runs
  jackd -n "$JACK_DEFAULT_SERVER" --no-realtime -S -t 5000 -d dummy \
    -r 48000 -p "$1" >"$tmp/jackd.log" 2>&1 &
  jackd_pid=$!
  i=0
  until /usr/bin/python3 -c '
import jack
jack.Client("kt-probe", no_start_server=True).close()' >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 50 ] || ! kill -0 "$jackd_pid" 2>/dev/null; then
      echo "FAIL: jackd did not start"
      cat "$tmp/jackd.log"
      exit 1
    fi
    sleep 0.2
  done
}

# kt_jackd_log: the server's log (for a failing test's output)
kt_jackd_log() {
  echo "--- jackd's log"
  cat "$tmp/jackd.log" 2>/dev/null
}

# kt_jackd_stop: stops the server, removes what a killed one leaves behind
# (for this server name only)
kt_jackd_stop() {
  kt_stop "$jackd_pid"
  jackd_pid=
  rm -f /dev/shm/jack_*"$JACK_DEFAULT_SERVER"* \
    /dev/shm/jack_sem.*"$JACK_DEFAULT_SERVER"* 2>/dev/null
}
