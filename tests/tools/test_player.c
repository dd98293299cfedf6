/* tests/tools/test_player.c -- the player model (tools/player.h): the spec
 * parser (strict, errors name the part), the exact player changes nothing,
 * a seed gives one performance, note-offs never before their note-ons,
 * no negative times, notes keep their order, a repeated pitch is released
 * before it is struck again, joined releases; the timing figures on a
 * hand-made recording (both kinds of belonging, held onsets, short notes);
 * and through the real engine: the exact player's output is the exact
 * render's, a late player's output is the same for any block partition. */
#include "../check.h"
#include "player.h"
#include "smf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A melody with sixteenths, repeated pitches, a rest and long notes. */
static const struct {
  double start, dur;
  int pitch;
} tune[] = {{0, 1, 67},      {1, 0.25, 69},    {1.25, 0.25, 71},
            {1.5, 0.25, 71}, {1.75, 0.25, 72}, {2, 2, 74},
            {5, 1, 72},      {6, 0.5, 71},     {6.5, 0.5, 71},
            {7, 1, 69},      {8, 0.25, 67},    {8.25, 0.25, 69},
            {8.5, 0.25, 67}, {8.75, 0.25, 66}, {9, 3, 67}};
#define NT ((int)(sizeof tune / sizeof tune[0]))

static void make(kt_melody *m, kt_mnote *notes)
{
  memset(m, 0, sizeof *m);
  for (int i = 0; i < NT; ++i)
    notes[i] = (kt_mnote){tune[i].start, tune[i].dur, tune[i].pitch, 80, 0};
  m->notes = notes;
  m->n_notes = NT;
  m->end = 12;
}

static void parse_ok(const char *s, double late, double jit, unsigned seed,
                     int rel)
{
  kt_player p;
  char err[256] = "";
  int r = kt_player_parse(s, &p, err, sizeof err);
  CHECK(r == 0, "'%s': %s", s, err);
  if (r) return;
  CHECK(p.late_ms == late && p.jitter_ms == jit && p.seed == seed &&
            p.release == rel,
        "'%s' -> late %g jitter %g seed %u release %d", s, p.late_ms,
        p.jitter_ms, p.seed, p.release);
  char buf[128];
  kt_player_format(&p, buf, sizeof buf);
  kt_player q;
  CHECK(kt_player_parse(buf, &q, err, sizeof err) == 0 &&
            !memcmp(&p, &q, sizeof p),
        "format '%s' parses back", buf);
}

static void parse_bad(const char *s, const char *needle)
{
  kt_player p;
  kt_player_default(&p);
  p.late_ms = 7;
  char err[256] = "";
  CHECK(kt_player_parse(s, &p, err, sizeof err) == -1, "'%s' accepted", s);
  CHECK_ERR(err, needle);
  CHECK(p.late_ms == 7, "'%s': p changed on error", s);
}

static int moved(const kt_player *p, const kt_melody *in,
                 const kt_drive_opts *o, kt_melody *out)
{
  char err[256];
  int r = kt_player_apply(p, in, o, out, err, sizeof err);
  CHECK(r == 0, "apply: %s", err);
  return r;
}

/* The rules of player.h on one performance. */
static void check_rules(const char *what, const kt_player *p,
                        const kt_melody *in, const kt_melody *out,
                        const kt_drive_opts *o)
{
  CHECK_EQ(out->n_notes, in->n_notes);
  int bad = 0;
  int64_t prev_on = -1;
  for (int i = 0; i < out->n_notes; ++i) {
    const kt_mnote *x = &out->notes[i];
    int64_t on = kt_drive_frame_at(in, o, x->start);
    int64_t off = kt_drive_frame_at(in, o, x->start + x->dur);
    /* frames survive the round trip through quarter notes */
    bad += fabs(kt_drive_qn_at(in, o, on) - x->start) > 1e-9;
    bad += on < 0;
    bad += off <= on;
    bad += on <= prev_on; /* order kept */
    bad += x->pitch != in->notes[i].pitch;
    prev_on = on;
    if (i + 1 < out->n_notes) {
      const kt_mnote *y = &out->notes[i + 1];
      int64_t next_on = kt_drive_frame_at(in, o, y->start);
      if (y->pitch == x->pitch) bad += off > next_on;
      int joined =
          in->notes[i].start + in->notes[i].dur == in->notes[i + 1].start;
      if (joined && p->release == KT_PLAYER_JOINED) bad += off != next_on;
    }
  }
  CHECK(bad == 0, "%s: %d rule violations", what, bad);
}

static void rec_add(kt_recording *r, int64_t frame, int st, int ch, int pitch,
                    int vel)
{
  if (r->n == r->cap) {
    r->cap = r->cap ? 2 * r->cap : 32;
    r->ev = realloc(r->ev, sizeof *r->ev * (size_t)r->cap);
  }
  kt_rec_event *e = &r->ev[r->n++];
  memset(e, 0, sizeof *e);
  e->frame = frame;
  e->size = 3;
  e->data[0] = (uint8_t)(st | ch);
  e->data[1] = (uint8_t)pitch;
  e->data[2] = (uint8_t)vel;
}

static int run(const kt_melody *m, const kt_drive_opts *o, int lookahead,
               kt_recording *r, int64_t *lat)
{
  char err[256];
  kt_engine *e = kt_engine_new(o->rate, o->block, err, sizeof err);
  if (!e) {
    fprintf(stderr, "engine: %s\n", err);
    exit(1);
  }
  kt_engine_set_param(e, KT_P_PASSTHRU, 0);
  kt_engine_set_param(e, KT_P_LOOKAHEAD, (float)lookahead);
  kt_engine_reset(e);
  int ret = kt_drive(e, m, o, r, err, sizeof err);
  if (ret < 0) fprintf(stderr, "drive: %s\n", err);
  *lat = kt_engine_latency(e);
  kt_engine_free(e);
  return ret;
}

static int same_rec(const kt_recording *a, const kt_recording *b)
{
  if (a->n != b->n || a->frames != b->frames) return 0;
  for (int i = 0; i < a->n; ++i)
    if (a->ev[i].frame != b->ev[i].frame ||
        memcmp(a->ev[i].data, b->ev[i].data, 3))
      return 0;
  return 1;
}

int main(void)
{
  /* ---- the spec ---- */
  parse_ok("exact", 0, 0, 1, KT_PLAYER_JOINED);
  parse_ok("late=16,jitter=30,seed=1", 16, 30, 1, KT_PLAYER_JOINED);
  parse_ok("jitter=15", 0, 15, 1, KT_PLAYER_JOINED);
  parse_ok("late=-20", -20, 0, 1, KT_PLAYER_JOINED);
  parse_ok("seed=4294967295,release=free,late=64", 64, 0, 4294967295u,
           KT_PLAYER_FREE);
  parse_ok("late=2.5,release=joined", 2.5, 0, 1, KT_PLAYER_JOINED);
  parse_bad("", "empty");
  parse_bad("late", "'late': want KEY=VALUE");
  parse_bad("late=16,", "'': want KEY=VALUE");
  parse_bad("lat=16", "unknown key 'lat'");
  parse_bad("late=16,late=20", "late given twice");
  parse_bad("late=abc", "late=abc: want milliseconds");
  parse_bad("late=600", "late=600: want milliseconds -500..500");
  parse_bad("late=", "late=: want");
  parse_bad("jitter=-1", "jitter=-1: want an sd");
  parse_bad("seed=1.5", "seed=1.5: want an integer");
  parse_bad("seed=-1", "seed=-1");
  parse_bad("release=legato", "release=legato: want joined or free");
  parse_bad("exact,late=1", "'exact': want KEY=VALUE");

  kt_drive_opts o;
  kt_drive_opts_default(&o);
  o.bpm = 100;
  kt_mnote notes[NT];
  kt_melody m;
  make(&m, notes);
  kt_melody a, b;

  /* ---- the exact player gives back the frames ---- */
  kt_player p;
  kt_player_default(&p);
  CHECK(kt_player_is_exact(&p));
  if (!moved(&p, &m, &o, &a)) {
    for (int i = 0; i < NT; ++i) {
      CHECK_EQ(kt_drive_frame_at(&m, &o, a.notes[i].start),
               kt_drive_frame_at(&m, &o, notes[i].start));
      CHECK_EQ(kt_drive_frame_at(&m, &o, a.notes[i].start + a.notes[i].dur),
               kt_drive_frame_at(&m, &o, notes[i].start + notes[i].dur));
    }
    check_rules("exact", &p, &m, &a, &o);
    kt_smf_free_melody(&a);
  }

  /* ---- a constant lateness moves every event by it ---- */
  kt_player_parse("late=16", &p, (char[64]){0}, 64);
  if (!moved(&p, &m, &o, &a)) {
    int off_by = 0;
    for (int i = 0; i < NT; ++i) {
      int64_t d = kt_drive_frame_at(&m, &o, a.notes[i].start) -
                  kt_drive_frame_at(&m, &o, notes[i].start);
      int64_t e =
          kt_drive_frame_at(&m, &o, a.notes[i].start + a.notes[i].dur) -
          kt_drive_frame_at(&m, &o, notes[i].start + notes[i].dur);
      off_by += d != 768 || e != 768; /* 16 ms at 48 kHz */
    }
    CHECK(off_by == 0, "%d notes not moved by exactly 16 ms", off_by);
    check_rules("late 16", &p, &m, &a, &o);
    kt_smf_free_melody(&a);
  }
  /* early: the first note stays at frame 0, the rest move 20 ms earlier */
  kt_player_parse("late=-20", &p, (char[64]){0}, 64);
  if (!moved(&p, &m, &o, &a)) {
    CHECK_EQ(kt_drive_frame_at(&m, &o, a.notes[0].start), 0);
    CHECK_EQ(kt_drive_frame_at(&m, &o, a.notes[3].start),
             kt_drive_frame_at(&m, &o, 1.5) - 960);
    check_rules("early 20", &p, &m, &a, &o);
    kt_smf_free_melody(&a);
  }

  /* ---- a seed gives one performance; rules hold whatever the draw ---- */
  kt_player_parse("late=-20,jitter=60,seed=3", &p, (char[64]){0}, 64);
  if (!moved(&p, &m, &o, &a) && !moved(&p, &m, &o, &b)) {
    CHECK(!memcmp(a.notes, b.notes, sizeof *a.notes * NT), "not deterministic");
    kt_smf_free_melody(&b);
    p.seed = 4;
    if (!moved(&p, &m, &o, &b)) {
      CHECK(memcmp(a.notes, b.notes, sizeof *a.notes * NT), "seed ignored");
      kt_smf_free_melody(&b);
    }
    kt_smf_free_melody(&a);
  }
  for (unsigned s = 0; s < 200; ++s)
    for (int rel = 0; rel < 2; ++rel) {
      kt_player q = {s % 3 == 0 ? -20 : 64, s % 2 ? 30 : 80, s, rel};
      if (moved(&q, &m, &o, &a)) continue;
      char what[64];
      snprintf(what, sizeof what, "seed %u release %d", s, rel);
      check_rules(what, &q, &m, &a, &o);
      kt_smf_free_melody(&a);
    }
  /* the jitter's spread, on a long melody of quarter notes (one seed) */
  {
    enum { N = 4000 };
    kt_mnote *ln = calloc(N, sizeof *ln);
    for (int i = 0; i < N; ++i)
      ln[i] = (kt_mnote){i + 1, 1, 60 + i % 12, 80, 0};
    kt_melody lm = {ln, N, NULL, 0, NULL, 0, N + 1};
    kt_player q = {16, 30, 9, KT_PLAYER_JOINED};
    if (!moved(&q, &lm, &o, &a)) {
      double s1 = 0, s2 = 0;
      for (int i = 0; i < N; ++i) {
        double d = (double)(kt_drive_frame_at(&lm, &o, a.notes[i].start) -
                            kt_drive_frame_at(&lm, &o, ln[i].start)) /
                   48.0;
        s1 += d;
        s2 += d * d;
      }
      double mean = s1 / N, sd = sqrt(s2 / N - mean * mean);
      printf("late 16 jitter 30: mean %.2f ms, sd %.2f ms over %d notes\n",
             mean, sd, N);
      CHECK(fabs(mean - 16) < 2 && fabs(sd - 30) < 2);
      kt_smf_free_melody(&a);
    }
    free(ln);
  }

  /* ---- the timing figures on a hand-made recording ---- */
  {
    /* melody: quarter notes at qn 0, 1 (played 20 ms late), 2 (held to 4);
       one slice = 150 ms = 7200 frames at 100 qpm; latency 0 */
    kt_mnote mn[3] = {{0, 1, 60, 80, 0}, {1, 1, 62, 80, 0}, {2, 2, 64, 80, 0}};
    kt_melody g = {mn, 3, NULL, 0, NULL, 0, 4};
    kt_mnote pn[3] = {{0, 1, 60, 80, 0}, {1, 1, 62, 80, 0}, {2, 2, 64, 80, 0}};
    kt_melody pl = {pn, 3, NULL, 0, NULL, 0, 4};
    pn[1].start = kt_drive_qn_at(&g, &o, 28800 + 960); /* 20 ms late */
    kt_recording r = {0};
    int chan[3] = {1, 2, 3};
    /* alto: with note 0 (0 ms), one slice after note 1 (rule b: 130 ms) */
    rec_add(&r, 0, 0x90, 1, 55, 80);
    rec_add(&r, 28800, 0x80, 1, 55, 0);
    rec_add(&r, 28800 + 7200, 0x90, 1, 57, 80);
    /* tenor: with note 1 at its played time (+0 ms), a 30 ms click under
       note 2 three slices on, 5 ms after the boundary */
    rec_add(&r, 28800 + 960, 0x90, 2, 50, 80);
    rec_add(&r, 57600 + 3 * 7200 + 240, 0x80, 2, 50, 0);
    rec_add(&r, 57600 + 3 * 7200 + 240, 0x90, 2, 52, 80);
    rec_add(&r, 57600 + 3 * 7200 + 240 + 1440, 0x80, 2, 52, 0);
    /* bass: 15 ms after note 2 (belongs, not within 10 ms) */
    rec_add(&r, 57600 + 720, 0x90, 3, 40, 80);
    rec_add(&r, 115200, 0x80, 3, 40, 0);
    rec_add(&r, 115200, 0x80, 1, 57, 0);
    r.frames = 120000;
    kt_player_timing t;
    kt_player_timing_init(&t);
    char err[256];
    CHECK(kt_player_measure(&g, &pl, &o, &r, 0, chan, &t, err, sizeof err) ==
          0);
    CHECK_EQ(t.mel_onsets, 3);
    CHECK_EQ(t.harm_onsets, 5);
    CHECK_EQ(t.belong, 4);
    CHECK_EQ(t.belong_next, 1);
    CHECK_EQ(t.within, 2);
    CHECK_EQ(t.held, 1);
    CHECK_EQ(t.notes, 5);
    CHECK_EQ(t.short_notes, 1);
    kt_player_figures f;
    kt_player_figures_of(&t, &f);
    CHECK(fabs(f.within_pct - 50) < 1e-9);
    CHECK(fabs(f.b_max - 130) < 1e-9 && fabs(f.b_min - 0) < 1e-9);
    CHECK(fabs(f.h_mean - 5) < 1e-9 && f.h_dev < 1e-9);
    CHECK(fabs(f.short_pct - 20) < 1e-9);
    /* the same note played on time: rule (b) does not apply */
    pn[1].start = 1;
    kt_player_timing_init(&t);
    CHECK(kt_player_measure(&g, &pl, &o, &r, 0, chan, &t, err, sizeof err) ==
          0);
    CHECK_EQ(t.belong, 3);
    CHECK_EQ(t.held, 2);
    free(r.ev);
  }

  /* ---- a late player's time line: slices follow the performance ---- */
  {
    /* sixteenths at qn 0, 0.25, 0.5 (slices 0, 1, 2), then a quarter at
       slice 3 held to slice 7; every note played 100 ms late (more than
       half a slice); harmony with each note, and a change under the held
       note 100 ms after the boundary of slice 5 */
    kt_mnote mn[4] = {{0, 0.25, 60, 80, 0},
                      {0.25, 0.25, 62, 80, 0},
                      {0.5, 0.25, 64, 80, 0},
                      {0.75, 1, 65, 80, 0}};
    kt_melody g = {mn, 4, NULL, 0, NULL, 0, 2};
    kt_mnote pn[4];
    memcpy(pn, mn, sizeof pn);
    for (int i = 0; i < 4; ++i)
      pn[i].start = kt_drive_qn_at(&g, &o, 7200 * i + 4800);
    kt_melody pl = {pn, 4, NULL, 0, NULL, 0, 2};
    kt_recording r = {0};
    int chan[3] = {1, 2, 3};
    for (int i = 0; i < 4; ++i)
      rec_add(&r, 7200 * i + 4800, 0x90, 1, 50 + i, 80);
    rec_add(&r, 5 * 7200 + 4800, 0x90, 2, 45, 80);
    r.frames = 60000;
    kt_player_timing t;
    kt_player_timing_init(&t);
    char err[256];
    CHECK(kt_player_measure(&g, &pl, &o, &r, 0, chan, &t, err, sizeof err) ==
          0);
    kt_player_figures f;
    kt_player_figures_of(&t, &f);
    CHECK_EQ(t.belong, 4);
    CHECK_EQ(t.within, 4);
    CHECK_EQ(t.belong_next, 0);
    CHECK_EQ(t.held, 1);
    CHECK(fabs(f.h_mean - 100) < 1e-9, "held offset %g ms", f.h_mean);
    /* the recording on the score's time line: each event on its boundary */
    CHECK(kt_player_warp_recording(&g, &pl, &o, &r, 0, err, sizeof err) == 0);
    int off_grid = 0;
    for (int i = 0; i < r.n; ++i)
      off_grid += r.ev[i].frame % 7200 != 0 ||
                  fabs(r.ev[i].qn * 4 - (double)(r.ev[i].frame / 7200)) > 1e-9;
    CHECK(off_grid == 0, "%d events off the grid after the warp", off_grid);
    CHECK_EQ(r.ev[4].frame, 5 * 7200);
    free(r.ev);
  }

  /* ---- through the engine ---- */
  {
    kt_recording ra, rb;
    int64_t lat;
    int chan[3] = {1, 2, 3};
    char err[256];
    kt_player_default(&p);
    for (int L = 0; L <= 4; L += 4) {
      if (run(&m, &o, L, &ra, &lat)) continue;
      if (!moved(&p, &m, &o, &a)) {
        if (!run(&a, &o, L, &rb, &lat)) {
          CHECK(same_rec(&ra, &rb), "L%d: the exact player changes the output",
                L);
          kt_player_timing t;
          kt_player_timing_init(&t);
          CHECK(kt_player_measure(&m, &a, &o, &rb, lat, chan, &t, err,
                                  sizeof err) == 0);
          kt_player_figures f;
          kt_player_figures_of(&t, &f);
          printf("L%d exact: %ld harmony onsets, %ld with a melody onset "
                 "(%.1f %% within 10 ms), %ld held (mean %.2f ms), short %ld\n",
                 L, t.harm_onsets, t.belong, f.within_pct, t.held, f.h_mean,
                 t.short_notes);
          CHECK(t.belong > 0 && t.within == t.belong);
          CHECK(t.belong_next == 0);
          CHECK(t.held == 0 || (f.h_dev < 0.05 && fabs(f.h_mean) < 0.05));
          CHECK_EQ(t.short_notes, 0);
          kt_drive_recording_free(&rb);
        }
        kt_smf_free_melody(&a);
      }
      kt_drive_recording_free(&ra);
    }
    /* a late, uneven player: the same output for any block partition */
    kt_player_parse("late=32,jitter=30,seed=5", &p, err, sizeof err);
    if (!moved(&p, &m, &o, &a)) {
      kt_drive_opts ob = o;
      ob.block = 64;
      kt_drive_opts oc = o;
      oc.block = 1024;
      oc.random_blocks = 1;
      oc.seed = 11;
      kt_recording rc;
      if (!run(&a, &o, 0, &ra, &lat) && !run(&a, &ob, 0, &rb, &lat) &&
          !run(&a, &oc, 0, &rc, &lat)) {
        CHECK(same_rec(&ra, &rb), "block 64 differs from 256");
        CHECK(same_rec(&ra, &rc), "random blocks differ from 256");
        int on[16][128];
        memset(on, 0, sizeof on);
        for (int i = 0; i < ra.n; ++i) {
          int st = ra.ev[i].data[0] & 0xf0, ch = ra.ev[i].data[0] & 15;
          if (st == 0x90 && ra.ev[i].data[2])
            on[ch][ra.ev[i].data[1]]++;
          else if (st == 0x80 || st == 0x90)
            on[ch][ra.ev[i].data[1]]--;
        }
        int hanging = 0;
        for (int c = 0; c < 16; ++c)
          for (int q = 0; q < 128; ++q)
            hanging += on[c][q] != 0;
        CHECK(hanging == 0, "%d notes left sounding", hanging);
        kt_drive_recording_free(&ra);
        kt_drive_recording_free(&rb);
        kt_drive_recording_free(&rc);
      }
      kt_smf_free_melody(&a);
    }
  }
  return kt_check_done("player");
}
