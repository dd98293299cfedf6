/* tests/engine/test_engine.c -- the engine as every shell drives it:
 * quantizing to slices, grace window, lookahead latency, determinism, and
 * the invariants under random input (no stuck notes, at most one note per
 * voice, voices in range, output sorted and within capacity). */
#include "decode.h"
#include "engine.h"
#include "fpmode.h"
#include "harmony.h"
#include "../check.h"
#include "../embedded.h"
#include "../listen.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RATE 48000.0
#define CAP 8192

static uint64_t rs = 12345;
static uint32_t rnd(void)
{
  rs ^= rs << 13;
  rs ^= rs >> 7;
  rs ^= rs << 17;
  return (uint32_t)(rs >> 11);
}

/* ---- sounding-note tracker over the output -------------------------- */
typedef struct {
  int on[16][128];
  int64_t total_on;
} tracker;

static void track(tracker *t, const kt_out *o, uint32_t n_frames,
                  const char *ctx)
{
  uint32_t last = 0;
  for (uint32_t i = 0; i < o->n; ++i) {
    const kt_midi_out *e = &o->ev[i];
    CHECK(e->frame < n_frames || (n_frames == 0 && e->frame == 0),
          "%s: event frame %u past block %u", ctx, e->frame, n_frames);
    CHECK(e->frame >= last, "%s: output not sorted (%u after %u)", ctx,
          e->frame, last);
    last = e->frame;
    CHECK(e->size >= 2 && e->size <= 3 && (e->data[0] & 0x80) &&
              e->data[0] < 0xF0,
          "%s: malformed output status %02x size %u", ctx, e->data[0], e->size);
    for (int k = 1; k < e->size; ++k)
      CHECK(!(e->data[k] & 0x80), "%s: data byte %02x", ctx, e->data[k]);
    int st = e->data[0] & 0xF0, ch = e->data[0] & 15, n = e->data[1] & 127;
    if (st == 0x90 && e->data[2] > 0) {
      CHECK(t->on[ch][n] == 0, "%s: note-on %d ch %d while sounding", ctx, n,
            ch + 1);
      t->on[ch][n]++;
      t->total_on++;
    } else if (st == 0x80 || st == 0x90) {
      if (t->on[ch][n] > 0) t->on[ch][n]--;
    } else if (st == 0xB0 && (e->data[1] == 123 || e->data[1] == 120)) {
      memset(t->on[ch], 0, sizeof t->on[ch]);
    }
  }
  CHECK(o->n <= o->cap, "%s: over capacity", ctx);
}

static int sounding_on(const tracker *t, int ch)
{
  int n = 0;
  for (int p = 0; p < 128; ++p)
    n += t->on[ch][p];
  return n;
}

static kt_engine *make(void)
{
  char err[256];
  kt_engine *e = kt_engine_new(RATE, 8192, err, sizeof err);
  if (!e) {
    fprintf(stderr, "engine: %s\n", err);
    exit(1);
  }
  return e;
}

static kt_event pos_ev(uint32_t frame, double bpm, double qn, int rolling)
{
  kt_event ev;
  memset(&ev, 0, sizeof ev);
  ev.type = KT_EV_POSITION;
  ev.frame = frame;
  ev.pos.flags = KT_POS_SPEED | KT_POS_BPM | KT_POS_BAR | KT_POS_BARBEAT |
                 KT_POS_BPB | KT_POS_BEATUNIT;
  ev.pos.speed = rolling ? 1.0 : 0.0;
  ev.pos.bpm = bpm;
  ev.pos.beats_per_bar = 4;
  ev.pos.beat_unit = 4;
  ev.pos.bar = (int64_t)(qn / 4);
  ev.pos.bar_beat = qn - 4.0 * (double)ev.pos.bar;
  return ev;
}

static kt_event midi_ev(uint32_t frame, uint8_t a, uint8_t b, uint8_t c)
{
  kt_event ev;
  memset(&ev, 0, sizeof ev);
  ev.type = KT_EV_MIDI;
  ev.frame = frame;
  ev.size = 3;
  ev.midi[0] = a;
  ev.midi[1] = b;
  ev.midi[2] = c;
  return ev;
}

/* A rolling transport at 120 bpm: a melody of quarter notes, one note
 * every 24000 frames; returns all output events (absolute frames). */
typedef struct {
  int64_t frame;
  uint8_t d[3];
} abs_ev;

static int transpose; /* semitones added to play_scale's melody */

static int64_t play_step; /* play_scale's frames per melody note (0: a
                             quarter) */

static int play_scale(kt_engine *e, int block, abs_ev *rec, int cap,
                      int64_t *total_frames)
{
  static const int mel[] = {67, 69, 71, 72, 74, 72, 71, 69, 67, 66, 67, -1};
  const int64_t fpq = 24000; /* frames per quarter at 120 bpm */
  const int64_t step = play_step ? play_step : fpq;
  int64_t total = fpq * 14, now = 0;
  int n = 0;
  kt_midi_out buf[CAP];
  tracker t;
  memset(&t, 0, sizeof t);
  while (now < total) {
    uint32_t len = block ? (uint32_t)block : 1 + rnd() % 4096;
    if (now + len > total) len = (uint32_t)(total - now);
    kt_event ev[8];
    int ne = 0;
    ev[ne++] = pos_ev(0, 120, (double)now / fpq, 1);
    for (int i = 0; mel[i] >= 0; ++i) {
      int64_t on = i * step, off = (i + 1) * step;
      if (off >= now && off < now + len)
        ev[ne++] = midi_ev((uint32_t)(off - now), 0x80,
                           (uint8_t)(mel[i] + transpose), 0);
      if (on >= now && on < now + len)
        ev[ne++] = midi_ev((uint32_t)(on - now), 0x90,
                           (uint8_t)(mel[i] + transpose), 90);
    }
    kt_out o = {buf, 0, CAP, 0};
    kt_engine_process(e, ev, (uint32_t)ne, len, &o);
    track(&t, &o, len, "scale");
    for (uint32_t i = 0; i < o.n && n < cap; ++i) {
      rec[n].frame = now + o.ev[i].frame;
      memcpy(rec[n].d, o.ev[i].data, 3);
      n++;
    }
    now += len;
  }
  *total_frames = total;
  /* the melody ended: everything is released */
  for (int ch = 0; ch < 16; ++ch)
    CHECK(sounding_on(&t, ch) == 0, "scale: %d notes stuck on channel %d",
          sounding_on(&t, ch), ch + 1);
  return n;
}

static void test_scale(void)
{
  static abs_ev a[4096], b[4096];
  int64_t total;
  int counts[16] = {0};
  kt_engine *e = make();
  kt_engine_set_param(e, KT_P_PASSTHRU, 0);
  int na = play_scale(e, 256, a, 4096, &total);
  for (int i = 0; i < na; ++i) {
    int ch = a[i].d[0] & 15;
    if ((a[i].d[0] & 0xF0) == 0x90 && a[i].d[2] > 0) {
      static const int lo[4] = {0, 53, 48, 36}, hi[4] = {127, 74, 69, 64};
      if (ch >= 1 && ch <= 3)
        CHECK(a[i].d[1] >= lo[ch] && a[i].d[1] <= hi[ch],
              "voice on channel %d sings %d, outside its range", ch + 1,
              a[i].d[1]);
      counts[ch]++;
      CHECK(a[i].frame % 6000 == 0,
            "voice note-on at %lld, not on a "
            "sixteenth boundary",
            (long long)a[i].frame);
    }
  }
  CHECK(counts[1] > 0 && counts[2] > 0 && counts[3] > 0,
        "alto/tenor/bass on channels 2/3/4: %d %d %d", counts[1], counts[2],
        counts[3]);
  CHECK(counts[0] == 0, "nothing on channel 1 without pass-through");
  kt_engine_free(e);

  /* same input, other block partition (random sizes): identical output */
  e = make();
  kt_engine_set_param(e, KT_P_PASSTHRU, 0);
  int nb = play_scale(e, 0, b, 4096, &total);
  CHECK(na == nb, "block size changed the output: %d vs %d events", na, nb);
  for (int i = 0; i < na && i < nb; ++i)
    CHECK(a[i].frame == b[i].frame && !memcmp(a[i].d, b[i].d, 3),
          "event %d differs across block partitions", i);
  kt_engine_free(e);
}

static void test_sampling_seed(void)
{
  static abs_ev a[4096], b[4096], c[4096];
  int64_t total;
  kt_engine *e = make();
  kt_engine_set_param(e, KT_P_TEMPERATURE, 1.0f);
  kt_engine_set_param(e, KT_P_SEED, 7);
  int na = play_scale(e, 512, a, 4096, &total);
  kt_engine_free(e);
  e = make();
  kt_engine_set_param(e, KT_P_TEMPERATURE, 1.0f);
  kt_engine_set_param(e, KT_P_SEED, 7);
  int nb = play_scale(e, 100, b, 4096, &total);
  kt_engine_free(e);
  CHECK(na == nb && !memcmp(a, b, sizeof(abs_ev) * (size_t)na),
        "same seed, same output");
  int differs = 0;
  for (int s = 8; s < 12 && !differs; ++s) {
    e = make();
    kt_engine_set_param(e, KT_P_TEMPERATURE, 1.0f);
    kt_engine_set_param(e, KT_P_SEED, (float)s);
    int nc = play_scale(e, 512, c, 4096, &total);
    differs = nc != na || memcmp(a, c, sizeof(abs_ev) * (size_t)na);
    kt_engine_free(e);
  }
  CHECK(differs, "other seeds at temperature 1 change the output");
}

/* Free-running (no host position): the first note starts the grid; a note
 * within the grace window after a boundary is harmonized at once, a later
 * one waits for the next boundary. */
static void test_grace_and_free_run(void)
{
  kt_engine *e = make();
  kt_engine_set_param(e, KT_P_BPM, 120);
  kt_engine_set_param(e, KT_P_GRACE_MS, 12);
  /* the grace window of a fixed timing (in Auto, notes 5 and 30 ms late
     are a jittery player's, whose late notes open their slice at once:
     tests/engine/test_timing.c) */
  kt_engine_set_param(e, KT_P_TIMING, 0);
  kt_engine_set_param(e, KT_P_PASSTHRU, 0);
  kt_midi_out buf[CAP];
  tracker t;
  memset(&t, 0, sizeof t);
  /* block 0: note-on at frame 100 -> grid starts at 100, voices at 100 */
  kt_event ev = midi_ev(100, 0x90, 67, 100);
  kt_out o = {buf, 0, CAP, 0};
  kt_engine_process(e, &ev, 1, 4800, &o);
  track(&t, &o, 4800, "free-run start");
  int first = -1;
  for (uint32_t i = 0; i < o.n; ++i)
    if ((o.ev[i].data[0] & 0xF0) == 0x90 && first < 0)
      first = (int)o.ev[i].frame;
  CHECK(first == 100, "first voices at the first note (frame %d)", first);
  /* boundaries every 6000 frames from 100: 6100, 12100, ... Play a new
   * note 5 ms (240 frames) after the boundary at 12100 */
  o.n = 0;
  kt_engine_process(e, NULL, 0, 4800, &o); /* 4800..9600 */
  track(&t, &o, 4800, "held");
  o.n = 0;
  ev = midi_ev(12100 + 240 - 9600, 0x90, 72, 100);
  kt_event off = midi_ev(12100 + 240 - 9600, 0x80, 67, 0);
  kt_event two[2] = {off, ev};
  kt_engine_process(e, two, 2, 4800, &o); /* 9600..14400 */
  track(&t, &o, 4800, "grace");
  /* every voice event of this block sits on the boundary or at the graced
   * note: nothing waited for the next boundary */
  for (uint32_t i = 0; i < o.n; ++i)
    CHECK(o.ev[i].frame == 12100 - 9600 || o.ev[i].frame == 12100 + 240 - 9600,
          "voice event at %u: neither boundary nor graced note", o.ev[i].frame);
  kt_engine_state st;
  kt_engine_get_state(e, &st);
  CHECK(st.soprano == 72, "graced note is the slice's soprano (%d)",
        st.soprano);
  /* 30 ms after the boundary at 18100: waits for 24100 */
  o.n = 0;
  kt_engine_process(e, NULL, 0, 4800, &o); /* 14400..19200 */
  track(&t, &o, 4800, "held2");
  o.n = 0;
  kt_event late[2] = {
      midi_ev(18100 + 1440 - 19200 + 4800 - 4800, 0x80, 72, 0),
      midi_ev(18100 + 1440 - 19200 + 4800 - 4800, 0x90, 74, 100)};
  /* frame inside 19200..24000 block is 19540 - 19200 = 340 */
  late[0].frame = late[1].frame = 18100 + 1440 - 19200;
  kt_engine_process(e, late, 2, 4800, &o); /* 19200..24000 */
  track(&t, &o, 4800, "late");
  int early_on = 0;
  for (uint32_t i = 0; i < o.n; ++i)
    if ((o.ev[i].data[0] & 0xF0) == 0x90) early_on++;
  CHECK(early_on == 0, "a late note does not sound before its boundary");
  o.n = 0;
  kt_engine_process(e, NULL, 0, 4800, &o); /* 24000..28800: boundary 24100 */
  track(&t, &o, 4800, "late2");
  kt_engine_get_state(e, &st);
  CHECK(st.soprano == 74, "late note harmonized at the next boundary (%d)",
        st.soprano);
  /* release: voices stop at the next boundary */
  o.n = 0;
  ev = midi_ev(0, 0x80, 74, 0);
  kt_engine_process(e, &ev, 1, 4800, &o); /* 28800..33600, boundary 30100 */
  track(&t, &o, 4800, "release");
  int total_on = 0;
  for (int ch = 0; ch < 16; ++ch)
    total_on += sounding_on(&t, ch);
  CHECK(total_on == 0, "released at the next boundary (%d sounding)", total_on);
  kt_engine_free(e);
}

/* the lookahead's listen time at 120 bpm, 48 kHz (tests/listen.h) */
#define L4_LISTEN kt_test_listen(4, 48000.0, 6000.0)

static void test_lookahead_latency(void)
{
  kt_engine *e = make();
  kt_engine_set_param(e, KT_P_LOOKAHEAD, 4);
  kt_engine_set_param(e, KT_P_PASSTHRU, 0);
  kt_midi_out buf[CAP];
  kt_out o = {buf, 0, CAP, 0};
  kt_event ev[2] = {pos_ev(0, 120, 0, 1), midi_ev(0, 0x90, 67, 90)};
  kt_engine_process(e, ev, 2, 256, &o);
  const kt_model *m = kt_engine_current_model(e);
  CHECK(m->repr.lookahead == 4, "lookahead 4 picks the L=4 model");
  int L = m->repr.lookahead;
  /* L slices and the listen time (engine.h, KT_LISTEN_S) */
  const int lat = L * 6000 + L4_LISTEN;
  CHECK(kt_engine_latency(e) == (uint32_t)lat,
        "latency %u for lookahead %d at 120 bpm, expected %d",
        kt_engine_latency(e), L, lat);
  int64_t now = 256, first = -1;
  while (now < 24000 * 3 && first < 0) {
    o.n = 0;
    kt_event p = pos_ev(0, 120, now / 24000.0, 1);
    kt_engine_process(e, &p, 1, 256, &o);
    for (uint32_t i = 0; i < o.n; ++i)
      if ((o.ev[i].data[0] & 0xF0) == 0x90 && first < 0)
        first = now + o.ev[i].frame;
    now += 256;
  }
  CHECK(first == lat,
        "voices come L slices and the listen time late: at %lld, expected %d",
        (long long)first, lat);
  kt_engine_free(e);
}

/* Pass-through under lookahead waits for the voices: the state says how
 * much is queued and for how long (what a host or test may wait for). */
static void test_passthrough_queue(void)
{
  kt_engine *e = make();
  kt_engine_set_param(e, KT_P_LOOKAHEAD, 4);
  kt_midi_out buf[CAP];
  kt_out o = {buf, 0, CAP, 0};
  kt_event ev[2] = {pos_ev(0, 120, 0, 1), midi_ev(10, 0x90, 67, 90)};
  kt_engine_process(e, ev, 2, 256, &o);
  kt_engine_state st;
  kt_engine_get_state(e, &st);
  CHECK(st.pt_queued == 1 && st.pt_wait == 24010 + L4_LISTEN - 256,
        "queued %u, due in %lld frames", st.pt_queued, (long long)st.pt_wait);
  int64_t now = 256, at = -1;
  while (now < 24000 + L4_LISTEN + 512) {
    o.n = 0;
    kt_event p = pos_ev(0, 120, now / 24000.0, 1);
    kt_engine_process(e, &p, 1, 256, &o);
    for (uint32_t i = 0; i < o.n; ++i)
      if (o.ev[i].data[0] == 0x90 && o.ev[i].data[1] == 67)
        at = now + o.ev[i].frame;
    now += 256;
  }
  kt_engine_get_state(e, &st);
  CHECK(at == 24010 + L4_LISTEN, "the melody note passes through at %lld",
        (long long)at);
  CHECK(st.pt_queued == 0 && st.pt_wait == 0, "queue empty (%u, %lld)",
        st.pt_queued, (long long)st.pt_wait);
  kt_engine_free(e);
}

/* Random everything: MIDI (including garbage), automation of every
 * parameter, transport, tempo (including nonsense), block sizes. */
static void test_property(int iters)
{
  kt_engine *e = make();
  static kt_midi_out buf[CAP];
  tracker t;
  memset(&t, 0, sizeof t);
  double qn = 0, bpm = 120, speed = 1.0;
  int rolling = 1;
  for (int it = 0; it < iters; ++it) {
    uint32_t len = 1 + rnd() % (rnd() % 8 == 0 ? 8192 : 512);
    /* automation */
    if (rnd() % 20 == 0) {
      kt_param p = (kt_param)(rnd() % KT_NPARAMS);
      const kt_param_info *pi = kt_param_get_info(p);
      float v = pi->min + (pi->max - pi->min) * (float)(rnd() % 1000) / 999.f;
      if (p == KT_P_CH_IN || p == KT_P_ENABLED) v = rnd() % 4 ? pi->def : v;
      kt_engine_set_param(e, p, v);
    }
    kt_event ev[64];
    uint32_t ne = 0;
    if (rnd() % 50 == 0) rolling = !rolling;
    if (rnd() % 40 == 0) bpm = 30 + rnd() % 250;
    /* transport speed up to 16 (kt_engine_out_needed must hold) */
    if (rnd() % 40 == 0) speed = rnd() % 2 ? 1.0 : 1.0 + rnd() % 16;
    if (rnd() % 200 == 0) qn = rnd() % 64; /* relocation / loop */
    kt_event pe = pos_ev(0, bpm, qn, rolling);
    if (rolling) pe.pos.speed = speed;
    if (rnd() % 100 == 0) pe.pos.bpm = (rnd() % 2) ? 0.0 : NAN;
    if (rnd() % 100 == 0) pe.pos.bar_beat = -INFINITY;
    if (rnd() % 3) ev[ne++] = pe;
    uint32_t nm = rnd() % 6;
    uint32_t f = 0;
    for (uint32_t k = 0; k < nm && ne < 64; ++k) {
      f += rnd() % (len / (nm + 1) + 1);
      if (f >= len) f = len - 1;
      uint8_t st = (uint8_t)(rnd() % 8 == 0 ? rnd() : 0x80 | (rnd() % 2) << 4);
      kt_event m = midi_ev(f, st | (uint8_t)(rnd() % 3 == 0 ? rnd() % 16 : 0),
                           (uint8_t)(55 + rnd() % 30), (uint8_t)(rnd() % 128));
      if (rnd() % 30 == 0) {
        m.midi[0] = 0xB0;
        m.midi[1] = rnd() % 2 ? 123 : 120;
      }
      if (rnd() % 30 == 0) m.size = (uint8_t)(rnd() % 4);
      if (rnd() % 50 == 0) m.frame = rnd(); /* out of the block */
      ev[ne++] = m;
    }
    kt_midi_out *ob = buf;
    kt_out o = {ob, 0, kt_engine_out_needed(ne, len, RATE), 0};
    int clamped = o.cap > CAP;
    if (clamped) o.cap = CAP;
    if (rnd() % 300 == 0) { /* the guard's style terms on or off */
      kt_decode_style st;
      kt_engine_style_default(&st, (int)(rnd() % 2) * 4);
      st.par_any = (int)(rnd() % 2);
      st.root_pos = (float)(rnd() % 100) / 100.0f;
      st.move[2] = (float)(rnd() % 100) / 100.0f;
      st.quality[KT_SQ_MAJ] = (float)(rnd() % 100) / 100.0f;
      st.cadence = (float)(rnd() % 100) / 50.0f;
      int m = (int)(rnd() % 3);
      kt_engine_set_style(e, m > 0, m == 2 ? &st : NULL);
    }
    kt_engine_process(e, ev, ne, len, &o);
    track(&t, &o, len, "property");
    /* kt_engine_out_needed is enough: nothing is ever dropped */
    CHECK(clamped || o.dropped == 0,
          "property: %u note-ons dropped with "
          "kt_engine_out_needed's %u",
          o.dropped, o.cap);
    /* voice notes within their ranges (channels 2..4 by default) */
    if (rolling) qn += len / RATE * bpm / 60.0 * speed;
    if (rnd() % 500 == 0) { /* a model swap releases the voices */
      kt_out so = {buf, 0, CAP, 0};
      kt_engine_model *old = kt_engine_swap_model(e, NULL, &so);
      CHECK(old == NULL, "no user model was installed");
      track(&t, &so, 1, "swap");
    }
  }
  kt_out o = {buf, 0, CAP, 0};
  kt_engine_all_off(e, 0, &o);
  track(&t, &o, 1, "final all-off");
  for (int ch = 0; ch < 16; ++ch)
    CHECK(sounding_on(&t, ch) == 0, "property: %d notes stuck on ch %d",
          sounding_on(&t, ch), ch + 1);
  CHECK(t.total_on > 100, "property run produced notes (%lld)",
        (long long)t.total_on);
  kt_engine_free(e);
}

/* Every way of silencing a voice sends its note-off. */
static void test_silencers(void)
{
  const kt_param toggles[] = {KT_P_ALTO_ON, KT_P_TENOR_ON, KT_P_BASS_ON,
                              KT_P_ENABLED};
  for (int which = 0; which < 7; ++which) {
    kt_engine *e = make();
    kt_engine_set_param(e, KT_P_PASSTHRU, 0);
    kt_midi_out buf[CAP];
    tracker t;
    memset(&t, 0, sizeof t);
    kt_event ev[2] = {pos_ev(0, 120, 0, 1), midi_ev(0, 0x90, 67, 90)};
    kt_out o = {buf, 0, CAP, 0};
    kt_engine_process(e, ev, 2, 1024, &o);
    track(&t, &o, 1024, "silencer start");
    int before = sounding_on(&t, 1) + sounding_on(&t, 2) + sounding_on(&t, 3);
    CHECK(before == 3, "three voices sound (%d)", before);
    o.n = 0;
    kt_event p = pos_ev(0, 120, 1024 / 24000.0, 1);
    int nev = 1;
    kt_event evs[2] = {p, p};
    const char *what = "";
    if (which < 4) {
      kt_engine_set_param(e, toggles[which], 0);
      what = "toggle";
    } else if (which == 4) {
      kt_engine_set_param(e, KT_P_CH_ALTO, 9);
      kt_engine_set_param(e, KT_P_CH_TENOR, 10);
      kt_engine_set_param(e, KT_P_CH_BASS, 11);
      what = "channel change";
    } else if (which == 5) {
      evs[0].pos.speed = 0;
      what = "transport stop";
    } else {
      evs[1] = midi_ev(10, 0xB0, 120, 0);
      nev = 2;
      what = "all sound off";
    }
    kt_engine_process(e, evs, (uint32_t)nev, 1024, &o);
    track(&t, &o, 1024, what);
    int after = sounding_on(&t, 1) + sounding_on(&t, 2) + sounding_on(&t, 3);
    if (which < 3)
      CHECK(after == 2, "%s %d: one voice off (%d left)", what, which, after);
    else
      CHECK(after == 0, "%s: all voices off (%d left)", what, after);
    kt_engine_free(e);
  }
}

/* An ensemble of a model's nets twice plays exactly what the model plays
 * (the mean of the same probabilities is that probability): the engine
 * runs ensembles through the same decoding. */
static void test_ensemble(void)
{
  static abs_ev a[4096], b[4096];
  int64_t total;
  char err[256];
  size_t len;
  const void *d = kt_test_embedded(4, &len); /* L4: two nets */
  kt_model *one = NULL, *m1 = NULL;
  CHECK(kt_model_load_mem(d, len, &one, err, sizeof err) == 0, "%s", err);
  CHECK(kt_model_load_mem(d, len, &m1, err, sizeof err) == 0, "%s", err);
  if (!one || !m1) return;
  const kt_model *pair[2] = {m1, m1};
  kt_model *two = kt_model_stack(pair, 2);
  CHECK(two != NULL && two->n_nets == 2 * one->n_nets, "stack");
  kt_model_free(m1);
  kt_model *ms[2] = {one, two};
  abs_ev *rec[2] = {a, b};
  int n[2] = {0, 0};
  for (int k = 0; k < 2; ++k) {
    kt_engine *e = make();
    kt_engine_set_param(e, KT_P_PASSTHRU, 0);
    kt_engine_model *em = kt_engine_model_new(ms[k], err, sizeof err);
    CHECK(em != NULL, "engine refuses the model: %s", err);
    kt_midi_out buf[CAP];
    kt_out o = {buf, 0, CAP, 0};
    CHECK(kt_engine_swap_model(e, em, &o) == NULL, "no previous model");
    n[k] = play_scale(e, 256, rec[k], 4096, &total);
    kt_engine_free(e); /* frees the installed user model */
  }
  CHECK(n[0] == n[1] && n[0] > 0, "ensemble: %d vs %d events", n[1], n[0]);
  for (int i = 0; i < n[0] && i < n[1]; ++i)
    CHECK(a[i].frame == b[i].frame && !memcmp(a[i].d, b[i].d, 3),
          "ensemble event %d differs", i);
}

/* A hand-made net whose voices follow the soprano at fixed intervals (alto
 * a third, tenor an octave, bass two octaves below): each moved copy of
 * the melody votes for the same voices once moved back, so averaging over
 * moved melodies (repr.shift_avg) must play exactly what the net plays
 * alone; a pitch moved back the wrong way would split the votes.  And on
 * the shipped L4 (trained on moved copies, shift_avg 3) the averaging is
 * on by default, deterministic, and changes the voices. */
/* A one-layer live model of representation r, all weights zero. */
static kt_model *zero_model(const kt_repr *r)
{
  int sizes[1][KT_MAX_LAYERS + 1], heads[1][KT_MAX_HEADS];
  int n_layers = 1, n_heads = 3, tot = 0;
  sizes[0][0] = kt_repr_n_inputs(r);
  for (int h = 0; h < 3; ++h)
    tot += heads[0][h] = kt_repr_n_head(r, kt_repr_head_voice(h));
  sizes[0][1] = tot;
  kt_model *m =
      kt_model_new(r, 1, &n_layers, (const int(*)[KT_MAX_LAYERS + 1]) sizes,
                   &n_heads, (const int(*)[KT_MAX_HEADS])heads);
  if (!m) return NULL;
  kt_layer *L = &m->net[0].layer[0];
  memset(L->w, 0, (size_t)L->n_in * L->n_out * sizeof *L->w);
  memset(L->b, 0, (size_t)L->n_out * sizeof *L->b);
  return m;
}

static kt_repr handmade_repr(int key_norm)
{
  kt_repr r;
  memset(&r, 0, sizeof r);
  r.arch = KT_ARCH_LIVE;
  r.window = 2;
  r.lookahead = 0;
  r.feedback = 1;
  r.key_norm = key_norm;
  static const int lo[4] = {36, 45, 50, 55}, hi[4] = {64, 72, 80, 84};
  memcpy(r.lo, lo, sizeof lo);
  memcpy(r.hi, hi, sizeof hi);
  return r;
}

static kt_model *handmade(int key_norm, int tenor_fixed)
{
  kt_repr r = handmade_repr(key_norm);
  kt_model *m = zero_model(&r);
  if (!m) return NULL;
  kt_layer *L = &m->net[0].layer[0];
  const int *heads = m->net[0].head_size;
  static const int below[3] = {4, 12, 24};          /* alto, tenor, bass */
  int sw = kt_repr_sop_width(&r), j = r.window - 1; /* slice t */
  for (int p = r.lo[KT_SOPRANO]; p <= r.hi[KT_SOPRANO]; ++p) {
    int in = j * sw + 1 + p - r.lo[KT_SOPRANO];
    for (int h = 0, off = 0; h < 3; off += heads[h++]) {
      int v = kt_repr_head_voice(h), q = p - below[h];
      if (q >= r.lo[v] && q <= r.hi[v] && !(h == 1 && tenor_fixed))
        L->w[(size_t)in * L->n_out + off + 2 + q - r.lo[v]] = 8.0f;
    }
  }
  if (tenor_fixed) /* the tenor holds A3 of the net's own frame */
    L->b[heads[0] + 2 + 57 - r.lo[KT_TENOR]] = 8.0f;
  return m;
}

static kt_model *follower(void)
{
  return handmade(0, 0);
}

/* The follower's rule said with distances below the melody (repr.rel_out,
 * sounding-pitch heads): no weights at all, only each head's bias on its
 * distance (alto 4, tenor 12, bass 24 semitones below the soprano). */
static kt_model *rel_follower(void)
{
  kt_repr r = handmade_repr(0);
  r.tgt_sound = 1;
  r.rel_out = KT_REL_DIST;
  kt_model *m = zero_model(&r);
  if (!m) return NULL;
  kt_layer *L = &m->net[0].layer[0];
  static const int below[3] = {4, 12, 24};
  for (int h = 0, off = 0; h < 3; off += m->net[0].head_size[h++])
    L->b[off + kt_repr_n_tok(&r, kt_repr_head_voice(h)) + below[h] - KT_REL_MIN] =
        8.0f;
  return m;
}

static float play_temperature; /* play_keyed's sampling temperature */
static int play_rhythm;        /* play_keyed's rhythm parameter */

static int play_keyed(kt_model *m, int shift_avg, int key, abs_ev *rec)
{
  char err[256];
  int64_t total;
  kt_engine *e = make();
  kt_engine_set_param(e, KT_P_PASSTHRU, 0);
  kt_engine_set_param(e, KT_P_GUARD, 0);
  kt_engine_set_param(e, KT_P_TEMPERATURE, play_temperature);
  kt_engine_set_param(e, KT_P_SEED, 3);
  kt_engine_set_param(e, KT_P_RHYTHM, (float)play_rhythm);
  kt_engine_set_shift_avg(e, shift_avg);
  if (key >= 0) {
    kt_engine_set_param(e, KT_P_KEY, (float)key);
    kt_engine_set_param(e, KT_P_MODE, 0);
  }
  if (m) {
    kt_engine_model *em = kt_engine_model_new(m, err, sizeof err);
    CHECK(em != NULL, "engine refuses the model: %s", err);
    kt_midi_out buf[CAP];
    kt_out o = {buf, 0, CAP, 0};
    kt_engine_swap_model(e, em, &o);
  } else {
    kt_engine_set_param(e, KT_P_LOOKAHEAD, 4);
  }
  int n = play_scale(e, 256, rec, 4096, &total);
  kt_engine_free(e);
  return n;
}

static int play_with(kt_model *m, int shift_avg, abs_ev *rec)
{
  return play_keyed(m, shift_avg, -1, rec);
}

static int same_events(const abs_ev *a, int na, const abs_ev *b, int nb)
{
  if (na != nb) return 0;
  for (int i = 0; i < na; ++i)
    if (a[i].frame != b[i].frame || memcmp(a[i].d, b[i].d, 3)) return 0;
  return 1;
}

static int alto_ons(const abs_ev *a, int n, int *pitch, int cap);

/* A net with key context (repr.key_ctx) whose alto is the key tracker's
 * tonic, as a C4..B4 pitch: the tracker listens also when the key
 * parameter is set (the mode-family input, which this net ignores, is
 * all the parameter changes), so the net plays the same either way; and
 * averaged over moved melodies, the moved tracker agrees with the moved
 * melody. */
static kt_model *tonic_follower(void)
{
  kt_repr r = handmade_repr(0);
  r.key_ctx = 1;
  r.tgt_sound = 1;
  kt_model *m = zero_model(&r);
  if (!m) return NULL;
  kt_layer *L = &m->net[0].layer[0];
  int base = (r.window + r.lookahead) * kt_repr_sop_width(&r) + KT_NPOS +
             KT_NBARLEN + 2;
  for (int c = 0; c < 12; ++c)
    L->w[(size_t)(base + c) * L->n_out + 2 + 60 + c - r.lo[KT_ALTO]] = 8.0f;
  return m;
}

static void test_key_ctx(void)
{
  static abs_ev a[4096], b[4096];
  int pa[64];
  kt_model *m = tonic_follower(), *m2 = tonic_follower(),
           *m3 = tonic_follower();
  CHECK(m && m2 && m3, "tonic follower");
  if (!m || !m2 || !m3) return;
  int na = play_keyed(m, 0, -1, a), nb = play_keyed(m2, 0, 0, b);
  int ka = alto_ons(a, na, pa, 64);
  CHECK(ka > 0 && pa[ka - 1] == 67, "key auto: %d alto notes, the last %d "
        "(the tracker's G)", ka, ka ? pa[ka - 1] : -1);
  CHECK(same_events(a, na, b, nb), "key set to C: the key context changed");
  nb = play_keyed(m3, 2, -1, b);
  CHECK(same_events(a, na, b, nb), "averaged over moved melodies: the key "
        "context does not move with the melody");
}

static void test_shift_avg(void)
{
  static abs_ev a[4096], b[4096];
  kt_model *m = follower(), *m2 = follower();
  CHECK(m && m2, "follower model");
  if (!m || !m2) return;
  int na = play_with(m, 0, a); /* the engine takes (and frees) m */
  int ok = na > 0;
  for (int i = 0; i < na; ++i) /* alto a third below the melody */
    if ((a[i].d[0] & 0xF0) == 0x90 && (a[i].d[0] & 15) == 1)
      ok &= a[i].d[1] >= 62 && a[i].d[1] <= 70;
  CHECK(ok, "the follower's alto follows the melody");
  int nb = play_with(m2, KT_MAX_SHIFT_AVG, b);
  CHECK(same_events(a, na, b, nb),
        "averaging over moved melodies changes what the follower plays");
  const kt_model *l4 = NULL;
  kt_engine *e = make();
  kt_engine_set_param(e, KT_P_LOOKAHEAD, 4);
  kt_engine_reset(e);
  l4 = kt_engine_current_model(e);
  /* the shipped L4 (teacher-l4.kmod run int8) averages over the moves
     -3..+3 itself; the averaging can be turned off or changed
     (kt_engine_set_shift_avg) */
  CHECK(l4 && l4->repr.lookahead == 4 && l4->repr.shift_avg == 3,
        "the embedded L4 averages over -3..+3");
  kt_engine_free(e);
  int n1 = play_with(NULL, 0, a), n2 = play_with(NULL, 0, b);
  CHECK(same_events(a, n1, b, n2), "one pass is deterministic");
  n2 = play_with(NULL, -1, b);
  CHECK(!same_events(a, n1, b, n2), "averaging changes nothing on the L4");
  int n3 = play_with(NULL, 3, a);
  CHECK(same_events(a, n3, b, n2), "the model's averaging is -3..+3's");
}

/* Heads that name the sounding pitch (repr.tgt_sound): the follower says
 * "alto a third below the melody" at every slice.  Read as attack tokens
 * that re-attacks the alto at every sixteenth; read as sounding pitches
 * it is one alto note per melody note (the melody has no repeated
 * pitch), held, with the same pitches in the same order. */
static int alto_ons(const abs_ev *a, int n, int *pitch, int cap)
{
  int k = 0;
  for (int i = 0; i < n; ++i)
    if ((a[i].d[0] & 0xF0) == 0x90 && (a[i].d[0] & 15) == 1 && a[i].d[2]) {
      if (k < cap) pitch[k] = a[i].d[1];
      ++k;
    }
  return k;
}

static void test_sound_target(void)
{
  static abs_ev a[4096], b[4096];
  kt_model *m = follower(), *m2 = follower();
  CHECK(m && m2, "follower model");
  if (!m || !m2) return;
  m2->repr.tgt_sound = 1;
  int na = play_with(m, 0, a), nb = play_with(m2, 0, b);
  int pa[64], pb[16];
  int ka = alto_ons(a, na, pa, 64), kb = alto_ons(b, nb, pb, 16);
  CHECK(ka == 44, "attack tokens: %d alto note-ons, not one per slice", ka);
  CHECK(kb == 11,
        "sounding pitches: %d alto note-ons, not one per melody "
        "note",
        kb);
  for (int i = 0; i < kb && i < 11 && 4 * i < ka; ++i)
    CHECK(pb[i] == pa[4 * i], "alto note %d: %d, not %d", i, pb[i], pa[4 * i]);

  /* The same rule said as distances below the melody (rel_out) plays the
     same notes: the engine gives the net the soprano it decides for, and
     over moved melodies the distances stay where they are. */
  for (int sa = 0; sa <= 2; sa += 2) {
    kt_model *f = follower(), *g = rel_follower();
    CHECK(f && g, "rel follower");
    if (!f || !g) return;
    f->repr.tgt_sound = 1;
    int nf = play_with(f, sa, a), ng = play_with(g, sa, b);
    CHECK(nf > 40 && same_events(a, nf, b, ng),
          "shift_avg %d: distances below the melody play %d events, the "
          "absolute follower %d, not the same",
          sa, ng, nf);
  }

  /* A voice that keeps its pitch is struck again when the melody moves on
     a beat (as Bach does): the hand-made net's tenor holds A3 throughout;
     with sounding-pitch heads it sounds once per melody note (the melody
     moves on every beat), not once for the whole piece. */
  {
    kt_model *f = handmade(0, 1);
    CHECK(f != NULL, "tenor-holding model");
    if (!f) return;
    f->repr.tgt_sound = 1;
    int n = play_with(f, 0, a), ons = 0, other = 0;
    for (int i = 0; i < n; ++i)
      if ((a[i].d[0] & 0xF0) == 0x90 && (a[i].d[0] & 15) == 2 && a[i].d[2])
        a[i].d[1] == 57 ? ++ons : ++other;
    CHECK(ons == 11 && other == 0,
          "tenor: %d note-ons of A3 (and %d others) for 11 melody notes on "
          "the beat",
          ons, other);
  }

  /* Sampling (temperature 1) from a flatter follower: the noise is held
     for each melody note, so the alto changes only where the net's scores
     do -- at a note's first two slices (its window of two slices moves
     onto the note) -- not at every slice; per-slice noise would re-draw
     among ~30 near-equal pitches every sixteenth. */
  int ns[2];
  for (int k = 0; k < 2; ++k) {
    kt_model *f = follower();
    CHECK(f != NULL, "follower model");
    if (!f) return;
    f->repr.tgt_sound = 1;
    kt_layer *L = &f->net[0].layer[0];
    for (size_t i = 0; i < (size_t)L->n_in * L->n_out; ++i)
      L->w[i] *= 0.25f;
    play_temperature = 1.0f;
    int n = play_with(f, 0, k ? b : a);
    play_temperature = 0.0f;
    ns[k] = n;
  }
  CHECK(same_events(a, ns[0], b, ns[1]), "sampling is not deterministic");
  kb = alto_ons(a, ns[0], pb, 16);
  CHECK(kb >= 11 && kb <= 22,
        "sampling: %d alto note-ons for 11 melody notes (held noise: "
        "11..22)",
        kb);
  int moved = 0;
  for (int i = 0; i < kb && i < 11 && i < 16; ++i)
    moved += pb[i] != pa[4 * i];
  CHECK(moved > 0 || kb > 11, "sampling changes nothing");
}

/* A bare decode: ranges as the hand-made nets', every logit very low
 * (the tests raise the candidates they need), guard on, no costs. */
static const int dlo[4] = {36, 45, 50, 55}, dhi[4] = {64, 72, 80, 84};

static void decode_setup(kt_repr *r, float *lg, int off[3],
                         kt_decode_opts *o)
{
  memset(r, 0, sizeof *r);
  r->arch = KT_ARCH_LIVE;
  r->window = 1;
  memcpy(r->lo, dlo, sizeof dlo);
  memcpy(r->hi, dhi, sizeof dhi);
  for (int h = 0; h < 3; ++h) {
    int nt = kt_repr_n_tok(r, kt_repr_head_voice(h));
    off[h] = h ? off[h - 1] + kt_repr_n_tok(r, kt_repr_head_voice(h - 1)) : 0;
    for (int j = 0; j < nt; ++j) lg[off[h] + j] = -20.0f;
  }
  memset(o, 0, sizeof *o);
  o->guard = 1;
  for (int h = 0; h < 3; ++h) {
    o->lo[h] = dlo[kt_repr_head_voice(h)];
    o->hi[h] = dhi[kt_repr_head_voice(h)];
  }
}

/* Raise head h's candidate pitch to log-probability x (decode_setup's
 * layout). */
static void set_logit(float *lg, const int off[3], int h, int pitch, float x)
{
  lg[off[h] + 2 + pitch - dlo[kt_repr_head_voice(h)]] = x;
}

/* The alto between going on with its G4 (x below A4) and A4; the tenor
 * on C4, the bass on C3. */
static void alto_g_or_a(float *lg, const int off[3], float x)
{
  set_logit(lg, off, 0, 67, x);
  set_logit(lg, off, 0, 69, 0.0f);
  set_logit(lg, off, 1, 60, 0.0f);
  set_logit(lg, off, 2, 48, 0.0f);
}

/* The guard's leap cost: the tenor's best candidate (by 0.3 in
 * log-probability) leaps down a sixth, the next one moves a step up; with
 * a leap cost of 0.5 the step wins, without it the leap.  The bass's
 * octave leap costs nothing. */
static void test_leap_cost(void)
{
  kt_repr r;
  float lg[3 * 64];
  int off[3];
  kt_decode_opts o;
  decode_setup(&r, lg, off, &o);
  /* C major: soprano E5 -> E5 (76); alto G4 -> G4 (67), tenor C4 (60) ->
     E3 (52, a sixth down) or D4 (62); bass C3 (48) -> C2 (36) or G2 (43) */
  set_logit(lg, off, 0, 67, 0.0f);
  set_logit(lg, off, 1, 52, 0.0f);
  set_logit(lg, off, 1, 62, -0.3f);
  set_logit(lg, off, 2, 36, 0.0f);
  set_logit(lg, off, 2, 43, -0.3f);
  const int prev[3] = {67, 60, 48};
  kt_rng rng;
  kt_rng_seed(&rng, 1);
  kt_choice c[3];
  kt_decode(&r, lg, &o, 0, 76, 76, prev, &rng, c);
  CHECK(c[1].pitch == 52 && c[2].pitch == 36,
        "no leap cost: tenor %d bass %d", c[1].pitch, c[2].pitch);
  o.leap_cost = 0.5f;
  kt_decode(&r, lg, &o, 0, 76, 76, prev, &rng, c);
  CHECK(c[1].pitch == 62 && c[2].pitch == 36 && c[0].pitch == 67,
        "leap cost 0.5: alto %d tenor %d bass %d", c[0].pitch, c[1].pitch,
        c[2].pitch);
}

/* hold_only (the rhythm parameter at an off-eighth sixteenth): the alto's
 * G4 goes on although A4 is likelier, with either kind of head, and a
 * resting bass stays at rest; without it A4 is taken and the bass enters. */
static void test_hold_only(void)
{
  kt_repr r;
  float lg[3 * 64];
  int off[3];
  kt_decode_opts o;
  decode_setup(&r, lg, off, &o);
  alto_g_or_a(lg, off, -2.0f);
  lg[off[0] + KT_TOK_HOLD] = -3.0f; /* attack tokens: hold is unlikely */
  lg[off[2] + KT_TOK_HOLD] = -3.0f;
  const int prev[3] = {67, 60, -1};
  kt_rng rng;
  kt_rng_seed(&rng, 1);
  kt_choice c[3];
  for (int ts = 0; ts < 2; ++ts)
    for (int ho = 0; ho < 2; ++ho) {
      r.tgt_sound = ts;
      o.hold_only = ho;
      kt_decode(&r, lg, &o, 0, 76, 77, prev, &rng, c);
      CHECK(ho ? c[0].pitch == 67 && !c[0].onset && c[2].pitch == -1 &&
                     !c[2].onset
               : c[0].pitch == 69 && c[0].onset && c[2].pitch == 48,
            "tgt_sound %d hold_only %d: alto %d (onset %d), bass %d", ts, ho,
            c[0].pitch, c[0].onset, c[2].pitch);
    }
}

/* The rhythm parameter in the engine: the follower's alto follows a melody
 * of sixteenths note for note; with rhythm "eighths" it starts a note
 * only on the eighths, a third below the melody there. */
static void test_rhythm(void)
{
  static abs_ev a[4096];
  int ons[2], even = 1, pitch[8] = {0};
  play_step = 6000; /* a sixteenth at 120 bpm */
  for (int rh = 0; rh < 2; ++rh) {
    kt_model *f = follower();
    CHECK(f != NULL, "follower model");
    if (!f) break;
    f->repr.tgt_sound = 1;
    play_rhythm = rh;
    int n = play_with(f, 0, a);
    int64_t first = -1;
    ons[rh] = 0;
    for (int i = 0; i < n; ++i)
      if ((a[i].d[0] & 0xF0) == 0x90 && (a[i].d[0] & 15) == 1 && a[i].d[2]) {
        if (first < 0) first = a[i].frame;
        if (rh) even &= (a[i].frame - first) % 12000 == 0;
        if (rh && ons[rh] < 8) pitch[ons[rh]] = a[i].d[1];
        ons[rh]++;
      }
  }
  play_step = 0;
  play_rhythm = 0;
  CHECK(ons[0] == 11, "free: %d alto notes for 11 sixteenths", ons[0]);
  /* the melody's even sixteenths G B D B G, and then G again at the last
     one (odd: the alto's Eb goes on, not struck again off the beat) */
  static const int want[5] = {63, 67, 70, 67, 63};
  CHECK(ons[1] == 5 && even && !memcmp(pitch, want, sizeof want),
        "eighths: %d alto notes (%s), %d %d %d %d %d", ons[1],
        even ? "on the eighths" : "not all on the eighths", pitch[0],
        pitch[1], pitch[2], pitch[3], pitch[4]);
}

/* The hold bonus (sounding-pitch heads only): the alto's sounding G4 is
 * 0.1 less likely than A4; a bonus of 0.2 keeps G4, held (no onset);
 * without it, or for attack-token heads, A4 is taken. */
static void test_hold_bonus(void)
{
  kt_repr r;
  float lg[3 * 64];
  int off[3];
  kt_decode_opts o;
  decode_setup(&r, lg, off, &o);
  alto_g_or_a(lg, off, -0.1f);
  const int prev[3] = {67, 60, 48};
  kt_rng rng;
  kt_rng_seed(&rng, 1);
  kt_choice c[3];
  static const struct {
    int tgt_sound;
    float bonus;
    int want, onset;
  } cases[] = {{1, 0.0f, 69, 1}, {1, 0.2f, 67, 0}, {0, 0.2f, 69, 1}};
  for (int i = 0; i < 3; ++i) {
    r.tgt_sound = cases[i].tgt_sound;
    o.hold_bonus = cases[i].bonus;
    kt_decode(&r, lg, &o, 0, 76, 76, prev, &rng, c);
    CHECK(c[0].pitch == cases[i].want && c[0].onset == cases[i].onset,
          "tgt_sound %d bonus %g: alto %d onset %d", cases[i].tgt_sound,
          cases[i].bonus, c[0].pitch, c[0].onset);
  }
}

/* The guard's style terms (kt_decode_style): parallels in contrary motion
 * break the rule with par_any; the root-position, move and quality costs
 * tip near-equal candidates; the spec parser; the chord table. */
/* A table term's weight NAME=W in a fresh style (*st, the weight *w in
 * it): 0.1 is read, -1 refused. */
static void table_term_parse(kt_decode_style *st, const char *name,
                             const float *w)
{
  memset(st, 0, sizeof *st);
  st->none = -1.0f;
  char spec[32], err[160];
  snprintf(spec, sizeof spec, "%s=0.1", name);
  CHECK(kt_decode_style_parse(st, spec, err, sizeof err) == 0 && *w == 0.1f,
        "parse %s: %s", spec, err);
  snprintf(spec, sizeof spec, "%s=-1", name);
  CHECK(kt_decode_style_parse(st, spec, err, sizeof err) != 0, "%s refused",
        spec);
}

/* A table term (its weight *w in *st) on C major over E5 G4 C4, the bass
 * on D3 before: C3 (root position, likeliest) or E3 (0.2 less likely), a
 * whole step either way; d is the term's difference between the two.  At
 * weight 0 and 0.1 / d the root stays, at 0.3 / d the first inversion
 * wins; with rest_too, after a resting bass (no move) the root again. */
static void table_term_flips(kt_decode_style *st, float *w, float d,
                             const char *name, int rest_too)
{
  kt_repr r;
  float lg[3 * 64];
  int off[3];
  kt_decode_opts o;
  kt_rng rng;
  kt_rng_seed(&rng, 1);
  kt_choice c[3];
  decode_setup(&r, lg, off, &o);
  o.style = st;
  set_logit(lg, off, 0, 67, 0.0f);
  set_logit(lg, off, 1, 60, 0.0f);
  set_logit(lg, off, 2, 48, 0.0f);
  set_logit(lg, off, 2, 52, -0.2f);
  const int prev[3] = {67, 60, 50};
  const float ws[3] = {0.0f, 0.1f / d, 0.3f / d}; /* 0.1 < 0.2 < 0.3 */
  const int want[3] = {48, 48, 52};
  for (int i = 0; i < 3; ++i) {
    *w = ws[i];
    kt_decode(&r, lg, &o, 0, 76, 76, prev, &rng, c);
    CHECK(c[2].pitch == want[i], "%s %g: bass %d (want %d)", name, (double)*w,
          c[2].pitch, want[i]);
  }
  if (rest_too) {
    const int prev_rest[3] = {67, 60, -1};
    kt_decode(&r, lg, &o, 0, 76, 76, prev_rest, &rng, c);
    CHECK(c[2].pitch == 48, "%s after a rest: bass %d", name, c[2].pitch);
  }
}

/* The data-driven chord term (dsp/chord_prior.h): its cells, bounds, and
 * that its weight turns a likelier root-position bass into Bach's more
 * frequent first inversion. */
static void test_chord_prior(void)
{
  for (int l = 0; l < 5; l += 4) {
    const float *p = kt_decode_chord_prior(l);
    CHECK(p != NULL, "chord prior L%d", l);
    for (int i = 0; i < KT_CHORD_PRIOR_N; ++i)
      CHECK(isfinite(p[i]) && p[i] >= -3.0f && p[i] <= 3.0f,
            "chord prior L%d cell %d = %g", l, i, (double)p[i]);
    /* Bach takes fewer root-position major triads and more first
       inversions than Kantor's own decoding (counted on train) */
    int c0 = kt_decode_chord_cell(KT_SQ_MAJ, 0, 0);
    int c1 = kt_decode_chord_cell(KT_SQ_MAJ, 0, 4);
    CHECK(p[c0] < 0.0f && p[c1] > 0.0f, "L%d maj/0 %g maj/4 %g", l,
          (double)p[c0], (double)p[c1]);
  }
  CHECK(kt_decode_chord_cell(KT_SQ_NONE, -1, 3) == 0, "no chord: cell 0");
  CHECK(kt_decode_chord_cell(KT_SQ_MIN7, 2, 0) == 1 + KT_SQ_MIN7 * 12 + 10,
        "min7 on D over C: cell %d", kt_decode_chord_cell(KT_SQ_MIN7, 2, 0));
  CHECK(kt_decode_chord_cell(KT_SQ_MIN7, 2, 0) < KT_CHORD_PRIOR_N,
        "cells fit the table");

  kt_decode_style st;
  table_term_parse(&st, "chord", &st.chord);
  st.chord_prior = kt_decode_chord_prior(0);
  const float *p = st.chord_prior;
  float d = p[kt_decode_chord_cell(KT_SQ_MAJ, 0, 4)] -
            p[kt_decode_chord_cell(KT_SQ_MAJ, 0, 0)];
  table_term_flips(&st, &st.chord, d, "chord", 0);
  /* the shipped light weights: the term at L0 and L4 */
  kt_decode_style l0, l4;
  kt_engine_style_light(&l0, 0);
  kt_engine_style_light(&l4, 4);
  CHECK(l0.chord > 0.0f && l0.chord_prior && l4.chord > 0.0f && l4.chord_prior,
        "light chord weights L0 %g L4 %g", (double)l0.chord, (double)l4.chord);
}

/* The data-driven bass term (dsp/bass_prior.h): its cells, bounds, and
 * that its weight turns a likelier root-position bass into a step to the
 * first inversion, which Bach takes more often than Kantor. */
static void test_bass_prior(void)
{
  for (int l = 0; l < 5; l += 4) {
    const float *p = kt_decode_bass_prior(l);
    CHECK(p != NULL, "bass prior L%d", l);
    for (int i = 0; i < KT_BASS_PRIOR_N; ++i)
      CHECK(isfinite(p[i]) && p[i] >= -3.0f && p[i] <= 3.0f,
            "bass prior L%d cell %d = %g", l, i, (double)p[i]);
    /* counted on train: a root reached by a leap of a third, less often
       than Kantor; a third reached by a half step, more often */
    CHECK(p[kt_decode_bass_cell(KT_SQ_MAJ, 0, 52, 48)] < 0.0f &&
              p[kt_decode_bass_cell(KT_SQ_MAJ, 0, 53, 52)] > 0.0f,
          "L%d root/3 %g third/1 %g", l,
          (double)p[kt_decode_bass_cell(KT_SQ_MAJ, 0, 52, 48)],
          (double)p[kt_decode_bass_cell(KT_SQ_MAJ, 0, 53, 52)]);
  }
  /* degree x move: C major, the bass from D3 to E3 (third, 2); B dom7 on
     A (seventh, 14 -> 13: wider); no chord */
  CHECK(kt_decode_bass_cell(KT_SQ_MAJ, 0, 50, 52) == KT_BASS_MOVES + 2,
        "maj third by step: %d", kt_decode_bass_cell(KT_SQ_MAJ, 0, 50, 52));
  CHECK(kt_decode_bass_cell(KT_SQ_DOM7, 11, 59, 45) ==
            3 * KT_BASS_MOVES + KT_BASS_MOVES - 1,
        "dom7 seventh by a wide leap: %d",
        kt_decode_bass_cell(KT_SQ_DOM7, 11, 59, 45));
  CHECK(kt_decode_bass_cell(KT_SQ_NONE, -1, 48, 48) == 4 * KT_BASS_MOVES,
        "no chord: %d", kt_decode_bass_cell(KT_SQ_NONE, -1, 48, 48));
  CHECK(kt_decode_bass_cell(KT_SQ_DIM7, 0, 40, 80) < KT_BASS_PRIOR_N,
        "cells fit the table");

  kt_decode_style st;
  table_term_parse(&st, "bass", &st.bass);
  st.bass_prior = kt_decode_bass_prior(0);
  const float *p = st.bass_prior;
  float d = p[kt_decode_bass_cell(KT_SQ_MAJ, 0, 50, 52)] -
            p[kt_decode_bass_cell(KT_SQ_MAJ, 0, 50, 48)];
  CHECK(d > 0.0f, "the third by step over the root by step: %g", (double)d);
  table_term_flips(&st, &st.bass, d, "bass", 1);
  /* the light weights carry the table at L0 and L4 */
  kt_decode_style l0, l4;
  kt_engine_style_light(&l0, 0);
  kt_engine_style_light(&l4, 4);
  CHECK(l0.bass_prior && l4.bass_prior, "light bass tables");
}

/* The phrase end (decide.c's phrase_end, the style term end), L0's model
 * (no lookahead): a whole note begun on a beat; a large cost on root
 * position (root) everywhere but where a flag asks for a root-position
 * triad, and a large end weight.  Before the note has sounded for more
 * than 8 slices (off the beats, where no cadence is flagged) the chord is
 * no root position; after, with end, a root-position triad; with end 0,
 * none. */
static void long_note_triads(float end, int *late, int *late_root,
                             int *early, int *early_root)
{
  kt_engine *e = make();
  kt_engine_set_param(e, KT_P_PASSTHRU, 0);
  kt_decode_style st;
  kt_engine_style_light(&st, 0);
  st.cadence = 0.0f;
  st.root_pos = 100.0f;
  st.end = end;
  kt_engine_set_style(e, 1, &st);
  const int64_t fpq = 24000, slice = fpq / 4; /* 120 bpm, sixteenths */
  static const int mel[] = {67, 69, 71, 72};
  *late = *late_root = *early = *early_root = 0;
  kt_midi_out buf[CAP];
  for (int64_t now = 0; now < 8 * fpq; now += slice) {
    kt_event ev[4];
    int ne = 0;
    ev[ne++] = pos_ev(0, 120, (double)now / fpq, 1);
    /* four quarters, then a whole note C5 from the second bar */
    for (int i = 0; i < 5; ++i) {
      int64_t on = i * fpq, off = i < 4 ? (i + 1) * fpq : 8 * fpq;
      int p = i < 4 ? mel[i] : 72;
      if (off >= now && off < now + slice)
        ev[ne++] = midi_ev((uint32_t)(off - now), 0x80, (uint8_t)p, 0);
      if (on >= now && on < now + slice)
        ev[ne++] = midi_ev((uint32_t)(on - now), 0x90, (uint8_t)p, 90);
    }
    kt_out o = {buf, 0, CAP, 0};
    kt_engine_process(e, ev, (uint32_t)ne, (uint32_t)slice, &o);
    kt_engine_state es;
    kt_engine_get_state(e, &es);
    int64_t into = es.decided - 1 - 16; /* the whole note: slice 16 */
    if (into < 1 || into > 15 || into % 4 == 0 || es.soprano != 72 ||
        es.voice[0] < 0 || es.voice[1] < 0 || es.voice[2] < 0)
      continue;
    unsigned pcs = 1u << 0;
    for (int h = 0; h < 3; ++h) pcs |= 1u << (es.voice[h] % 12);
    int root, q = kt_harmony_style_chord(pcs, &root);
    int rp = q >= 0 && es.voice[2] % 12 == root;
    if (into > 8) {
      ++*late;
      *late_root += rp && (q == KT_SQ_MAJ || q == KT_SQ_MIN);
    } else {
      ++*early;
      *early_root += rp;
    }
  }
  kt_engine_free(e);
}

static void test_phrase_end(void)
{
  int late, late_root, early, early_root;
  long_note_triads(100.0f, &late, &late_root, &early, &early_root);
  CHECK(late >= 5 && late_root == late,
        "end 100: %d of %d late slices on a root-position triad", late_root,
        late);
  CHECK(early >= 5 && early_root == 0,
        "end 100: %d of %d early slices in root position", early_root, early);
  long_note_triads(0.0f, &late, &late_root, &early, &early_root);
  CHECK(late >= 5 && late_root == 0,
        "end 0: %d of %d late slices on a root-position triad", late_root,
        late);
}

static void test_style_terms(void)
{
  kt_repr r;
  float lg[3 * 64];
  int off[3];
  kt_decode_opts o;
  kt_decode_style st;
  memset(&st, 0, sizeof st);
  st.none = -1.0f;
  kt_rng rng;
  kt_rng_seed(&rng, 1);
  kt_choice c[3];

  /* soprano C5 -> D5 (72 -> 74), alto C4 (60) -> D3 (50, an octave by
     contrary motion, likeliest) or G3 (55, 0.5 less likely); tenor and
     bass hold */
  decode_setup(&r, lg, off, &o);
  set_logit(lg, off, 0, 50, 0.0f);
  set_logit(lg, off, 0, 55, -0.5f);
  set_logit(lg, off, 1, 48, 0.0f);
  set_logit(lg, off, 2, 36, 0.0f);
  const int prev1[3] = {60, 48, 36};
  kt_decode(&r, lg, &o, 0, 72, 74, prev1, &rng, c);
  CHECK(c[0].pitch == 50, "classic guard: contrary octave kept, alto %d",
        c[0].pitch);
  o.style = &st;
  kt_decode(&r, lg, &o, 0, 72, 74, prev1, &rng, c);
  CHECK(c[0].pitch == 50, "style without par_any: alto %d", c[0].pitch);
  st.par_any = 1;
  kt_decode(&r, lg, &o, 0, 72, 74, prev1, &rng, c);
  CHECK(c[0].pitch == 55 && c[1].pitch == 48 && c[2].pitch == 36,
        "par_any: alto %d tenor %d bass %d (want 55 48 36)", c[0].pitch,
        c[1].pitch, c[2].pitch);

  /* C major over E5 G4 C4: bass C3 (root position, likeliest) or E3
     (0.2 less likely); a root-position cost of 0.3 takes E3 */
  decode_setup(&r, lg, off, &o);
  o.style = &st;
  set_logit(lg, off, 0, 67, 0.0f);
  set_logit(lg, off, 1, 60, 0.0f);
  set_logit(lg, off, 2, 48, 0.0f);
  set_logit(lg, off, 2, 52, -0.2f);
  const int prev2[3] = {67, 60, 50};
  kt_decode(&r, lg, &o, 0, 76, 76, prev2, &rng, c);
  CHECK(c[2].pitch == 48, "no root cost: bass %d", c[2].pitch);
  st.root_pos = 0.3f;
  kt_decode(&r, lg, &o, 0, 76, 76, prev2, &rng, c);
  CHECK(c[2].pitch == 52, "root cost 0.3: bass %d", c[2].pitch);
  /* ... but not at a cadence, where a root-position triad is wanted */
  st.cadence = 1.0f;
  o.cadence = 1;
  kt_decode(&r, lg, &o, 0, 76, 76, prev2, &rng, c);
  CHECK(c[2].pitch == 48, "cadence: bass %d", c[2].pitch);
  o.cadence = 0;
  /* a phrase end seen ahead weighs the same, with its own weight (end);
     with end 0 the flag changes nothing */
  st.cadence = 0.0f;
  o.phrase_end = 1;
  kt_decode(&r, lg, &o, 0, 76, 76, prev2, &rng, c);
  CHECK(c[2].pitch == 52, "phrase end, end 0: bass %d", c[2].pitch);
  char perr[160];
  CHECK(kt_decode_style_parse(&st, "end=1", perr, sizeof perr) == 0 &&
            st.end == 1.0f,
        "parse end=1: %s", perr);
  kt_decode(&r, lg, &o, 0, 76, 76, prev2, &rng, c);
  CHECK(c[2].pitch == 48, "phrase end, end 1: bass %d", c[2].pitch);
  o.phrase_end = 0;
  kt_decode(&r, lg, &o, 0, 76, 76, prev2, &rng, c);
  CHECK(c[2].pitch == 52, "no phrase end: bass %d", c[2].pitch);
  st.end = 0.0f;
  st.root_pos = 0.0f;

  /* C major over E5 G4 C3: tenor C4 (60, likeliest) or G4 (67, the alto's
     pitch, 0.1 less likely); a unison bonus of 0.2 takes G4, which the
     search's bound must not skip (it is the second tenor candidate) */
  decode_setup(&r, lg, off, &o);
  o.style = &st;
  set_logit(lg, off, 0, 67, 0.0f);
  set_logit(lg, off, 1, 60, 0.0f);
  set_logit(lg, off, 1, 67, -0.1f);
  set_logit(lg, off, 2, 48, 0.0f);
  const int prev_u[3] = {67, 60, 48};
  kt_decode(&r, lg, &o, 0, 76, 76, prev_u, &rng, c);
  CHECK(c[1].pitch == 60, "no unison term: tenor %d", c[1].pitch);
  CHECK(kt_decode_style_parse(&st, "unison=-0.2", perr, sizeof perr) == 0 &&
            st.unison == -0.2f,
        "parse unison=-0.2: %s", perr);
  kt_decode(&r, lg, &o, 0, 76, 76, prev_u, &rng, c);
  CHECK(c[0].pitch == 67 && c[1].pitch == 67 && c[2].pitch == 48,
        "unison bonus 0.2: alto %d tenor %d bass %d (want 67 67 48)",
        c[0].pitch, c[1].pitch, c[2].pitch);
  st.unison = 0.2f; /* a cost keeps them apart */
  set_logit(lg, off, 1, 67, 0.05f);
  kt_decode(&r, lg, &o, 0, 76, 76, prev_u, &rng, c);
  CHECK(c[1].pitch == 60, "unison cost 0.2: tenor %d", c[1].pitch);
  st.unison = 0.0f;

  /* the bass from D3 (50): G2 (43, a fifth down, likeliest) or C3 (48,
     a step, 0.3 less likely); 0.1 per semitone beyond a step takes C3 */
  set_logit(lg, off, 2, 52, -20.0f);
  set_logit(lg, off, 2, 43, 0.0f);
  set_logit(lg, off, 2, 48, -0.3f);
  kt_decode(&r, lg, &o, 0, 76, 76, prev2, &rng, c);
  CHECK(c[2].pitch == 43, "no move cost: bass %d", c[2].pitch);
  st.move[2] = 0.1f;
  kt_decode(&r, lg, &o, 0, 76, 76, prev2, &rng, c);
  CHECK(c[2].pitch == 48, "move cost 0.1: bass %d", c[2].pitch);
  st.step[2] = 5; /* moves up to a fourth are free: G2 again */
  kt_decode(&r, lg, &o, 0, 76, 76, prev2, &rng, c);
  CHECK(c[2].pitch == 43, "move cost 0.1 beyond a fourth: bass %d", c[2].pitch);
  st.step[2] = 0;
  st.move[2] = 0.0f;

  /* qualities: E5 over C4 C3, the alto G4 (C major, likeliest) or A4
     (A minor, 0.2 less likely); a cost of 0.3 on major takes A4 */
  decode_setup(&r, lg, off, &o);
  o.style = &st;
  set_logit(lg, off, 0, 67, 0.0f);
  set_logit(lg, off, 0, 69, -0.2f);
  set_logit(lg, off, 1, 60, 0.0f);
  set_logit(lg, off, 2, 48, 0.0f);
  const int prev3[3] = {67, 60, 48};
  kt_decode(&r, lg, &o, 0, 76, 76, prev3, &rng, c);
  CHECK(c[0].pitch == 67, "no quality cost: alto %d", c[0].pitch);
  st.quality[KT_SQ_MAJ] = 0.3f;
  kt_decode(&r, lg, &o, 0, 76, 76, prev3, &rng, c);
  CHECK(c[0].pitch == 69, "major costs 0.3: alto %d", c[0].pitch);
  /* the same through the engine's table */
  unsigned char tab[4096];
  kt_harmony_style_chord_table(tab);
  st.chord_tab = tab;
  kt_decode(&r, lg, &o, 0, 76, 76, prev3, &rng, c);
  CHECK(c[0].pitch == 69, "major costs 0.3 (table): alto %d", c[0].pitch);
  int bad = 0;
  for (unsigned pcs = 0; pcs < 4096; ++pcs) {
    int root, q = kt_harmony_style_chord(pcs, &root);
    bad += tab[pcs] != (q < 0 ? 0 : ((q + 1) | root << 4));
  }
  CHECK(bad == 0, "chord table: %d sets differ from kt_harmony_style_chord", bad);

  /* the parser */
  kt_decode_style s;
  memset(&s, 0, sizeof s);
  char err[160];
  CHECK(kt_decode_style_parse(&s,
                              "par=1,move_b=0.25,root=0.5,q_min7=0.4,"
                              "cad=1,none=0.1,hold=0.3,step_t=3",
                              err, sizeof err) == 0 &&
            s.par_any == 1 && s.move[2] == 0.25f && s.root_pos == 0.5f &&
            s.quality[KT_SQ_MIN7] == 0.4f && s.cadence == 1.0f &&
            s.none == 0.1f && s.hold[0] == 0.3f && s.hold[2] == 0.3f &&
            s.step[1] == 3 && s.move[0] == 0.0f,
        "parse: a good spec");
  static const char *const bad_specs[] = {
      "root",      "root=",      "root=-1",   "q_foo=1",
      "bogus=1",   "root=1x",    "=1",        "move_b=1000",
      "root=-0.5", "step_b=2.5", "step_b=13", "unison=-101"};
  for (size_t i = 0; i < sizeof bad_specs / sizeof bad_specs[0]; ++i) {
    err[0] = 0;
    CHECK(kt_decode_style_parse(&s, bad_specs[i], err, sizeof err) != 0 &&
              err[0],
          "parse: '%s' accepted", bad_specs[i]);
  }
}

/* Random candidates with the style terms at large weights: every choice
 * stays in its voice's range, and where a rule-abiding combination of the
 * candidates is at hand (here: all three holding, which no rule forbids
 * when the previous slice broke none) no parallel by style.py's
 * definition and no crossing is chosen.  Repeated calls give the same
 * choice (no state but the rng, unused at temperature 0). */
static void test_style_random(void)
{
  kt_repr r;
  float lg[3 * 64];
  int off[3];
  kt_decode_opts o;
  kt_decode_style st;
  kt_engine_style_default(&st, 0);
  st.par_any = 1;
  st.root_pos = 0.3f;
  st.move[0] = st.move[1] = 0.2f;
  st.move[2] = 0.3f;
  st.quality[KT_SQ_MAJ] = 0.2f;
  st.quality[KT_SQ_MIN7] = 0.5f;
  st.cadence = 1.0f;
  kt_rng rng;
  kt_rng_seed(&rng, 1);
  int broken = 0, outside = 0, differ = 0;
  for (int it = 0; it < 3000; ++it) {
    decode_setup(&r, lg, off, &o);
    o.style = &st;
    o.cadence = (int)(rnd() % 4 == 0);
    r.tgt_sound = 1;
    o.hold_bonus = 0.2f;
    for (int h = 0; h < 3; ++h) {
      int nt = kt_repr_n_tok(&r, kt_repr_head_voice(h));
      for (int j = 0; j < nt; ++j)
        lg[off[h] + j] = -(float)(rnd() % 1000) / 100.0f;
    }
    /* a previous slice that breaks no rule: S > A > T > B, spaced */
    int sp = 64 + (int)(rnd() % 16), sn = sp + (int)(rnd() % 5) - 2;
    const int prev[3] = {sp - 3 - (int)(rnd() % 6), sp - 12 - (int)(rnd() % 4),
                         sp - 22 - (int)(rnd() % 6)};
    for (int h = 0; h < 3; ++h) /* the held pitches are candidates */
      set_logit(lg, off, h, prev[h], -0.5f);
    kt_choice c[3], c2[3];
    kt_decode(&r, lg, &o, 0, sp, sn, prev, &rng, c);
    kt_decode(&r, lg, &o, 0, sp, sn, prev, &rng, c2);
    const int p4[4] = {sp, prev[0], prev[1], prev[2]};
    const int q4[4] = {sn, c[0].pitch, c[1].pitch, c[2].pitch};
    for (int h = 0; h < 3; ++h) {
      outside +=
          c[h].pitch >= 0 && (c[h].pitch < o.lo[h] || c[h].pitch > o.hi[h]);
      differ += c[h].pitch != c2[h].pitch || c[h].onset != c2[h].onset;
    }
    for (int i = 0; i < 4; ++i)
      for (int j = i + 1; j < 4; ++j) {
        if (q4[i] >= 0 && q4[j] > q4[i]) broken++;
        if (p4[i] != q4[i] && p4[j] != q4[j] && q4[i] >= 0 && q4[j] >= 0) {
          int i0 = ((p4[i] - p4[j]) % 12 + 12) % 12;
          int i1 = ((q4[i] - q4[j]) % 12 + 12) % 12;
          broken += i0 == i1 && (i0 == 0 || i0 == 7);
        }
      }
  }
  CHECK(outside == 0, "style: %d choices out of range", outside);
  CHECK(broken == 0, "style: %d parallels or crossings chosen", broken);
  CHECK(differ == 0, "style: %d choices differ between two calls", differ);
}

/* The engine with the style terms on (the shipped models): the same
 * events for any block partition, every note released, and a different
 * harmonization than the classic guard's is possible but both are
 * reproducible. */
static void test_style_engine(void)
{
  static abs_ev a[4096], b[4096], c[4096];
  int64_t total;
  kt_decode_style st;
  kt_engine_style_default(&st, 4);
  kt_decode_style_parse(&st, "root=0.35", NULL, 0);
  int n[3];
  for (int k = 0; k < 3; ++k) {
    kt_engine *e = make();
    kt_engine_set_param(e, KT_P_PASSTHRU, 0);
    kt_engine_set_param(e, KT_P_LOOKAHEAD, k == 2 ? 0 : 4);
    kt_engine_reset(e); /* applies the parameters: picks the model */
    kt_decode_style got, want;
    kt_engine_set_style(e, 1, NULL); /* the shipped weights */
    kt_engine_style_default(&want, k == 2 ? 0 : 4);
    CHECK(kt_engine_get_style(e, &got) == 1 && got.hold[0] == want.hold[0] &&
              got.root_pos == want.root_pos && got.chord_tab != NULL,
          "engine: the shipped style terms for L%d", k == 2 ? 0 : 4);
    if (k < 2) {
      kt_engine_set_style(e, 1, &st);
      CHECK(kt_engine_get_style(e, &got) == 2 && got.root_pos == 0.35f,
            "engine keeps the style terms");
    }
    /* the default: the light weights where they are on, else classic */
    kt_decode_style lw;
    int lon = kt_engine_style_light(&lw, k == 2 ? 0 : 4);
    kt_engine_set_style(e, -1, NULL);
    CHECK(kt_engine_get_style(e, &got) == (lon ? 3 : 0) &&
              (!lon || (got.move[0] == lw.move[0] && got.par_any &&
                        got.chord_tab != NULL)),
          "engine: the default for L%d (light weights %s)", k == 2 ? 0 : 4,
          lon ? "on" : "off");
    kt_engine_set_style(e, 3, NULL);
    CHECK(kt_engine_get_style(e, &got) == 3 && got.hold[1] == lw.hold[1] &&
              got.root_pos == lw.root_pos,
          "engine: the light weights for L%d", k == 2 ? 0 : 4);
    kt_engine_set_style(e, 1, k < 2 ? &st : NULL);
    n[k] = play_scale(e, k == 1 ? 0 : 256,
                      k == 0   ? a
                      : k == 1 ? b
                               : c,
                      4096, &total);
    kt_engine_set_style(e, 0, NULL);
    CHECK(kt_engine_get_style(e, &got) == 0, "style off");
    kt_engine_free(e);
  }
  CHECK(n[0] > 0 && same_events(a, n[0], b, n[1]),
        "style, L4: blocks of 256 and random blocks differ (%d / %d events)",
        n[0], n[1]);
  CHECK(n[2] > 0, "style, L0: no events");
}

/* The harmony style parameter (KT_P_STYLE): Plain, Balanced (the
 * default) and Bach are the classic guard, the light weights and the
 * shipped style weights of kt_engine_set_style, which sets it; a caller's
 * own weights stay in use whatever the parameter says until the next
 * kt_engine_set_style.  Bach through the parameter plays the same events
 * as through kt_engine_set_style, for any block partition. */
static void test_style_param(void)
{
  static abs_ev a[4096], b[4096];
  int64_t total;
  for (int k = 0; k < 2; ++k) {
    int L = 4 * k;
    kt_engine *e = make();
    kt_engine_set_param(e, KT_P_PASSTHRU, 0);
    kt_engine_set_param(e, KT_P_LOOKAHEAD, (float)L);
    kt_engine_reset(e);
    kt_decode_style got, want, own;
    CHECK(kt_engine_get_param(e, KT_P_STYLE) == 1.0f &&
              kt_engine_get_style(e, NULL) == 3,
          "style param L%d: Balanced (the light weights) by default", L);
    kt_engine_set_param(e, KT_P_STYLE, 0);
    CHECK(kt_engine_get_style(e, NULL) == 0, "style param L%d: Plain", L);
    kt_engine_set_param(e, KT_P_STYLE, 2);
    kt_engine_style_default(&want, L);
    CHECK(kt_engine_get_style(e, &got) == 1 && got.root_pos == want.root_pos &&
              got.end == want.end && got.chord_tab != NULL,
          "style param L%d: Bach (the shipped style weights)", L);
    kt_engine_set_param(e, KT_P_STYLE, 7); /* clamped to Bach */
    CHECK(kt_engine_get_param(e, KT_P_STYLE) == 2.0f, "style param clamps");
    kt_engine_set_style(e, 0, NULL);
    CHECK(kt_engine_get_param(e, KT_P_STYLE) == 0.0f,
          "kt_engine_set_style 0 sets Plain");
    kt_engine_set_style(e, 3, NULL);
    CHECK(kt_engine_get_param(e, KT_P_STYLE) == 1.0f,
          "kt_engine_set_style 3 sets Balanced");
    kt_engine_style_default(&own, L);
    own.root_pos = 0.45f;
    kt_engine_set_style(e, 1, &own);
    kt_engine_set_param(e, KT_P_STYLE, 0);
    CHECK(kt_engine_get_style(e, &got) == 2 && got.root_pos == 0.45f,
          "a caller's style terms stay over the parameter");
    kt_engine_set_style(e, 1, NULL);
    CHECK(kt_engine_get_param(e, KT_P_STYLE) == 2.0f &&
              kt_engine_get_style(e, NULL) == 1,
          "kt_engine_set_style 1 without terms sets Bach");
    int na = play_scale(e, 256, a, 4096, &total);
    kt_engine_free(e);

    e = make();
    kt_engine_set_param(e, KT_P_PASSTHRU, 0);
    kt_engine_set_param(e, KT_P_LOOKAHEAD, (float)L);
    kt_engine_set_param(e, KT_P_STYLE, 2);
    kt_engine_reset(e);
    int nb = play_scale(e, 0, b, 4096, &total); /* random blocks */
    CHECK(na > 0 && same_events(a, na, b, nb),
          "style Bach L%d: the parameter and kt_engine_set_style, blocks of "
          "256 and random blocks differ (%d / %d events)",
          L, na, nb);
    kt_engine_free(e);
  }
}

/* A key-normalized net (key signature to C's, as the shipped L0 was
 * before it was trained on moved copies) with the key set by the user: the
 * same melody a tone higher in the key a tone higher gets the same voices a
 * tone higher, note for note; and another key set changes the voices.  The
 * net is hand-made: alto and bass follow the melody, the tenor holds one
 * pitch of the net's own frame, so only the key moves it. */
static void test_fixed_key_transposes(void)
{
  static abs_ev a[4096], b[4096], c[4096];
  kt_model *m[3] = {handmade(2, 1), handmade(2, 1), handmade(2, 1)};
  CHECK(m[0] && m[1] && m[2], "key-normalized model");
  if (!m[0] || !m[1] || !m[2]) return;
  int na = play_keyed(m[0], 0, 7, a); /* G major */
  transpose = 2;
  int nb = play_keyed(m[1], 0, 9, b); /* A major, a tone higher */
  transpose = 0;
  int nc = play_keyed(m[2], 0, 3, c); /* the G melody heard in E flat */
  CHECK(!same_events(a, na, c, nc), "the key parameter changes nothing");
  CHECK(na == nb && na > 0, "%d vs %d events", na, nb);
  for (int i = 0; i < na && i < nb; ++i) {
    int voice = (a[i].d[0] & 0xE0) == 0x80 && (a[i].d[0] & 15) >= 1;
    CHECK(
        a[i].frame == b[i].frame && a[i].d[0] == b[i].d[0] &&
            b[i].d[1] == a[i].d[1] + (voice ? 2 : 0) && b[i].d[2] == a[i].d[2],
        "event %d: %02x %d at %lld vs %02x %d at %lld", i, a[i].d[0], a[i].d[1],
        (long long)a[i].frame, b[i].d[0], b[i].d[1], (long long)b[i].frame);
  }
}

/* Flush-to-zero around the real-time work (dsp/fpmode.h): under it a
 * pitch class the key tracker has not heard for 100 000 melody notes
 * decays to exactly 0 (without it, to a subnormal number, ~100x slower per
 * operation on x86); kt_engine_process leaves the caller's mode as it
 * was. */
static void test_fpmode(void)
{
  if (!kt_fpmode_supported()) {
    printf("fpmode: no flush-to-zero on this CPU (nothing to test)\n");
    return;
  }
  volatile float tiny = 1e-38f, sub = FLT_MIN / 8.0f, one = 1.0f;
  kt_fpmode outer, probe;
  kt_fpmode_enter(&outer);
  CHECK(tiny * 1e-3f == 0.0f, "flush-to-zero: a subnormal result kept");
  CHECK(sub * one == 0.0f, "denormals-are-zero: a subnormal input kept");
  kt_fpmode_enter(&probe); /* nested: harmless */
  kt_fpmode_leave(&probe);
  CHECK(tiny * 1e-3f == 0.0f, "nested leave undid the outer mode");
  kt_harmony_key_tracker k;
  kt_harmony_key_tracker_reset(&k);
  kt_harmony_key_tracker_push(&k, 61);
  for (int i = 0; i < 100000; ++i)
    kt_harmony_key_tracker_push(&k, 60);
  CHECK(k.pc[1] == 0.0f, "key tracker: C# at %g under flush-to-zero",
        (double)k.pc[1]);
  kt_fpmode_leave(&outer);
  CHECK(tiny * 1e-3f != 0.0f, "the caller's mode not restored");
  kt_harmony_key_tracker_reset(&k);
  kt_harmony_key_tracker_push(&k, 61);
  for (int i = 0; i < 100000; ++i)
    kt_harmony_key_tracker_push(&k, 60);
  CHECK(k.pc[1] > 0.0f && k.pc[1] < FLT_MIN,
        "without it C# should be subnormal (%g): the test proves nothing",
        (double)k.pc[1]);
  /* the engine sets and restores it */
  kt_engine *e = make();
  kt_midi_out buf[64];
  kt_out o = {buf, 0, 64, 0};
  kt_event ev = midi_ev(10, 0x90, 60, 90);
  kt_fpmode_enter(&probe);
  kt_fpmode_leave(&probe);
  uint64_t before = probe.saved;
  kt_engine_process(e, &ev, 1, 4096, &o);
  kt_fpmode_enter(&probe);
  kt_fpmode_leave(&probe);
  CHECK(probe.saved == before,
        "kt_engine_process changed the caller's "
        "floating-point mode (%llx -> %llx)",
        (unsigned long long)before, (unsigned long long)probe.saved);
  kt_engine_free(e);
}

/* The decision cap at the clock's limits: 1000 BPM of whole-note beats at
 * speed 16 (a slice every 11 frames at 48 kHz), 8192-frame blocks, a new
 * melody note every 37 frames: the net runs at most twice per
 * KT_DECIDE_GAP_S of audio (plus one), output well-formed, nothing stuck
 * after the stop, and the same output for blocks of 8192 frames and for
 * random blocks. */
static int absurd_run(int random_blocks, abs_ev *rec, int cap, int64_t *runs)
{
  kt_engine *e = make();
  kt_engine_set_param(e, KT_P_PASSTHRU, 0);
  static kt_midi_out buf[CAP];
  tracker t;
  memset(&t, 0, sizeof t);
  const int64_t total = 8 * 8192;
  const double beats_per_frame = 1000.0 / 60.0 * 16.0 / RATE;
  int64_t now = 0, gap = (int64_t)ceil(RATE * KT_DECIDE_GAP_S);
  int n = 0, prev = -1, worst = 0;
  while (now < total + 4096) {
    uint32_t len = random_blocks ? 1 + rnd() % 8192 : 8192;
    if (now + len > total + 4096) len = (uint32_t)(total + 4096 - now);
    int rolling = now < total;
    kt_event ev[600];
    uint32_t ne = 0;
    kt_event pe = pos_ev(0, 1000, 0, rolling);
    double beats = (double)now * beats_per_frame;
    pe.pos.speed = rolling ? 16.0 : 0.0;
    pe.pos.beat_unit = 1;
    pe.pos.bar = (int64_t)(beats / 4);
    pe.pos.bar_beat = beats - 4.0 * (double)pe.pos.bar;
    ev[ne++] = pe;
    int64_t end = now + len < total ? now + len : total;
    for (int64_t f = (now + 36) / 37 * 37; f < end && ne < 597; f += 37) {
      if (prev >= 0)
        ev[ne++] = midi_ev((uint32_t)(f - now), 0x80, (uint8_t)prev, 0);
      prev = 60 + (int)((f / 37 * 5) % 17);
      ev[ne++] = midi_ev((uint32_t)(f - now), 0x90, (uint8_t)prev, 90);
    }
    if (rolling && now + len > total) { /* the stop, at the same frame */
      kt_event sp = pe;
      sp.frame = (uint32_t)(total - now);
      sp.pos.speed = 0.0;
      ev[ne++] = sp;
    }
    kt_engine_state st0, st1;
    kt_engine_get_state(e, &st0);
    kt_out o = {buf, 0, kt_engine_out_needed(ne, len, RATE), 0};
    if (o.cap > CAP) o.cap = CAP;
    kt_engine_process(e, ev, ne, len, &o);
    kt_engine_get_state(e, &st1);
    int r = (int)(st1.net_runs - st0.net_runs);
    CHECK(r <= 2 * (int)(len / gap) + 3,
          "%d net runs in a block of %u frames (gap %lld)", r, len,
          (long long)gap);
    if (r > worst) worst = r;
    CHECK(o.dropped == 0, "%u note-ons dropped", o.dropped);
    track(&t, &o, len, "absurd tempo");
    for (uint32_t i = 0; i < o.n && n < cap; ++i) {
      rec[n].frame = now + o.ev[i].frame;
      memcpy(rec[n].d, o.ev[i].data, 3);
      n++;
    }
    now += len;
  }
  for (int ch = 0; ch < 16; ++ch)
    CHECK(sounding_on(&t, ch) == 0, "absurd tempo: %d notes stuck on ch %d",
          sounding_on(&t, ch), ch + 1);
  CHECK(t.total_on > 50, "absurd tempo: only %lld notes",
        (long long)t.total_on);
  kt_engine_state st;
  kt_engine_get_state(e, &st);
  *runs = st.net_runs;
  CHECK(st.slice > 10 * st.net_runs,
        "the cap did not act: %lld slices, "
        "%lld net runs",
        (long long)st.slice, (long long)st.net_runs);
  kt_engine_free(e);
  (void)worst;
  return n;
}

static void test_absurd_tempo(void)
{
  static abs_ev a[20000], b[20000];
  int64_t ra, rb;
  int na = absurd_run(0, a, 20000, &ra);
  int nb = absurd_run(1, b, 20000, &rb);
  CHECK(na < 20000, "recording full");
  CHECK(same_events(a, na, b, nb) && ra == rb,
        "absurd tempo: blocks of 8192 and random blocks differ (%d / %d "
        "events, %lld / %lld net runs)",
        na, nb, (long long)ra, (long long)rb);
}

/* The audio thread's budget: the shipped models cost at most a quarter of
 * it (KT_COST_MULTIPLE); a model with wide hidden layers is refused with
 * its figures, one within the budget is taken. */
static void test_cost_budget(void)
{
  char err[512];
  uint64_t budget = kt_engine_cost_budget(), shipped = 0;
  CHECK(budget > 0, "no cost budget");
  for (int i = 0; i < kt_model_embedded_count(); ++i) {
    size_t len;
    const void *d = kt_model_embedded_at(i, &len);
    kt_model *m = NULL;
    CHECK(kt_model_load_mem(d, len, &m, err, sizeof err) == 0, "%s", err);
    if (!m) continue;
    uint64_t c = kt_engine_model_cost(m);
    if (c > shipped) shipped = c;
    kt_model_free(m);
  }
  CHECK(budget == KT_COST_MULTIPLE * shipped,
        "budget %llu is not %dx the costliest shipped model's %llu",
        (unsigned long long)budget, KT_COST_MULTIPLE,
        (unsigned long long)shipped);
  kt_repr r = handmade_repr(0);
  r.shift_avg = KT_MAX_SHIFT_AVG;
  int hid[2] = {64, 64};
  for (int big = 0; big < 2; ++big) {
    /* wide enough that 7 passes x 2 decisions of the hidden layer alone
       pass the budget */
    if (big) hid[0] = hid[1] = (int)sqrt((double)budget / 14.0) + 64;
    int sizes[1][KT_MAX_LAYERS + 1], heads[1][KT_MAX_HEADS], tot = 0;
    int n_layers = 3, n_heads = 3;
    sizes[0][0] = kt_repr_n_inputs(&r);
    sizes[0][1] = hid[0];
    sizes[0][2] = hid[1];
    for (int h = 0; h < 3; ++h)
      tot += heads[0][h] = kt_repr_n_head(&r, kt_repr_head_voice(h));
    sizes[0][3] = tot;
    kt_model *m =
        kt_model_new(&r, 1, &n_layers, (const int(*)[KT_MAX_LAYERS + 1]) sizes,
                     &n_heads, (const int(*)[KT_MAX_HEADS])heads);
    CHECK(m != NULL, "model_new %dx%d", hid[0], hid[1]);
    if (!m) continue;
    uint64_t want =
        14ull * ((uint64_t)kt_repr_max_active(&r) * hid[0] +
                 (uint64_t)hid[0] * hid[1] + (uint64_t)hid[1] * tot);
    CHECK(kt_engine_model_cost(m) == want, "cost %llu, expected %llu",
          (unsigned long long)kt_engine_model_cost(m),
          (unsigned long long)want);
    /* int8: the later layers' inputs padded to a multiple of four, at
       KT_COST_Q8_NUM / KT_COST_Q8_DEN */
    m->repr.quant = 1;
    uint64_t pass_q = ((uint64_t)kt_repr_max_active(&r) * hid[0] +
                       (uint64_t)((hid[0] + 3) / 4 * 4) * hid[1] +
                       (uint64_t)((hid[1] + 3) / 4 * 4) * tot) *
                      KT_COST_Q8_NUM / KT_COST_Q8_DEN;
    uint64_t want_q = 14ull * pass_q;
    CHECK(kt_engine_model_cost(m) == want_q, "int8 cost %llu, expected %llu",
          (unsigned long long)kt_engine_model_cost(m),
          (unsigned long long)want_q);
    m->repr.quant = 0;
    err[0] = 0;
    kt_engine_model *em = kt_engine_model_new(m, err, sizeof err);
    if (big) {
      CHECK(em == NULL,
            "a model of %llu multiply-adds per slice taken "
            "(budget %llu)",
            (unsigned long long)want, (unsigned long long)budget);
      CHECK(strstr(err, "too costly") && strstr(err, "M multiply-adds") &&
                strstr(err, "7 passes") && strstr(err, "4x the shipped"),
            "message: %s", err);
      kt_model_free(m);
    } else {
      CHECK(em != NULL, "a small model refused: %s", err);
    }
    kt_engine_model_free(em);
  }
}

int main(int argc, char **argv)
{
  int iters = argc > 1 ? atoi(argv[1]) : 200000;
  test_cost_budget();
  test_absurd_tempo();
  test_fpmode();
  test_scale();
  test_sampling_seed();
  test_grace_and_free_run();
  test_lookahead_latency();
  test_passthrough_queue();
  test_silencers();
  test_ensemble();
  test_fixed_key_transposes();
  test_shift_avg();
  test_sound_target();
  test_leap_cost();
  test_hold_bonus();
  test_hold_only();
  test_style_terms();
  test_chord_prior();
  test_bass_prior();
  test_phrase_end();
  test_style_random();
  test_style_engine();
  test_style_param();
  test_key_ctx();
  test_rhythm();
  test_property(iters);
  if (kt_failures) {
    fprintf(stderr, "%d kt_failures\n", kt_failures);
    return 1;
  }
  printf("engine: all checks passed\n");
  return 0;
}
