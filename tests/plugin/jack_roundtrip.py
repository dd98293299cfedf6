#!/usr/bin/python3
"""JACK round trip through jalv (run by jalv_jack.sh).

A player client is JACK timebase master (BBT at 120 bpm, 4/4, ticks =
frames so positions are exact), rolls the transport and plays a melody into
the plugin's `control` port; a recorder client records `midi_out` with the
transport frame of every event.  Checks: alto/tenor/bass note-ons on
channels 2/3/4, each on a sixteenth boundary (6000 frames at 120 bpm,
48 kHz; one frame of float rounding allowed), at most one note per voice,
and every note released after the transport stops.
usage: jack_roundtrip.py JALV_CLIENT_NAME"""
import os
import sys
import time

import jack

RATE = 48000
BPM = 120.0
FPB = int(RATE * 60 / BPM)  # frames per beat: 24000
SIX = FPB // 4              # frames per sixteenth: 6000


def main():
    jalv = sys.argv[1]
    server = os.environ.get("JACK_DEFAULT_SERVER")
    player = jack.Client("kt-player", no_start_server=True, servername=server)
    recorder = jack.Client("kt-recorder", no_start_server=True,
                           servername=server)
    if player.samplerate != RATE:
        print(f"FAIL: JACK runs at {player.samplerate} Hz, expected {RATE}")
        return 1
    out = player.midi_outports.register("out")
    inp = recorder.midi_inports.register("in")

    # melody: quarter notes from bar 2 on, released 300 frames early
    pitches = [72, 71, 69, 67, 65, 67, 69, 71, 72, 74, 72, 71, 72]
    melody = []
    t = 4 * FPB
    for p in pitches:
        melody.append((t, bytes([0x90, p, 90])))
        melody.append((t + FPB - 300, bytes([0x80, p, 0])))
        t += FPB
    end_frame = t + 4 * FPB
    state = {"next": 0, "late": 0}
    events = []  # (transport frame, bytes, rolling)

    @player.set_process_callback
    def play(frames):
        out.clear_buffer()
        st, pos = player.transport_query_struct()
        if st != jack.ROLLING:
            return
        f0 = pos.frame
        while state["next"] < len(melody) and \
                melody[state["next"]][0] < f0 + frames:
            f, data = melody[state["next"]]
            off = f - f0
            if off < 0:
                state["late"] += 1
                off = 0
            out.write_midi_event(off, data)
            state["next"] += 1

    def timebase(st, blocksize, pos, new_pos):
        beats = pos.frame / FPB
        bar = int(beats // 4)
        beat = beats - 4 * bar
        pos.valid = jack._lib.JackPositionBBT
        pos.bar = bar + 1
        pos.beat = int(beat) + 1
        pos.tick = int(round((beat - int(beat)) * FPB))
        pos.bar_start_tick = 0.0
        pos.beats_per_bar = 4.0
        pos.beat_type = 4.0
        pos.ticks_per_beat = float(FPB)
        pos.beats_per_minute = BPM

    @recorder.set_process_callback
    def record(frames):
        st, pos = recorder.transport_query_struct()
        for off, data in inp.incoming_midi_events():
            events.append((pos.frame + off, bytes(data), st == jack.ROLLING))

    player.activate()
    recorder.activate()
    if not player.set_timebase_callback(timebase):
        print("FAIL: cannot become timebase master")
        return 1
    # wait for jalv's ports
    deadline = time.time() + 20
    while time.time() < deadline:
        names = [p.name for p in player.get_ports(jalv + ":")]
        if f"{jalv}:control" in names and f"{jalv}:midi_out" in names:
            break
        time.sleep(0.1)
    else:
        print(f"FAIL: jalv ports did not appear: "
              f"{[p.name for p in player.get_ports()]}")
        return 1
    # the ports show before jalv has activated its client, and JACK refuses
    # a connection until then: retry for a while
    for attempt in range(50):
        try:
            if not player.get_all_connections(out):
                player.connect(out, f"{jalv}:control")
            if not recorder.get_all_connections(inp):
                recorder.connect(f"{jalv}:midi_out", inp)
            break
        except jack.JackError:
            if attempt == 49:
                raise
            time.sleep(0.2)
    player.transport_locate(0)
    time.sleep(0.2)
    player.transport_start()
    deadline = time.time() + 60
    while time.time() < deadline:
        st, pos = player.transport_query()
        if pos.get("frame", 0) > end_frame:
            break
        time.sleep(0.05)
    else:
        print("FAIL: the transport did not reach the end of the melody")
        return 1
    player.transport_stop()
    time.sleep(0.5)
    player.deactivate()
    recorder.deactivate()
    player.close()
    recorder.close()

    fails = []
    n_on = [0] * 16
    misaligned = off_by_one = 0
    sounding = {}
    for frame, d, rolling in events:
        if len(d) != 3:
            continue
        st, ch, note = d[0] & 0xF0, d[0] & 15, d[1]
        on = st == 0x90 and d[2] > 0
        off = st == 0x80 or (st == 0x90 and d[2] == 0)
        if on:
            if sounding.get((ch, note)):
                fails.append(f"double note-on {note} ch {ch + 1} at {frame}")
            sounding[(ch, note)] = 1
            n_on[ch] += 1
            if ch in (1, 2, 3):
                r = frame % SIX
                if r in (1, SIX - 1):
                    off_by_one += 1
                elif r != 0:
                    misaligned += 1
                    if misaligned <= 5:
                        print(f"  note-on ch {ch + 1} at transport frame "
                              f"{frame}: {r} frames off the sixteenth")
                voices = sum(1 for (c, n), v in sounding.items()
                             if c == ch and v)
                if voices > 1:
                    fails.append(f"{voices} notes sound on channel {ch + 1}"
                                 f" at {frame}")
        elif off:
            sounding[(ch, note)] = 0
    stuck = sorted(k for k, v in sounding.items() if v)
    print(f"recorded {len(events)} events; note-ons on channels 1..4: "
          f"{n_on[:4]}; harmony note-ons one frame late: {off_by_one}; "
          f"melody notes sent late: {state['late']}")
    for ch in (1, 2, 3):
        if n_on[ch] < 3:
            fails.append(f"only {n_on[ch]} note-ons on channel {ch + 1}")
    if n_on[0] < len(pitches):
        fails.append(f"melody pass-through: {n_on[0]} of {len(pitches)}")
    if misaligned:
        fails.append(f"{misaligned} harmony note-ons off the sixteenths")
    if stuck:
        fails.append(f"notes still sounding after transport stop: {stuck}")
    for f in fails:
        print("FAIL:", f)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
