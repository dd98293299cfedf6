/* tests/tools/test_drive.c -- kt_drive, the one path from a melody to the
 * engine: tempo-map arithmetic, harmony onsets on the sixteenth grid (also
 * across a tempo change and in 3/4), every voice released at the end, the
 * same output whatever the block partition, free-run without positions. */
#include "../check.h"
#include "drive.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static const int tune[] = {67, 67, 69, 71, 72, 71, 69, 67,
                           66, 67, 69, 67, 66, 64, 62, 67};

static void make(kt_melody *m, kt_mnote *notes, int n)
{
  memset(m, 0, sizeof *m);
  for (int i = 0; i < n; ++i)
    notes[i] = (kt_mnote){i, 1, tune[i % 16], 80, 0};
  m->notes = notes;
  m->n_notes = n;
  m->end = n;
}

static int run(const kt_melody *m, const kt_drive_opts *o, kt_recording *r)
{
  char err[256];
  kt_engine *e = kt_engine_new(o->rate, o->block, err, sizeof err);
  if (!e) {
    fprintf(stderr, "engine: %s\n", err);
    exit(1);
  }
  kt_engine_set_param(e, KT_P_PASSTHRU, 0);
  int ret = kt_drive(e, m, o, r, err, sizeof err);
  if (ret < 0) fprintf(stderr, "drive: %s\n", err);
  kt_engine_free(e);
  return ret;
}

/* Note-ons on the sixteenth grid (within one frame), ons == offs per
 * channel and pitch, nothing sounding at the end. */
static void check_output(const char *what, const kt_melody *m,
                         const kt_drive_opts *o, const kt_recording *r)
{
  int on[16][128];
  memset(on, 0, sizeof on);
  int n_on = 0, off_grid = 0;
  for (int i = 0; i < r->n; ++i) {
    const kt_rec_event *x = &r->ev[i];
    int st = x->data[0] & 0xf0, ch = x->data[0] & 15, p = x->data[1] & 127;
    if (st == 0x90 && x->data[2] > 0) {
      ++n_on;
      on[ch][p]++;
      double s = x->qn * 4;
      double tol = 4.0 * (kt_drive_qn_at(m, o, x->frame + 1) - x->qn);
      if (fabs(s - round(s)) > tol + 1e-9) ++off_grid;
    } else if (st == 0x80 || st == 0x90) {
      on[ch][p]--;
    }
    CHECK(x->frame >= 0 && x->frame < r->frames);
    CHECK(i == 0 || x->frame >= r->ev[i - 1].frame);
  }
  int hanging = 0;
  for (int c = 0; c < 16; ++c)
    for (int p = 0; p < 128; ++p)
      hanging += on[c][p] != 0;
  printf("%-24s %4d events, %3d note-ons, off grid %d, hanging %d\n", what,
         r->n, n_on, off_grid, hanging);
  CHECK(n_on >= m->n_notes); /* three voices, most slices sound */
  CHECK(off_grid == 0);
  CHECK(hanging == 0);
}

int main(void)
{
  kt_drive_opts o;
  kt_drive_opts_default(&o);
  CHECK(o.rate == 48000 && o.block == 256 && o.send_position == 1);

  /* tempo map arithmetic */
  {
    kt_tempo t[2] = {{0, 60}, {2, 120}};
    kt_melody m = {0};
    m.tempo = t;
    m.n_tempo = 2;
    CHECK(kt_drive_frame_at(&m, &o, 2) == 96000);
    CHECK(kt_drive_frame_at(&m, &o, 3) == 120000);
    CHECK(fabs(kt_drive_qn_at(&m, &o, 120000) - 3) < 1e-9);
    CHECK(fabs(kt_drive_qn_at(&m, &o, 48000) - 1) < 1e-9);
    for (double q = 0; q < 8; q += 0.37)
      CHECK(fabs(kt_drive_qn_at(&m, &o, kt_drive_frame_at(&m, &o, q)) - q) <
            1e-4);
    kt_melody none = {0};
    o.bpm = 100;
    CHECK(kt_drive_frame_at(&none, &o, 1) == 28800);
  }

  kt_mnote notes[32];
  kt_melody m;
  make(&m, notes, 16);
  kt_recording a, b;

  o.bpm = 100;
  CHECK(run(&m, &o, &a) == 0);
  /* one bar after the end */
  CHECK(a.frames == kt_drive_frame_at(&m, &o, 20));
  check_output("fixed 256", &m, &o, &a);

  kt_drive_opts ob = o;
  ob.block = 1024;
  ob.random_blocks = 1;
  ob.seed = 7;
  CHECK(run(&m, &ob, &b) == 0);
  check_output("random 1..1024", &m, &ob, &b);
  int same = a.n == b.n && a.frames == b.frames;
  for (int i = 0; same && i < a.n; ++i)
    same = a.ev[i].frame == b.ev[i].frame &&
           !memcmp(a.ev[i].data, b.ev[i].data, 3);
  CHECK(same); /* the block partition does not change the output */
  kt_drive_recording_free(&b);

  /* tempo change in the middle */
  {
    kt_tempo t[2] = {{0, 100}, {6, 66}};
    kt_melody mt = m;
    mt.tempo = t;
    mt.n_tempo = 2;
    CHECK(run(&mt, &o, &b) == 0);
    check_output("tempo 100 -> 66", &mt, &o, &b);
    kt_drive_recording_free(&b);
  }
  /* 3/4 */
  {
    kt_meter mm[1] = {{0, 3, 4}};
    kt_melody m3 = m;
    m3.meter = mm;
    m3.n_meter = 1;
    m3.end = 15;
    m3.n_notes = 15;
    CHECK(run(&m3, &o, &b) == 0);
    CHECK(b.frames == kt_drive_frame_at(&m3, &o, 18));
    check_output("3/4", &m3, &o, &b);
    kt_drive_recording_free(&b);
  }
  /* no transport: the engine free-runs at the melody's tempo */
  {
    kt_drive_opts of = o;
    of.send_position = 0;
    CHECK(run(&m, &of, &b) == 0);
    check_output("free-run", &m, &of, &b);
    kt_drive_recording_free(&b);
  }
  /* bad options are an error, not a crash */
  {
    kt_drive_opts bad = o;
    bad.block = 0;
    char err[128];
    kt_engine *e = kt_engine_new(48000, 256, err, sizeof err);
    CHECK(kt_drive(e, &m, &bad, &b, err, sizeof err) < 0);
    kt_engine_free(e);
  }
  /* an absurdly long melody is refused, not run for days */
  {
    kt_mnote far = {50000, 1, 60, 80, 0};
    kt_melody ml = {0};
    ml.notes = &far;
    ml.n_notes = 1;
    ml.end = 50001;
    kt_drive_opts slow = o;
    slow.bpm = 20;
    char err[128];
    kt_engine *e = kt_engine_new(48000, 256, err, sizeof err);
    CHECK(kt_drive(e, &ml, &slow, &b, err, sizeof err) < 0);
    CHECK(strstr(err, "too long") != NULL);
    kt_engine_free(e);
  }
  kt_drive_recording_free(&a);
  if (kt_failures) fprintf(stderr, "%d checks failed\n", kt_failures);
  return kt_failures ? 1 : 0;
}
