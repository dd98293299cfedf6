/* tests/tools/test_render.c -- `kantor render` end to end, in-process: the
 * demo melody -> four tracks named right on channels 1-4, onsets on the
 * sixteenth grid, the soprano is the input, latency compensated; the same
 * seed -> identical bytes (whatever the block size), another seed with
 * temperature > 0 -> different; WAV not silent and of the expected length;
 * SVG well formed; malformed input -> exit 1 and no output file; usage
 * errors -> exit 2. */
#include "../check.h"
#include "cmds.h"
#include "smf.h"
#include "xmlcheck.h"

#include <math.h>
#include <sndfile.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


static char dir[256], demo[512];

static const char *tpath(const char *name)
{
  static char p[8][600];
  static int k;
  k = (k + 1) % 8;
  snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
  return p[k];
}

static int render(const char *first, ...)
{
  char *argv[40];
  int argc = 0;
  argv[argc++] = "render";
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a && argc < 39; a = va_arg(ap, const char *))
    argv[argc++] = (char *)a;
  va_end(ap);
  argv[argc] = NULL;
  fflush(stdout);
  return kt_cmd_render(argc, argv);
}

static int exists(const char *p)
{
  return access(p, F_OK) == 0;
}

static int same_file(const char *a, const char *b)
{
  FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
  int same = f && g;
  while (same) {
    int x = fgetc(f), y = fgetc(g);
    if (x != y) same = 0;
    if (x == EOF || y == EOF) break;
  }
  if (f) fclose(f);
  if (g) fclose(g);
  return same;
}

/* Structure of a rendered file; returns the first alto onset tick. */
static long check_mid(const char *path, const kt_melody *in)
{
  kt_smf s;
  char err[512];
  if (kt_smf_read_file(path, &s, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    ++kt_failures;
    return -1;
  }
  static const char *names[4] = {"Soprano", "Alto", "Tenor", "Bass"};
  CHECK(s.format == 1);
  CHECK(s.n_tracks == 5);
  long first_alto = -1;
  for (int t = 1; t < s.n_tracks && t <= 4; ++t) {
    const kt_smf_track *tr = &s.trk[t];
    int named = 0, ons = 0, offs = 0, bad_ch = 0, off_grid = 0, sop_i = 0,
        sop_bad = 0;
    for (int i = 0; i < tr->n; ++i) {
      const kt_smf_event *e = &tr->ev[i];
      if (e->status == 0xff && e->meta == 0x03 &&
          e->len == strlen(names[t - 1]) &&
          !memcmp(e->data, names[t - 1], e->len))
        named = 1;
      if (e->status >= 0xf0) continue;
      if ((e->status & 15) != t - 1) ++bad_ch;
      int st = e->status & 0xf0;
      if (st == 0x90 && e->d[1] > 0) {
        ++ons;
        if (e->tick % (uint32_t)(s.division / 4)) ++off_grid;
        if (t == 2 && first_alto < 0) first_alto = (long)e->tick;
        if (t == 1) { /* the soprano is the input melody */
          if (sop_i >= in->n_notes || in->notes[sop_i].pitch != e->d[0] ||
              fabs(in->notes[sop_i].start * s.division - e->tick) > 0.5)
            ++sop_bad;
          ++sop_i;
        }
      } else if (st == 0x80 || st == 0x90) {
        ++offs;
      }
    }
    printf("  %-8s %3d notes, channel errors %d, off grid %d\n", names[t - 1],
           ons, bad_ch, off_grid);
    CHECK(named);
    CHECK(ons > 0 && ons == offs);
    CHECK(bad_ch == 0);
    CHECK(off_grid == 0);
    if (t == 1) {
      CHECK(sop_bad == 0);
      CHECK(ons == in->n_notes);
    }
  }
  kt_smf_free(&s);
  return first_alto;
}

/* Alto, tenor and bass note-ons off the eighth-note grid, or -1. */
static int off_eighths(const char *path)
{
  kt_smf s;
  char err[512];
  if (kt_smf_read_file(path, &s, err, sizeof err) < 0) return -1;
  int n = 0;
  for (int t = 2; t < s.n_tracks && t <= 4; ++t)
    for (int i = 0; i < s.trk[t].n; ++i) {
      const kt_smf_event *e = &s.trk[t].ev[i];
      if ((e->status & 0xf0) == 0x90 && e->d[1] > 0 &&
          e->tick % (uint32_t)(s.division / 2))
        ++n;
    }
  kt_smf_free(&s);
  return n;
}

int main(void)
{
  const char *src = getenv("KANTOR_SRC");
  snprintf(demo, sizeof demo, "%s/demo/melody.mid", src ? src : ".");
  if (!exists(demo)) {
    fprintf(stderr, "no demo melody at %s (set KANTOR_SRC)\n", demo);
    return 1;
  }
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/kt_render_XXXXXX", tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 1;
  }
  kt_smf s;
  kt_melody in;
  char err[512];
  if (kt_smf_read_file(demo, &s, err, sizeof err) < 0 ||
      kt_smf_to_melody(&s, demo, &in, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  kt_smf_free(&s);

  /* the demo with all outputs */
  const char *mid = tpath("demo.mid"), *wav = tpath("demo.wav"),
             *svg = tpath("demo.svg");
  CHECK(render(demo, "-o", mid, "--wav", wav, "--svg", svg, NULL) == 0);
  printf("demo, lookahead 0:\n");
  CHECK(check_mid(mid, &in) == 0);
  CHECK(kt_xml_check(svg) == 0);
  {
    SF_INFO info = {0};
    SNDFILE *f = sf_open(wav, SFM_READ, &info);
    CHECK(f != NULL);
    if (f) {
      /* 8 bars of 4/4 at 80 qpm = 24 s, plus a 2 s release tail */
      CHECK(info.channels == 2 && info.samplerate == 48000);
      CHECK(info.frames == 26 * 48000);
      static float buf[26 * 48000 * 2];
      sf_count_t n = sf_readf_float(f, buf, info.frames);
      double e = 0, e_start = 0, e_mid = 0;
      for (sf_count_t i = 0; i < 2 * n; ++i)
        e += (double)buf[i] * buf[i];
      for (int i = 0; i < 2 * 48000; ++i) /* first second */
        e_start += (double)buf[i] * buf[i];
      for (int i = 2 * 12 * 48000; i < 2 * 13 * 48000; ++i) /* 12..13 s */
        e_mid += (double)buf[i] * buf[i];
      double rms = sqrt(e / (2.0 * (double)n));
      printf("  wav: %lld frames, rms %.4f\n", (long long)n, rms);
      CHECK(n == info.frames);
      CHECK(rms > 0.01);
      CHECK(e_start > 0 && e_mid > 0);
      sf_close(f);
    }
  }
  char t1[600];
  snprintf(t1, sizeof t1, "%s.tmp", mid);
  CHECK(!exists(t1));

  /* --rhythm eighths: the inner voices start notes only on eighths (the
   * demo's free rendering does not) */
  {
    const char *e8 = tpath("eighths.mid");
    CHECK(render(demo, "-o", e8, "--rhythm", "eighths", NULL) == 0);
    CHECK(check_mid(e8, &in) == 0);
    int nf = off_eighths(mid), ne = off_eighths(e8);
    printf("  inner-voice notes off the eighths: free %d, eighths %d\n", nf,
           ne);
    CHECK(nf > 0 && ne == 0);
    CHECK(render(demo, "-o", e8, "--rhythm", "sixteenths", NULL) ==
          KT_EXIT_USAGE);
  }

  /* --decode: the harmony style by the plugin's names or the older ones */
  {
    const char *b1 = tpath("bach.mid"), *b2 = tpath("style.mid");
    CHECK(render(demo, "-o", b1, "--decode", "bach", NULL) == 0);
    CHECK(render(demo, "-o", b2, "--decode", "style", NULL) == 0);
    CHECK(check_mid(b1, &in) == 0);
    CHECK(same_file(b1, b2));
    CHECK(render(demo, "-o", b1, "--decode", "sweet", NULL) == KT_EXIT_USAGE);
  }

  /* same seed -> same bytes (also with another block size); another seed
   * with temperature 1 -> different */
  const char *a = tpath("a.mid"), *b = tpath("b.mid"), *c = tpath("c.mid"),
             *d = tpath("d.mid");
  CHECK(render(demo, "-o", a, "--temperature", "1", "--seed", "3", NULL) == 0);
  CHECK(render(demo, "-o", b, "--temperature", "1", "--seed", "3", NULL) == 0);
  CHECK(render(demo, "-o", c, "--temperature", "1", "--seed", "3", "--block",
               "37", NULL) == 0);
  CHECK(render(demo, "-o", d, "--temperature", "1", "--seed", "4", NULL) == 0);
  CHECK(same_file(a, b));
  CHECK(same_file(a, c));
  CHECK(!same_file(a, d));
  printf("temperature 1, seed 3:\n");
  CHECK(check_mid(a, &in) == 0);

  /* 3/4 with a tempo change and a lower line on another channel: the
   * melody is the top line, the maps come through, onsets stay on the grid
   * of the output's ticks */
  {
    static const int top[][2] = {{72, 1}, {71, 1}, {69, 1}, {67, 2}, {69, 1},
                                 {71, 1}, {72, 1}, {74, 1}, {72, 3}};
    kt_smf w;
    kt_smf_init(&w, 0, 96);
    kt_smf_track *t = kt_smf_add_track(&w);
    kt_smf_add_tempo(t, 0, 90);
    kt_smf_add_meter(t, 0, 3, 4);
    kt_smf_add_tempo(t, 6 * 96, 60);
    uint32_t now = 0;
    for (int i = 0; i < 9; ++i) {
      uint32_t du = (uint32_t)top[i][1] * 96;
      kt_smf_add_midi(t, now, 0x90, (uint8_t)top[i][0], 90);
      kt_smf_add_midi(t, now + du, 0x80, (uint8_t)top[i][0], 0);
      kt_smf_add_midi(t, now, 0x91, (uint8_t)(top[i][0] - 12), 70);
      kt_smf_add_midi(t, now + du, 0x91, (uint8_t)(top[i][0] - 12), 0);
      now += du;
    }
    const char *wz = tpath("waltz.mid"), *wo = tpath("waltz_out.mid");
    CHECK(kt_smf_write_file(&w, wz, err, sizeof err) == 0);
    kt_smf_free(&w);
    kt_smf ws;
    kt_melody wm;
    CHECK(kt_smf_read_file(wz, &ws, err, sizeof err) == 0);
    CHECK(kt_smf_to_melody(&ws, wz, &wm, err, sizeof err) == 0);
    kt_smf_free(&ws);
    CHECK(wm.n_notes == 9 && wm.notes[0].pitch == 72);
    CHECK(render(wz, "-o", wo, "--block", "64", NULL) == 0);
    printf("3/4, tempo 90 -> 60:\n");
    CHECK(check_mid(wo, &wm) == 0);
    kt_smf o;
    kt_melody om;
    CHECK(kt_smf_read_file(wo, &o, err, sizeof err) == 0);
    CHECK(kt_smf_to_melody(&o, wo, &om, err, sizeof err) == 0);
    CHECK(om.n_tempo == 2 && om.tempo[1].at == 6 &&
          fabs(om.tempo[1].qpm - 60) < 0.01);
    CHECK(om.n_meter == 1 && om.meter[0].num == 3 && om.meter[0].den == 4);
    kt_smf_free_melody(&om);
    kt_smf_free(&o);
    kt_smf_free_melody(&wm);
  }

  /* lookahead: the engine is late by its latency, the file is not */
  const char *l4 = tpath("l4.mid");
  CHECK(render(demo, "-o", l4, "--lookahead", "4", "--key", "G", NULL) == 0);
  printf("lookahead 4:\n");
  CHECK(check_mid(l4, &in) == 0);

  /* --model: the shipped L4 file gives what the embedded L4 gives */
  {
    char model[600];
    snprintf(model, sizeof model, "%s/models/live-l4.kmod", src ? src : ".");
    if (exists(model)) {
      const char *m1 = tpath("m1.mid"), *m2 = tpath("m2.mid");
      CHECK(render(demo, "-o", m1, "--model", model, NULL) == 0);
      CHECK(render(demo, "-o", m2, "--lookahead", "4", NULL) == 0);
      CHECK(same_file(m1, m2));
    } else {
      printf("(no %s: --model check skipped)\n", model);
    }
  }

  /* --bpm replaces the tempo map */
  const char *bp = tpath("bpm.mid");
  CHECK(render(demo, "-o", bp, "--bpm", "132", NULL) == 0);
  {
    kt_smf o;
    kt_melody om;
    CHECK(kt_smf_read_file(bp, &o, err, sizeof err) == 0);
    CHECK(kt_smf_to_melody(&o, bp, &om, err, sizeof err) == 0);
    CHECK(om.n_tempo == 1 && fabs(om.tempo[0].qpm - 132) < 0.01);
    kt_smf_free_melody(&om);
    kt_smf_free(&o);
  }

  /* malformed input: exit 1, no output at all */
  {
    const char *garbage = tpath("garbage.mid");
    FILE *f = fopen(garbage, "wb");
    fputs("not a midi file\n", f);
    fclose(f);
    const char *out = tpath("bad.mid"), *ow = tpath("bad.wav"),
               *os = tpath("bad.svg");
    CHECK(render(garbage, "-o", out, "--wav", ow, "--svg", os, NULL) ==
          KT_EXIT_FAIL);
    CHECK(!exists(out) && !exists(ow) && !exists(os));
    char ot[700];
    snprintf(ot, sizeof ot, "%s.tmp", out);
    CHECK(!exists(ot));
    /* a truncated copy of the demo */
    const char *trunc = tpath("trunc.mid");
    FILE *src_f = fopen(demo, "rb"), *dst = fopen(trunc, "wb");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf, src_f);
    fwrite(buf, 1, n / 2, dst);
    fclose(src_f);
    fclose(dst);
    CHECK(render(trunc, "-o", out, NULL) == KT_EXIT_FAIL);
    CHECK(!exists(out));
    CHECK(render(tpath("missing.mid"), "-o", out, NULL) == KT_EXIT_FAIL);
    CHECK(!exists(out));
    /* a bad model file */
    CHECK(render(demo, "-o", out, "--model", garbage, NULL) == KT_EXIT_FAIL);
    CHECK(!exists(out));
    /* an output that cannot be written */
    CHECK(render(demo, "-o", "/nonexistent/dir/x.mid", NULL) == KT_EXIT_FAIL);
  }
  /* usage errors */
  {
    const char *out = tpath("u.mid");
    CHECK(render(demo, NULL) == KT_EXIT_USAGE);
    CHECK(render("-o", out, NULL) == KT_EXIT_USAGE);
    CHECK(render(demo, "-o", out, "--key", "H", NULL) == KT_EXIT_USAGE);
    CHECK(render(demo, "-o", out, "--temperature", "3", NULL) == KT_EXIT_USAGE);
    CHECK(render(demo, "-o", out, "--frobnicate", "1", NULL) == KT_EXIT_USAGE);
    CHECK(render(demo, "-o", out, "--seed", NULL) == KT_EXIT_USAGE);
    CHECK(render(demo, "-o", out, "--guard", "maybe", NULL) == KT_EXIT_USAGE);
    CHECK(!exists(out));
    CHECK(render("--help", NULL) == KT_EXIT_OK);
  }
  kt_smf_free_melody(&in);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (!kt_failures && system(cmd) != 0)
    fprintf(stderr, "warning: could not remove %s\n", dir);
  if (kt_failures)
    fprintf(stderr, "%d checks failed (outputs kept in %s)\n", kt_failures, dir);
  return kt_failures ? 1 : 0;
}
