/* tools/cmd_eval.c -- kantor eval: run every chorale of a set through the
 * real engine (kt_drive, the path every shell uses), turn the recorded MIDI
 * back into per-slice voices and compare with Bach (nn/metrics.h).  Also a
 * fixed-interval baseline, and per-chorale MIDI / piano-roll SVG output.
 *
 * Melody: Bach's soprano, one slice = a sixteenth, at --bpm quarter notes
 * per minute; a pickup of p slices (bar_pos[0] = p) starts at slice p of
 * bar 0 so that bar positions match the score; meters follow bar_len (a
 * meter entry wherever the score's barlines leave the running grid).
 * Output: note-ons/offs on the alto/tenor/bass channels, frame - latency
 * -> quarter notes -> nearest slice. */
#include "args.h"
#include "cmds.h"

#include "decode.h"
#include "harmony.h"
#include "metrics.h"
#include "style.h"
#include "drive.h"
#include "engrave.h"
#include "player.h"
#include "smf.h"
#include "svg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef KT_DATA_DIR
#define KT_DATA_DIR "../shared/data/bach-370-chorales"
#endif

enum { KEY_AUTO = -1, KEY_FILE = -2 };

typedef struct {
  const char *data, *split, *model, *svg_dir, *mid_dir, *only;
  int set; /* enum kt_set, or -1 for all */
  int lookahead;
  double temperature;
  int guard;
  int rhythm; /* KT_P_RHYTHM: 0 free, 1 eighths */
  int shift_avg; /* -1: the model's */
  int decode;    /* -1: the engine's default, else KT_P_STYLE: 0 plain
                    (classic guard), 1 balanced (light), 2 Bach (style) */
  const char *style; /* --style SPEC (kt_decode_style_parse), or NULL */
  unsigned seed;
  int key, key_minor; /* KEY_AUTO, KEY_FILE or 0..11 */
  int json;
  int baseline;
  int engine; /* 0: --no-engine (baseline and Bach only) */
  double bpm;
  int verbose;
  int dump; /* --dump: per-slice voices to stderr */
  int block, random_blocks;
  int use_player; /* --player: also the played render (player) */
  kt_player player;
  const char *score_dir, *score_fmt; /* --score-dir, --score-format */
} eval_opts;

static void usage(FILE *f)
{
  fprintf(f,
          "usage: kantor eval [--data DIR] [--split FILE] [--set "
          "test|valid|train|all]\n"
          "                   [--model FILE] [--lookahead N] [--temperature "
          "T]\n"
          "                   [--guard on|off] [--key K|auto|file] [--seed S]\n"
          "                   [--shift-avg N|model] [--rhythm free|eighths]\n"
          "                   [--decode plain|balanced|bach] [--style SPEC]\n"
          "                   [--bpm QPM] [--only FILE[,FILE...]] [--json]\n"
          "                   [--svg-dir DIR] [--mid-dir DIR]\n"
          "                   [--score-dir DIR [--score-format "
          "ly|pdf|png|svg]]\n"
          "                   [--baseline interval] [--no-engine] "
          "[--verbose]\n"
          "                   [--block N] [--random-blocks] [--dump]\n"
          "                   [--player late=MS,jitter=SD,seed=S]\n"
          "Runs each chorale's soprano through the engine and compares the\n"
          "alto, tenor and bass it plays with Bach's (see docs/eval.md).\n"
          "Then the style statistics of ../shared/style (style.py's\n"
          "definitions) beside Bach's on the same set and his per-piece\n"
          "p10-p90, z = (value - Bach) / (p90 - p10), * where off (as\n"
          "style_check.py), and 'off N of 28'; --json: the \"style\" object.\n"
          "  --key K     a key name: C, F#, Bb (major), a, c#, eb (minor)\n"
          "  --key file  the key of each chorale's kern label\n"
          "  --key auto  the engine detects the key as it plays (default)\n"
          "  --shift-avg N  average the net over the melody moved by -N..+N\n"
          "              semitones (0 = off; default: as the model says)\n"
          "  --decode plain|balanced|bach  the harmony style: the guard\n"
          "              without its style terms, with the light weights\n"
          "              (default), or with the shipped style weights; also\n"
          "              classic, light, style (dsp/engine.h)\n"
          "  --style SPEC  style terms over the shipped (or with --decode\n"
          "              light the light) ones, name=value,... (par,\n"
          "              move_a, move_t, move_b, root, unison, q_QUALITY,\n"
          "              docs/eval.md); implies\n"
          "              --decode style unless --decode light\n"
          "  --baseline interval  also measure the fixed-interval harmonizer:\n"
          "              alto a diatonic 3rd, tenor an octave, bass a 10th\n"
          "              below the soprano, in the key signature's scale\n"
          "  --score-dir DIR  per chorale Bach's four voices above Kantor's\n"
          "              as a score: DIR/NAME.musicxml and NAME.ly, and\n"
          "              with --score-format pdf|png|svg engraved by\n"
          "              LilyPond (Debian: apt-get install lilypond)\n"
          "  --player SPEC  also play each melody as a person would (every\n"
          "              note-on/off moved by late ms + normal jitter of sd\n"
          "              jitter ms; release=joined|free) and report that\n"
          "              render against the exact one: accuracy, timing,\n"
          "              style (docs/timing.md)\n");
}

static int parse_num(const char *s, double lo, double hi, double *out)
{
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end || !(v >= lo && v <= hi)) return -1;
  *out = v;
  return 0;
}

/* ---- melody from the soprano -------------------------------------------- */

static void meter_of(const kt_chorale *c, int bar_len, int *num, int *den)
{
  if (c->meter_den > 0 && c->meter_num > 0 &&
      c->meter_num * 16 / c->meter_den == bar_len) {
    *num = c->meter_num;
    *den = c->meter_den;
  } else if (bar_len % 4 == 0) {
    *num = bar_len / 4;
    *den = 4;
  } else {
    *num = bar_len / 2;
    *den = 8;
  }
}

/* Slice offset of the melody: its first slice sits at bar position
 * bar_pos[0] of bar 0. */
static int melody_offset(const kt_chorale *c)
{
  return c->n_slices > 0 ? c->bar_pos[0] : 0;
}

static int build_melody(const kt_chorale *c, kt_melody *m)
{
  memset(m, 0, sizeof *m);
  int n = c->n_slices, off = melody_offset(c);
  m->notes = calloc((size_t)(n ? n : 1), sizeof *m->notes);
  m->meter = calloc((size_t)(n ? n : 1) + 1, sizeof *m->meter);
  if (!m->notes || !m->meter) return -1;
  const kt_slice *s = c->v[KT_SOPRANO];
  for (int t = 0; t < n;) {
    if (s[t].pitch < 0) {
      t++;
      continue;
    }
    int start = t++;
    while (t < n && !s[t].onset && s[t].pitch == s[start].pitch)
      t++;
    kt_mnote *x = &m->notes[m->n_notes++];
    x->start = (start + off) / 4.0;
    x->dur = (t - start) / 4.0;
    x->pitch = s[start].pitch;
    x->vel = 80;
    x->channel = 0;
  }
  if (n > 0) {
    int grid_at = 0, len = c->bar_len[0] ? c->bar_len[0] : 16;
    kt_meter *mt = &m->meter[m->n_meter++];
    mt->at = 0;
    meter_of(c, len, &mt->num, &mt->den);
    for (int t = 1; t < n; ++t) {
      if (c->bar_pos[t] != 0) continue;
      int es = t + off, bl = c->bar_len[t] ? c->bar_len[t] : 16;
      if (bl == len && (es - grid_at) % len == 0) continue;
      mt = &m->meter[m->n_meter++];
      mt->at = es / 4.0;
      meter_of(c, bl, &mt->num, &mt->den);
      grid_at = es;
      len = bl;
    }
  }
  m->end = (n + off) / 4.0;
  return 0;
}

static void melody_release(kt_melody *m)
{
  free(m->notes);
  free(m->meter);
  free(m->tempo);
  memset(m, 0, sizeof *m);
}

/* ---- recorded MIDI back to slices --------------------------------------- */

typedef struct {
  kt_slice *buf;           /* 4 * n_slices */
  kt_slice *v[KT_NVOICES]; /* by enum kt_voice */
  int n;
} gen_voices;

static int gen_alloc(gen_voices *g, int n)
{
  g->buf = calloc((size_t)(n ? n : 1) * KT_NVOICES, sizeof *g->buf);
  if (!g->buf) return -1;
  g->n = n;
  for (int v = 0; v < KT_NVOICES; ++v) {
    g->v[v] = g->buf + (size_t)v * (size_t)n;
    for (int t = 0; t < n; ++t)
      g->v[v][t].pitch = KT_REST;
  }
  return 0;
}

static void recording_to_slices(const kt_recording *rec, const kt_melody *m,
                                const kt_drive_opts *o, kt_engine *e,
                                const kt_chorale *c, gen_voices *g)
{
  int chan[3]; /* heads alto, tenor, bass -> 0-based channel */
  chan[0] = (int)kt_engine_get_param(e, KT_P_CH_ALTO) - 1;
  chan[1] = (int)kt_engine_get_param(e, KT_P_CH_TENOR) - 1;
  chan[2] = (int)kt_engine_get_param(e, KT_P_CH_BASS) - 1;
  int64_t lat = kt_engine_latency(e);
  int off = melody_offset(c);
  int cur[3] = {KT_REST, KT_REST, KT_REST};
  int ei = 0;
  for (int t = 0; t < g->n; ++t) {
    int onset[3] = {0, 0, 0};
    for (; ei < rec->n; ++ei) {
      const kt_rec_event *x = &rec->ev[ei];
      double qn = kt_drive_qn_at(m, o, x->frame - lat);
      long es = lround(qn * 4.0) - off;
      if (es > t) break;
      if (x->size < 3) continue;
      int st = x->data[0] & 0xf0, ch = x->data[0] & 0x0f;
      int h = -1;
      for (int k = 0; k < 3; ++k)
        if (chan[k] == ch) h = k;
      if (h < 0) continue;
      if (st == 0x90 && x->data[2] > 0) {
        cur[h] = x->data[1];
        onset[h] = (es == t);
      } else if (st == 0x80 || st == 0x90) {
        if (cur[h] == x->data[1]) {
          cur[h] = KT_REST;
          onset[h] = 0;
        }
      }
    }
    for (int h = 0; h < 3; ++h) {
      int v = kt_repr_head_voice(h);
      g->v[v][t].pitch = (int8_t)cur[h];
      g->v[v][t].onset =
          (uint8_t)(onset[h] || (t > 0 ? g->v[v][t - 1].pitch != cur[h] : 1));
    }
  }
  for (int t = 0; t < g->n; ++t)
    g->v[KT_SOPRANO][t] = c->v[KT_SOPRANO][t];
}

static void dump_slices(const kt_chorale *c, const gen_voices *g,
                        const kt_recording *rec, const kt_engine *e)
{
  fprintf(stderr, "%s: latency %u frames, %d events\n", c->name,
          kt_engine_latency(e), rec->n);
  for (int i = 0; i < rec->n && i < 40; ++i)
    fprintf(stderr, "  ev %lld qn %.3f %02x %d %d\n",
            (long long)rec->ev[i].frame, rec->ev[i].qn, rec->ev[i].data[0],
            rec->ev[i].data[1], rec->ev[i].data[2]);
  fprintf(stderr, "slice pos | bach S A T B | gen A T B\n");
  for (int t = 0; t < c->n_slices; ++t) {
    fprintf(stderr, "%4d %2d | ", t, c->bar_pos[t]);
    for (int v = KT_SOPRANO; v >= 0; --v)
      fprintf(stderr, "%3d%c", c->v[v][t].pitch, c->v[v][t].onset ? '*' : ' ');
    fprintf(stderr, "| ");
    for (int v = KT_ALTO; v >= 0; --v)
      fprintf(stderr, "%3d%c", g->v[v][t].pitch, g->v[v][t].onset ? '*' : ' ');
    fprintf(stderr, "\n");
  }
}

/* ---- the fixed-interval baseline ---------------------------------------- */

/* Down deg diatonic steps in the key signature's major-scale collection
 * (a chromatic soprano note is taken as the scale note just below it). */
static int diatonic_down(int p, int deg, int key_sig)
{
  static const int maj[7] = {0, 2, 4, 5, 7, 9, 11};
  if (p < 0) return KT_REST;
  int ton = ((key_sig * 7) % 12 + 12) % 12;
  int rel = ((p - ton) % 12 + 12) % 12;
  int i = 6;
  while (maj[i] > rel)
    i--;
  int base = p - (rel - maj[i]) - maj[i]; /* the collection's tonic below */
  int d = i - deg;
  int oct = d >= 0 ? d / 7 : -((-d + 6) / 7);
  int r = d - 7 * oct;
  int q = base + maj[r] + 12 * oct;
  return q < 0 ? KT_REST : q;
}

static void baseline_voices(const kt_chorale *c, gen_voices *g)
{
  static const int deg[KT_NVOICES] = {
      [KT_ALTO] = 2, [KT_TENOR] = 7, [KT_BASS] = 9};
  for (int t = 0; t < c->n_slices; ++t) {
    kt_slice s = c->v[KT_SOPRANO][t];
    g->v[KT_SOPRANO][t] = s;
    for (int v = 0; v < KT_SOPRANO; ++v) {
      g->v[v][t].pitch = (int8_t)diatonic_down(s.pitch, deg[v], c->key_sig);
      g->v[v][t].onset = s.onset;
    }
  }
}

/* ---- output files ------------------------------------------------------- */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

static int ensure_dir(const char *dir, char *err, size_t errlen)
{
  struct stat st;
  if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
  if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
    set_err(err, errlen, "%s: cannot create directory: %s", dir,
            strerror(errno));
    return -1;
  }
  return 0;
}

static void stem_of(const char *name, char *out, size_t cap)
{
  snprintf(out, cap, "%s", name);
  char *dot = strrchr(out, '.');
  if (dot) *dot = 0;
}

/* A kt_chorale shell around other voices (for kt_chorale_notes). */
static void shell_chorale(const kt_chorale *c, kt_slice *const v[KT_NVOICES],
                          kt_chorale *out)
{
  *out = *c;
  for (int i = 0; i < KT_NVOICES; ++i)
    out->v[i] = v[i];
}

static int add_voice_track(kt_smf *s, const kt_chorale *c, int voice,
                           int channel, int off, int tpq)
{
  kt_smf_track *tr = kt_smf_add_track(s);
  if (!tr) return -1;
  static const char *const names[KT_NVOICES] = {"Bass", "Tenor", "Alto",
                                                "Soprano"};
  if (kt_smf_add_meta(tr, 0, 0x03, names[voice],
                      (uint32_t)strlen(names[voice])))
    return -1;
  int nn = kt_chorale_notes(c, voice, NULL, 0);
  kt_note *notes = calloc((size_t)(nn ? nn : 1), sizeof *notes);
  if (!notes) return -1;
  kt_chorale_notes(c, voice, notes, nn);
  int ret = 0;
  for (int i = 0; i < nn && !ret; ++i) {
    uint32_t t0 = (uint32_t)((notes[i].start + off) * tpq / 4);
    uint32_t t1 = (uint32_t)((notes[i].start + notes[i].len + off) * tpq / 4);
    ret = kt_smf_add_midi(tr, t0, (uint8_t)(0x90 | channel),
                          (uint8_t)notes[i].pitch, 80) ||
          kt_smf_add_midi(tr, t1, (uint8_t)(0x80 | channel),
                          (uint8_t)notes[i].pitch, 0);
  }
  free(notes);
  return ret ? -1 : 0;
}

static int write_midi(const char *path, const kt_chorale *c, const kt_melody *m,
                      double bpm, char *err, size_t errlen)
{
  const int tpq = 480;
  kt_smf s;
  kt_smf_init(&s, 1, tpq);
  int off = melody_offset(c);
  kt_smf_track *t0 = kt_smf_add_track(&s);
  int bad = !t0 || kt_smf_add_tempo(t0, 0, bpm);
  for (int i = 0; !bad && i < m->n_meter; ++i)
    bad = kt_smf_add_meter(t0, (uint32_t)lround(m->meter[i].at * tpq),
                           m->meter[i].num, m->meter[i].den);
  /* soprano ch 1, alto 2, tenor 3, bass 4 (the engine's defaults) */
  for (int v = KT_SOPRANO; !bad && v >= 0; --v)
    bad = add_voice_track(&s, c, v, KT_SOPRANO - v, off, tpq);
  int ret = -1;
  if (bad)
    set_err(err, errlen, "%s: out of memory building the MIDI file", path);
  else
    ret = kt_smf_write_file(&s, path, err, errlen);
  kt_smf_free(&s);
  return ret;
}

/* kt_svg notes of one chorale's voices (times in quarter notes, with the
 * melody's pickup offset).  Returns a malloc'd array, *n set; NULL on OOM. */
static kt_svg_note *svg_notes(const kt_chorale *c, int *n)
{
  int total = 0;
  for (int v = 0; v < KT_NVOICES; ++v)
    total += kt_chorale_notes(c, v, NULL, 0);
  kt_svg_note *out = calloc((size_t)(total ? total : 1), sizeof *out);
  kt_note *tmp = calloc((size_t)(total ? total : 1), sizeof *tmp);
  if (!out || !tmp) {
    free(out);
    free(tmp);
    return NULL;
  }
  int off = melody_offset(c), k = 0;
  for (int v = 0; v < KT_NVOICES; ++v) {
    int nn = kt_chorale_notes(c, v, tmp, total);
    for (int i = 0; i < nn && k < total; ++i, ++k) {
      out[k].start = (tmp[i].start + off) / 4.0;
      out[k].dur = tmp[i].len / 4.0;
      out[k].pitch = tmp[i].pitch;
      out[k].voice = KT_SOPRANO - v; /* svg: 0 soprano .. 3 bass */
    }
  }
  free(tmp);
  *n = k;
  return out;
}

/* Original above regenerated, with tools/svg.h. */
static int write_svg(const char *path, const kt_chorale *bach,
                     const kt_chorale *gen, const char *gen_title,
                     const kt_metrics *mt, const kt_melody *mel, char *err,
                     size_t errlen)
{
  kt_svg_panel panels[2];
  int nb = 0, ng = 0;
  kt_svg_note *b = svg_notes(bach, &nb), *g = svg_notes(gen, &ng);
  if (!b || !g) {
    free(b);
    free(g);
    set_err(err, errlen, "%s: out of memory", path);
    return -1;
  }
  char title[256], gtitle[256];
  snprintf(title, sizeof title, "%s: Bach (above) and %s (below)", bach->name,
           gen_title);
  snprintf(gtitle, sizeof gtitle,
           "%s -- accuracy alto %.2f, tenor %.2f, bass %.2f, mean %.3f",
           gen_title, mt->acc[KT_ALTO], mt->acc[KT_TENOR], mt->acc[KT_BASS],
           mt->acc_mean);
  panels[0] = (kt_svg_panel){"Bach", b, nb};
  panels[1] = (kt_svg_panel){gtitle, g, ng};
  int ret = kt_svg_write(path, title, panels, 2, mel->meter, mel->n_meter,
                         mel->end, err, errlen);
  free(b);
  free(g);
  return ret;
}

/* ---- the player model (--player; tools/player.h, docs/timing.md) -------- */

/* Per set: the exact render and the played one (the same chorales through
 * the same engine, the melody exact / moved by the player), against Bach,
 * the played one also against the exact one; their timing; the style
 * statistics of Bach, the exact and the played render. */
typedef struct {
  kt_player p;
  kt_metrics_count
      cnt[2]; /* 0 exact, 1 played: against Bach, and their style */
  kt_metrics_count vs_exact; /* played against the exact render */
  kt_player_timing tim[2];
  kt_style_acc sty[3]; /* 0 Bach, 1 exact, 2 played */
} player_eval;

static void player_init(player_eval *pe, const kt_player *p)
{
  memset(pe, 0, sizeof *pe);
  pe->p = *p;
  for (int k = 0; k < 2; ++k) {
    kt_metrics_count_init(&pe->cnt[k]);
    kt_player_timing_init(&pe->tim[k]);
  }
  kt_metrics_count_init(&pe->vs_exact);
  for (int k = 0; k < 3; ++k)
    kt_style_acc_init(&pe->sty[k]);
}

static void player_free(player_eval *pe)
{
  for (int k = 0; k < 3; ++k)
    kt_style_acc_free(&pe->sty[k]);
}

/* One chorale: the exact and the played render, each from a reset engine
 * (the key set as for the main row).  0, or -1 with err. */
static int player_chorale(player_eval *pe, const eval_opts *o, kt_engine *e,
                          const kt_chorale *c, const kt_melody *mel,
                          const kt_drive_opts *dopt,
                          const kt_metrics_voices *bach, char *err,
                          size_t errlen)
{
  kt_melody played;
  if (kt_player_apply(&pe->p, mel, dopt, &played, err, errlen)) return -1;
  gen_voices g[2] = {{0}, {0}};
  kt_metrics_voices gm[2];
  int ret = 0;
  int chan[3];
  for (int k = 0; k < 2 && !ret; ++k) {
    if (gen_alloc(&g[k], c->n_slices)) {
      set_err(err, errlen, "out of memory");
      ret = -1;
      break;
    }
    kt_engine_reset(e);
    if (o->key == KEY_FILE) {
      kt_engine_set_param(e, KT_P_KEY, (float)c->tonic);
      kt_engine_set_param(e, KT_P_MODE, (float)kt_mode_family(c->mode));
    }
    const kt_melody *m = k ? &played : mel;
    kt_recording rec;
    if (kt_drive(e, m, dopt, &rec, err, errlen)) {
      ret = -1;
      break;
    }
    chan[0] = (int)kt_engine_get_param(e, KT_P_CH_ALTO) - 1;
    chan[1] = (int)kt_engine_get_param(e, KT_P_CH_TENOR) - 1;
    chan[2] = (int)kt_engine_get_param(e, KT_P_CH_BASS) - 1;
    kt_player_timing one;
    kt_player_timing_init(&one);
    ret = kt_player_measure(mel, m, dopt, &rec, kt_engine_latency(e), chan,
                            &one, err, errlen);
    kt_player_timing_add(&pe->tim[k], &one);
    /* slices on the score's time line as the performance carries it (the
       exact render: the grid itself) */
    if (!ret)
      ret = kt_player_warp_recording(mel, m, dopt, &rec, kt_engine_latency(e),
                                     err, errlen);
    recording_to_slices(&rec, mel, dopt, e, c, &g[k]);
    kt_drive_recording_free(&rec);
    gm[k] = (kt_metrics_voices){c->n_slices, {0}, c->bar_len};
    for (int v = 0; v < KT_NVOICES; ++v)
      gm[k].v[v] = g[k].v[v];
    kt_metrics_compare(bach, &gm[k], &pe->cnt[k]);
    kt_metrics_style(&gm[k], &pe->cnt[k]);
    if (!ret && kt_style_acc_add(&pe->sty[k + 1], &gm[k])) {
      set_err(err, errlen, "out of memory");
      ret = -1;
    }
  }
  if (!ret) {
    kt_metrics_compare(&gm[0], &gm[1], &pe->vs_exact);
    if (kt_style_acc_add(&pe->sty[0], bach)) {
      set_err(err, errlen, "out of memory");
      ret = -1;
    }
  }
  free(g[0].buf);
  free(g[1].buf);
  kt_smf_free_melody(&played);
  return ret;
}

typedef struct {
  kt_metrics m[2], vs_exact;
  kt_player_figures f[2];
  kt_style_result s[3]; /* Bach, exact, played */
  kt_style_cmp exact_bach, played_bach, played_exact;
} player_report;

static void player_finish(const player_eval *pe, player_report *r)
{
  for (int k = 0; k < 2; ++k) {
    kt_metrics_finish(&pe->cnt[k], &r->m[k]);
    kt_player_figures_of(&pe->tim[k], &r->f[k]);
  }
  kt_metrics_finish(&pe->vs_exact, &r->vs_exact);
  for (int k = 0; k < 3; ++k)
    kt_style_finish(&pe->sty[k], &r->s[k]);
  kt_style_compare(&r->s[0], &r->s[1], KT_STYLE_TOL, &r->exact_bach);
  kt_style_compare(&r->s[0], &r->s[2], KT_STYLE_TOL, &r->played_bach);
  kt_style_compare(&r->s[1], &r->s[2], KT_STYLE_TOL, &r->played_exact);
}

/* Statistics off by their z (parallels and the final triad are judged
 * against Bach's absolute limits, not against another render). */
static int z_off_one(const kt_style_cmp *c, int s)
{
  int chk = kt_style_check_of(s);
  return (chk == KT_SC_TWO_SIDED || chk == KT_SC_ONE_SIDED) && c->off[s];
}

static int z_off(const kt_style_cmp *c)
{
  int n = 0;
  for (int s = 0; s < KT_ST_N; ++s)
    n += z_off_one(c, s);
  return n;
}

static void print_player(const player_eval *pe)
{
  player_report r;
  player_finish(pe, &r);
  char spec[128];
  kt_player_format(&pe->p, spec, sizeof spec);
  printf("\nplayer %s: the exact render and the played one (docs/timing.md)\n",
         spec);
  printf("%-7s %7s %7s %6s | %6s %6s %5s %6s %6s %6s %6s | %5s %6s %5s "
         "%6s %6s %5s %6s | %5s %4s %5s\n",
         "", "acc", "vs", "chord%", "harm.", "with", "next", "<=10ms", "mean",
         "sd", "max", "held", "mean", "sd", "min", "max", "dev", "steady",
         "notes", "<40", "%");
  for (int k = 0; k < 2; ++k) {
    const kt_player_timing *t = &pe->tim[k];
    const kt_player_figures *f = &r.f[k];
    printf("%-7s %7.4f %7.4f %6.2f | %6ld %6ld %5ld %5.1f%% %6.1f %6.1f "
           "%6.1f | %5ld %6.1f %5.1f %6.1f %6.1f %5.1f %5.1f%% | %5ld %4ld "
           "%5.2f\n",
           k ? "played" : "exact", r.m[k].acc_mean,
           k ? r.vs_exact.acc_mean : 1.0, r.m[k].chord_pct, t->harm_onsets,
           t->belong, t->belong_next, f->within_pct, f->b_mean, f->b_sd,
           f->b_max, t->held, f->h_mean, f->h_sd, f->h_min, f->h_max, f->h_dev,
           f->steady_pct, t->notes, t->short_notes, f->short_pct);
  }
  printf("acc: against Bach (mean of alto, tenor, bass); vs: against the "
         "exact render.\nharm.: harmony onsets; with: those with a melody "
         "onset (next: a slice after it);\n<=10ms, mean, sd, max: their "
         "offset from the melody onset as played (ms);\nheld: the others, "
         "offset from their slice boundary (dev: max |offset - mean|;\n"
         "steady: within 10 ms of their piece's median offset);\n"
         "notes, <40: harmony notes, those shorter than 40 ms.\n");
  printf("style: exact off %d, played off %d of %d against Bach; played "
         "against exact, z by the exact render's spread:\n",
         r.exact_bach.n_off, r.played_bach.n_off, KT_STYLE_N_CHECKED);
  printf("%-22s %9s %9s %7s\n", "statistic", "exact", "played", "z");
  for (int s = 0; s < KT_ST_N; ++s) {
    if (kt_style_check_of(s) == KT_SC_NONE) continue;
    printf("%-22s %9.3f %9.3f %+7.2f%s\n", kt_style_name(s), r.s[1].s[s].mean,
           r.s[2].s[s].mean, r.played_exact.z[s],
           z_off_one(&r.played_exact, s) ? " *" : "");
  }
  printf("played against exact: off %d of %d judged by z\n",
         z_off(&r.played_exact), KT_STYLE_N_CHECKED - 2);
}

static void json_player(const player_eval *pe)
{
  player_report r;
  player_finish(pe, &r);
  char spec[128];
  kt_player_format(&pe->p, spec, sizeof spec);
  printf("  \"player\": {\n    \"spec\": \"%s\", \"late_ms\": %g, "
         "\"jitter_ms\": %g, \"seed\": %u, \"release\": \"%s\",\n",
         spec, pe->p.late_ms, pe->p.jitter_ms, pe->p.seed,
         pe->p.release == KT_PLAYER_FREE ? "free" : "joined");
  for (int k = 0; k < 2; ++k) {
    const kt_player_timing *t = &pe->tim[k];
    const kt_player_figures *f = &r.f[k];
    printf("    \"%s\": {\"acc_mean\": %.6f, \"acc_alto\": %.6f, "
           "\"acc_tenor\": %.6f, \"acc_bass\": %.6f, \"acc_vs_exact\": %.6f, "
           "\"chord_pct\": %.6f,\n",
           k ? "played" : "exact", r.m[k].acc_mean, r.m[k].acc[KT_ALTO],
           r.m[k].acc[KT_TENOR], r.m[k].acc[KT_BASS],
           k ? r.vs_exact.acc_mean : 1.0, r.m[k].chord_pct);
    printf("      \"melody_onsets\": %ld, \"harmony_onsets\": %ld, "
           "\"with_onset\": %ld, \"with_onset_next_slice\": %ld, "
           "\"within_10ms\": %ld, \"within_10ms_pct\": %.6f,\n",
           t->mel_onsets, t->harm_onsets, t->belong, t->belong_next, t->within,
           f->within_pct);
    printf("      \"with_offset_ms\": {\"mean\": %.6f, \"sd\": %.6f, "
           "\"min\": %.6f, \"max\": %.6f},\n",
           f->b_mean, f->b_sd, f->b_min, f->b_max);
    printf("      \"held\": %ld, \"held_offset_ms\": {\"mean\": %.6f, \"sd\": "
           "%.6f, \"min\": %.6f, \"max\": %.6f, \"max_dev\": %.6f, "
           "\"steady_pct\": %.6f},\n",
           t->held, f->h_mean, f->h_sd, f->h_min, f->h_max, f->h_dev,
           f->steady_pct);
    printf("      \"harmony_notes\": %ld, \"shorter_than_40ms\": %ld, "
           "\"shorter_than_40ms_pct\": %.6f,\n",
           t->notes, t->short_notes, f->short_pct);
    printf("      \"style_off_vs_bach\": %d, \"style\": {",
           k ? r.played_bach.n_off : r.exact_bach.n_off);
    for (int s = 0; s < KT_ST_N; ++s)
      printf("%s\"%s\": %.6f", s ? ", " : "", kt_style_name(s),
             r.s[k + 1].s[s].mean);
    printf("}},\n");
  }
  printf("    \"style_played_vs_exact\": {\"off_by_z\": %d, \"z\": {",
         z_off(&r.played_exact));
  int first = 1;
  for (int s = 0; s < KT_ST_N; ++s) {
    int chk = kt_style_check_of(s);
    if (chk != KT_SC_TWO_SIDED && chk != KT_SC_ONE_SIDED) continue;
    printf("%s\"%s\": %.6f", first ? "" : ", ", kt_style_name(s),
           r.played_exact.z[s]);
    first = 0;
  }
  printf("}}\n  }");
}

/* ---- report ------------------------------------------------------------- */

typedef struct {
  const char *label;
  kt_metrics_count cnt;
  int compared; /* accuracy meaningful */
} row;

static void print_table(const row *rows, int n_rows, const eval_opts *o,
                        int n_chorales, const char *model_desc)
{
  printf("kantor eval: set %s, %d chorales, model %s\n",
         o->set < 0               ? "all"
         : o->set == KT_SET_TRAIN ? "train"
         : o->set == KT_SET_VALID ? "valid"
                                  : "test",
         n_chorales, model_desc);
  printf("%-10s %6s %6s %6s %6s %6s %8s %7s %7s %-19s %-14s %-14s %s\n",
         "", "alto", "tenor", "bass", "mean", "pc", "par/100", "cross%",
         "chord%", "onsets/bar S A T B", "step A T B", ">5th% A T B",
         "flick% A T B");
  for (int i = 0; i < n_rows; ++i) {
    kt_metrics m;
    kt_metrics_finish(&rows[i].cnt, &m);
    if (rows[i].compared)
      printf("%-10s %6.3f %6.3f %6.3f %6.3f %6.3f", rows[i].label,
             m.acc[KT_ALTO], m.acc[KT_TENOR], m.acc[KT_BASS], m.acc_mean,
             m.pc_mean);
    else
      printf("%-10s %6s %6s %6s %6s %6s", rows[i].label, "-", "-", "-", "-",
             "-");
    printf(" %8.2f %7.2f %7.2f %4.2f %4.2f %4.2f %4.2f  %4.2f %4.2f %4.2f"
           " %4.1f %4.1f %4.1f  %4.1f %4.1f %4.1f\n",
           m.par_per100, m.cross_pct, m.chord_pct, m.onsets_per_bar[KT_SOPRANO],
           m.onsets_per_bar[KT_ALTO], m.onsets_per_bar[KT_TENOR],
           m.onsets_per_bar[KT_BASS], m.step[KT_ALTO], m.step[KT_TENOR],
           m.step[KT_BASS], m.wide_pct[KT_ALTO], m.wide_pct[KT_TENOR],
           m.wide_pct[KT_BASS], m.flicker_pct[KT_ALTO],
           m.flicker_pct[KT_TENOR], m.flicker_pct[KT_BASS]);
  }
}

static void json_row(const row *r, int last)
{
  kt_metrics m;
  kt_metrics_finish(&r->cnt, &m);
  printf("  \"%s\": {\n", r->label);
  if (r->compared) {
    printf("    \"acc_alto\": %.6f, \"acc_tenor\": %.6f, \"acc_bass\": %.6f,"
           " \"acc_mean\": %.6f,\n",
           m.acc[KT_ALTO], m.acc[KT_TENOR], m.acc[KT_BASS], m.acc_mean);
    printf("    \"pc_acc_alto\": %.6f, \"pc_acc_tenor\": %.6f, "
           "\"pc_acc_bass\": %.6f, \"pc_acc_mean\": %.6f,\n",
           m.pc_acc[KT_ALTO], m.pc_acc[KT_TENOR], m.pc_acc[KT_BASS], m.pc_mean);
  }
  printf("    \"parallels_per100\": %.6f, \"parallel_fifths_per100\": %.6f, "
         "\"parallel_octaves_per100\": %.6f, \"contrary_per100\": %.6f,\n",
         m.par_per100, m.par5_per100, m.par8_per100, m.contra_per100);
  printf("    \"crossings_pct\": %.6f, \"chord_pct\": %.6f,\n", m.cross_pct,
         m.chord_pct);
  printf("    \"onsets_per_bar\": {\"soprano\": %.6f, \"alto\": %.6f, "
         "\"tenor\": %.6f, \"bass\": %.6f},\n",
         m.onsets_per_bar[KT_SOPRANO], m.onsets_per_bar[KT_ALTO],
         m.onsets_per_bar[KT_TENOR], m.onsets_per_bar[KT_BASS]);
  printf("    \"step\": {\"alto\": %.6f, \"tenor\": %.6f, \"bass\": %.6f},\n",
         m.step[KT_ALTO], m.step[KT_TENOR], m.step[KT_BASS]);
  printf("    \"wider_than_fifth_pct\": {\"alto\": %.6f, \"tenor\": %.6f, "
         "\"bass\": %.6f},\n",
         m.wide_pct[KT_ALTO], m.wide_pct[KT_TENOR], m.wide_pct[KT_BASS]);
  printf("    \"flicker_pct\": {\"alto\": %.6f, \"tenor\": %.6f, "
         "\"bass\": %.6f},\n",
         m.flicker_pct[KT_ALTO], m.flicker_pct[KT_TENOR],
         m.flicker_pct[KT_BASS]);
  printf("    \"slices\": %ld, \"moves\": %ld, \"parallels\": %ld, "
         "\"bars\": %.3f\n",
         r->cnt.slices, r->cnt.moves, r->cnt.par5 + r->cnt.par8, r->cnt.bars);
  printf("  }%s\n", last ? "" : ",");
}

static void json_escape(const char *s)
{
  putchar('"');
  for (; *s; ++s) {
    if (*s == '"' || *s == '\\')
      printf("\\%c", *s);
    else if ((unsigned char)*s < 0x20)
      printf("\\u%04x", *s);
    else
      putchar(*s);
  }
  putchar('"');
}

static int in_only(const char *only, const char *name)
{
  if (!only) return 1;
  size_t n = strlen(name);
  const char *p = only;
  while (*p) {
    const char *q = strchr(p, ',');
    size_t len = q ? (size_t)(q - p) : strlen(p);
    if (len == n && !strncmp(p, name, n)) return 1;
    /* also without the .krn suffix */
    if (n > 4 && len == n - 4 && !strncmp(p, name, len)) return 1;
    if (!q) break;
    p = q + 1;
  }
  return 0;
}

/* ---- style statistics (nn/style.h, ../shared/style) --------------------- */

/* One kt_style_acc per report row (rows[i] <-> accs[i]). */
typedef struct {
  kt_style_acc acc[3];
  kt_style_result res[3];
  kt_style_cmp cmp[3]; /* each row against Bach's (the last row) */
  int n;
} style_set;

static void style_init(style_set *st, int n_rows)
{
  memset(st, 0, sizeof *st);
  st->n = n_rows;
  for (int i = 0; i < n_rows; ++i)
    kt_style_acc_init(&st->acc[i]);
}

static void style_free(style_set *st)
{
  for (int i = 0; i < st->n; ++i)
    kt_style_acc_free(&st->acc[i]);
}

static void style_finish(style_set *st, int r_bach)
{
  for (int i = 0; i < st->n; ++i)
    kt_style_finish(&st->acc[i], &st->res[i]);
  for (int i = 0; i < st->n; ++i)
    kt_style_compare(&st->res[r_bach], &st->res[i], KT_STYLE_TOL, &st->cmp[i]);
}

static void print_style_table(const row *rows, const style_set *st, int r_bach)
{
  const kt_style_result *b = &st->res[r_bach];
  printf("\nstyle statistics (../shared/style definitions), Bach on the same "
         "%d chorales;\n"
         "z = (value - Bach) / (Bach's per-piece p90 - p10); * = off "
         "(|z| > %.2f; leaps,\nhidden, crossings, spacing only when above; "
         "parallels > %.1f; final < %.0f %%)\n",
         b->pieces, KT_STYLE_TOL, KT_STYLE_PAR_MAX, KT_STYLE_FINAL_MIN);
  printf("%-22s", "statistic");
  for (int i = 0; i < st->n; ++i)
    if (i != r_bach) printf(" %9s %6s  ", rows[i].label, "z");
  printf(" %8s %17s\n", "bach", "p10-p90");
  for (int s = 0; s < KT_ST_N; ++s) {
    int chk = kt_style_check_of(s);
    if (chk == KT_SC_NONE) continue;
    printf("%-22s", kt_style_name(s));
    for (int i = 0; i < st->n; ++i) {
      if (i == r_bach) continue;
      printf(" %9.2f", st->res[i].s[s].mean);
      if (chk == KT_SC_TWO_SIDED || chk == KT_SC_ONE_SIDED)
        printf(" %+6.2f", st->cmp[i].z[s]);
      else
        printf(" %6s", "");
      printf("%c ", st->cmp[i].off[s] ? '*' : ' ');
    }
    char spread[48];
    snprintf(spread, sizeof spread, "%.2f-%.2f", b->s[s].p10, b->s[s].p90);
    printf(" %8.2f %17s\n", b->s[s].mean, spread);
  }
  for (int i = 0; i < st->n; ++i)
    if (i != r_bach)
      printf("%s: off %d of %d\n", rows[i].label, st->cmp[i].n_off,
             KT_STYLE_N_CHECKED);
}

static void json_style(const row *rows, const style_set *st, int r_bach)
{
  printf("  \"style\": {\n    \"tol\": %g, \"checked\": %d,\n", KT_STYLE_TOL,
         KT_STYLE_N_CHECKED);
  for (int i = 0; i < st->n; ++i) {
    const kt_style_result *r = &st->res[i];
    printf("    \"%s\": {\"pieces\": %d, \"slices\": %ld", rows[i].label,
           r->pieces, r->slices);
    if (i != r_bach) printf(", \"off\": %d", st->cmp[i].n_off);
    printf(",\n");
    for (int s = 0; s < KT_ST_N; ++s) {
      printf("      \"%s\": {\"mean\": %.6f, \"p10\": %.6f, \"p50\": %.6f, "
             "\"p90\": %.6f",
             kt_style_name(s), r->s[s].mean, r->s[s].p10, r->s[s].p50,
             r->s[s].p90);
      int chk = kt_style_check_of(s);
      if (i != r_bach && (chk == KT_SC_TWO_SIDED || chk == KT_SC_ONE_SIDED))
        printf(", \"z\": %.6f", st->cmp[i].z[s]);
      if (i != r_bach && chk != KT_SC_NONE)
        printf(", \"off\": %s", st->cmp[i].off[s] ? "true" : "false");
      printf("}%s\n", s + 1 == KT_ST_N ? "" : ",");
    }
    printf("    }%s\n", i + 1 == st->n ? "" : ",");
  }
  printf("  },\n");
}

/* ---- main --------------------------------------------------------------- */

static int opt_value(int argc, char **argv, int *i, const char **out)
{
  if (*i + 1 >= argc) {
    fprintf(stderr, "kantor eval: %s needs a value\n", argv[*i]);
    return -1;
  }
  *out = argv[++*i];
  return 0;
}

static int parse_args(int argc, char **argv, eval_opts *o)
{
  memset(o, 0, sizeof *o);
  o->data = getenv("KANTOR_DATA");
  if (!o->data || !*o->data) o->data = KT_DATA_DIR;
  o->set = KT_SET_TEST;
  o->guard = 1;
  o->shift_avg = -1;
  o->decode = -1;
  o->seed = 1;
  o->key = KEY_AUTO;
  o->engine = 1;
  o->bpm = 100;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i], *v = NULL;
    double d;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      exit(KT_EXIT_OK);
    } else if (!strcmp(a, "--json")) {
      o->json = 1;
    } else if (!strcmp(a, "--verbose")) {
      o->verbose = 1;
    } else if (!strcmp(a, "--random-blocks")) {
      o->random_blocks = 1;
    } else if (!strcmp(a, "--block")) {
      if (opt_value(argc, argv, &i, &v) || parse_num(v, 1, 8192, &d) ||
          d != floor(d)) {
        fprintf(stderr, "kantor eval: --block wants an integer 1..8192\n");
        return -1;
      }
      o->block = (int)d;
    } else if (!strcmp(a, "--dump")) {
      o->dump = 1;
    } else if (!strcmp(a, "--no-engine")) {
      o->engine = 0;
    } else if (!strcmp(a, "--data")) {
      if (opt_value(argc, argv, &i, &o->data)) return -1;
    } else if (!strcmp(a, "--split")) {
      if (opt_value(argc, argv, &i, &o->split)) return -1;
    } else if (!strcmp(a, "--model")) {
      if (opt_value(argc, argv, &i, &o->model)) return -1;
    } else if (!strcmp(a, "--svg-dir")) {
      if (opt_value(argc, argv, &i, &o->svg_dir)) return -1;
    } else if (!strcmp(a, "--mid-dir")) {
      if (opt_value(argc, argv, &i, &o->mid_dir)) return -1;
    } else if (!strcmp(a, "--score-dir")) {
      if (opt_value(argc, argv, &i, &o->score_dir)) return -1;
    } else if (!strcmp(a, "--score-format")) {
      if (opt_value(argc, argv, &i, &o->score_fmt)) return -1;
      if (!kt_engrave_fmt_ok(o->score_fmt)) {
        fprintf(stderr,
                "kantor eval: --score-format %s: not ly, pdf, png "
                "or svg\n",
                o->score_fmt);
        return -1;
      }
    } else if (!strcmp(a, "--only")) {
      if (opt_value(argc, argv, &i, &o->only)) return -1;
    } else if (!strcmp(a, "--set")) {
      if (opt_value(argc, argv, &i, &v)) return -1;
      if (!strcmp(v, "all"))
        o->set = -1;
      else if ((o->set = kt_split_set_from_name(v)) < 0) {
        fprintf(stderr,
                "kantor eval: --set %s: not test, valid, train or "
                "all\n",
                v);
        return -1;
      }
    } else if (!strcmp(a, "--lookahead")) {
      if (opt_value(argc, argv, &i, &v) || parse_num(v, 0, 8, &d) ||
          d != floor(d)) {
        fprintf(stderr, "kantor eval: --lookahead wants an integer 0..8\n");
        return -1;
      }
      o->lookahead = (int)d;
    } else if (!strcmp(a, "--temperature")) {
      if (opt_value(argc, argv, &i, &v) || parse_num(v, 0, 2, &d)) {
        fprintf(stderr, "kantor eval: --temperature wants 0..2\n");
        return -1;
      }
      o->temperature = d;
    } else if (!strcmp(a, "--bpm")) {
      if (opt_value(argc, argv, &i, &v) || parse_num(v, 20, 300, &d)) {
        fprintf(stderr, "kantor eval: --bpm wants 20..300\n");
        return -1;
      }
      o->bpm = d;
    } else if (!strcmp(a, "--seed")) {
      if (opt_value(argc, argv, &i, &v) || parse_num(v, 0, 65535, &d) ||
          d != floor(d)) {
        fprintf(stderr, "kantor eval: --seed wants an integer 0..65535\n");
        return -1;
      }
      o->seed = (unsigned)d;
    } else if (!strcmp(a, "--guard")) {
      if (opt_value(argc, argv, &i, &v)) return -1;
      if (!strcmp(v, "on"))
        o->guard = 1;
      else if (!strcmp(v, "off"))
        o->guard = 0;
      else {
        fprintf(stderr, "kantor eval: --guard wants on or off\n");
        return -1;
      }
    } else if (!strcmp(a, "--rhythm")) {
      if (opt_value(argc, argv, &i, &v)) return -1;
      int r = kt_arg_choice(v, "free|eighths");
      if (r < 0) {
        fprintf(stderr, "kantor eval: --rhythm wants free or eighths\n");
        return -1;
      }
      o->rhythm = r;
    } else if (!strcmp(a, "--decode")) {
      if (opt_value(argc, argv, &i, &v)) return -1;
      int r = kt_arg_decode(v);
      if (r < 0) {
        fprintf(stderr,
                "kantor eval: --decode wants " KT_ARG_DECODE_NAMES "\n");
        return -1;
      }
      o->decode = r;
    } else if (!strcmp(a, "--style")) {
      if (opt_value(argc, argv, &i, &v)) return -1;
      kt_decode_style s;
      char serr[160];
      kt_engine_style_default(&s, 0);
      if (kt_decode_style_parse(&s, v, serr, sizeof serr)) {
        fprintf(stderr, "kantor eval: --style: %s\n", serr);
        return -1;
      }
      o->style = v;
      if (o->decode < 0) o->decode = 2;
    } else if (!strcmp(a, "--shift-avg")) {
      if (opt_value(argc, argv, &i, &v)) return -1;
      if (!strcmp(v, "model"))
        o->shift_avg = -1;
      else if (parse_num(v, 0, KT_MAX_SHIFT_AVG, &d) || d != floor(d)) {
        fprintf(stderr, "kantor eval: --shift-avg wants model or 0..%d\n",
                KT_MAX_SHIFT_AVG);
        return -1;
      } else
        o->shift_avg = (int)d;
    } else if (!strcmp(a, "--key")) {
      if (opt_value(argc, argv, &i, &v)) return -1;
      if (!strcmp(v, "auto"))
        o->key = KEY_AUTO;
      else if (!strcmp(v, "file"))
        o->key = KEY_FILE;
      else if (kt_arg_key(v, &o->key, &o->key_minor)) {
        fprintf(stderr,
                "kantor eval: --key %s: want auto, file or a key name (C, "
                "F#, Bb major; a, c#, eb minor)\n",
                v);
        return -1;
      }
    } else if (!strcmp(a, "--baseline")) {
      if (opt_value(argc, argv, &i, &v)) return -1;
      if (strcmp(v, "interval")) {
        fprintf(stderr,
                "kantor eval: --baseline %s: only 'interval' is "
                "known\n",
                v);
        return -1;
      }
      o->baseline = 1;
    } else if (!strcmp(a, "--player")) {
      char perr[256];
      if (opt_value(argc, argv, &i, &v)) return -1;
      if (kt_player_parse(v, &o->player, perr, sizeof perr)) {
        fprintf(stderr, "kantor eval: --player %s: %s\n", v, perr);
        return -1;
      }
      o->use_player = 1;
    } else {
      fprintf(stderr, "kantor eval: unknown argument '%s'\n", a);
      return -1;
    }
  }
  if (o->use_player && !o->engine) {
    fprintf(stderr, "kantor eval: --player needs the engine (not with "
                    "--no-engine)\n");
    return -1;
  }
  return 0;
}

static kt_engine *make_engine(const eval_opts *o, const kt_drive_opts *dopt,
                              char *desc, size_t desclen, char *err,
                              size_t errlen)
{
  kt_engine *e = kt_engine_new(dopt->rate, dopt->block, err, errlen);
  if (!e) return NULL;
  kt_engine_set_param(e, KT_P_LOOKAHEAD, (float)o->lookahead);
  kt_engine_set_param(e, KT_P_TEMPERATURE, (float)o->temperature);
  kt_engine_set_param(e, KT_P_SEED, (float)o->seed);
  kt_engine_set_param(e, KT_P_GUARD, (float)o->guard);
  kt_engine_set_param(e, KT_P_RHYTHM, (float)o->rhythm);
  kt_engine_set_shift_avg(e, o->shift_avg);
  kt_engine_set_param(e, KT_P_PASSTHRU, 0);
  kt_engine_set_param(e, KT_P_BPM, (float)o->bpm);
  if (o->key >= 0) {
    kt_engine_set_param(e, KT_P_KEY, (float)o->key);
    kt_engine_set_param(e, KT_P_MODE, (float)o->key_minor);
  } else {
    kt_engine_set_param(e, KT_P_KEY, -1);
  }
  if (o->model) {
    kt_model *m = NULL;
    if (kt_model_load_file(o->model, &m, err, errlen)) {
      kt_engine_free(e);
      return NULL;
    }
    char merr[256];
    kt_engine_model *em = kt_engine_model_new(m, merr, sizeof merr);
    if (!em) {
      kt_model_free(m);
      set_err(err, errlen, "%s: %s", o->model, merr);
      kt_engine_free(e);
      return NULL;
    }
    kt_midi_out buf[64];
    kt_out out = {buf, 0, 64, 0};
    kt_engine_model *old = kt_engine_swap_model(e, em, &out);
    if (old) kt_engine_model_free(old);
    snprintf(desc, desclen, "%s", o->model);
  } else {
    snprintf(desc, desclen, "embedded (lookahead %d asked)", o->lookahead);
  }
  kt_engine_reset(e); /* applies the parameters: picks the model */
  if (o->decode >= 0) /* the shipped weights for the model picked */
    kt_engine_set_param(e, KT_P_STYLE, (float)o->decode);
  if (o->decode >= 1 && o->style) {
    kt_decode_style s;
    char serr[160];
    kt_engine_get_style(e, &s);
    if (kt_decode_style_parse(&s, o->style, serr, sizeof serr)) {
      set_err(err, errlen, "--style: %s", serr);
      kt_engine_free(e);
      return NULL;
    }
    kt_engine_set_style(e, 1, &s);
  }
  const kt_model *cur = kt_engine_current_model(e);
  if (cur) {
    size_t l = strlen(desc);
    int sa = o->shift_avg >= 0 ? o->shift_avg : cur->repr.shift_avg;
    snprintf(desc + l, desclen - l,
             ", lookahead %d, window %d, feedback %d, shift-avg %d%s",
             cur->repr.lookahead, cur->repr.window, cur->repr.feedback, sa,
             cur->repr.tgt_sound ? ", heads name the sounding pitch" : "");
    l = strlen(desc);
    static const char *const dn[] = {"classic", "style", "style", "light"};
    snprintf(desc + l, desclen - l, ", decode %s%s%s",
             dn[kt_engine_get_style(e, NULL)], o->style ? " " : "",
             o->style ? o->style : "");
  }
  return e;
}

int kt_cmd_eval(int argc, char **argv)
{
  eval_opts o;
  if (parse_args(argc, argv, &o)) {
    usage(stderr);
    return KT_EXIT_USAGE;
  }
  char err[1024];
  kt_chorale *cs = NULL;
  int n = 0;
  if (kt_corpus_load(o.data, o.split, o.set, &cs, &n, err, sizeof err)) {
    fprintf(stderr, "kantor eval: %s\n", err);
    return KT_EXIT_FAIL;
  }
  int n_alloc = n; /* every loaded chorale is freed at the end */
  if (o.only) {
    /* move the chosen ones to the front, in the set's order */
    int k = 0;
    for (int i = 0; i < n; ++i) {
      if (in_only(o.only, cs[i].name)) {
        kt_chorale tmp = cs[k];
        cs[k] = cs[i];
        cs[i] = tmp;
        k++;
      }
    }
    if (k == 0) {
      fprintf(stderr, "kantor eval: --only %s: no such chorale in the set\n",
              o.only);
      kt_corpus_free(cs, n_alloc);
      return KT_EXIT_FAIL;
    }
    n = k;
  }

  kt_drive_opts dopt;
  kt_drive_opts_default(&dopt);
  dopt.bpm = o.bpm;
  dopt.seed = o.seed;
  if (o.block > 0) dopt.block = (uint32_t)o.block;
  dopt.random_blocks = o.random_blocks;
  player_eval pe;
  player_init(&pe, &o.player);

  char desc[512] = "none";
  kt_engine *e = NULL;
  if (o.engine) {
    e = make_engine(&o, &dopt, desc, sizeof desc, err, sizeof err);
    if (!e) {
      fprintf(stderr, "kantor eval: %s\n", err);
      kt_corpus_free(cs, n_alloc);
      return KT_EXIT_FAIL;
    }
  }
  if ((o.svg_dir && ensure_dir(o.svg_dir, err, sizeof err)) ||
      (o.mid_dir && ensure_dir(o.mid_dir, err, sizeof err)) ||
      (o.score_dir && ensure_dir(o.score_dir, err, sizeof err))) {
    fprintf(stderr, "kantor eval: %s\n", err);
    kt_engine_free(e);
    kt_corpus_free(cs, n_alloc);
    return KT_EXIT_FAIL;
  }

  row rows[3];
  int n_rows = 0, r_model = -1, r_base = -1, r_bach;
  if (o.engine) {
    r_model = n_rows;
    rows[n_rows++] = (row){"kantor", {0}, 1};
  }
  if (o.baseline) {
    r_base = n_rows;
    rows[n_rows++] = (row){"interval", {0}, 1};
  }
  r_bach = n_rows;
  rows[n_rows++] = (row){"bach", {0}, 0};
  for (int i = 0; i < n_rows; ++i)
    kt_metrics_count_init(&rows[i].cnt);
  style_set sty;
  style_init(&sty, n_rows);

  int ret = KT_EXIT_OK;
  /* per chorale (model, or the baseline with --no-engine), for the JSON */
  kt_metrics *per = calloc((size_t)(n ? n : 1), sizeof *per);
  if (!per) {
    fprintf(stderr, "kantor eval: out of memory\n");
    ret = KT_EXIT_FAIL;
  }
  for (int ci = 0; ci < n && ret == KT_EXIT_OK; ++ci) {
    const kt_chorale *c = &cs[ci];
    kt_metrics_voices bach;
    kt_metrics_voices_from_chorale(c, &bach);
    kt_metrics_style(&bach, &rows[r_bach].cnt);
    if (kt_style_acc_add(&sty.acc[r_bach], &bach)) {
      fprintf(stderr, "kantor eval: out of memory\n");
      ret = KT_EXIT_FAIL;
      break;
    }

    kt_melody mel;
    if (build_melody(c, &mel)) {
      fprintf(stderr, "kantor eval: %s: out of memory\n", c->name);
      melody_release(&mel);
      ret = KT_EXIT_FAIL;
      break;
    }
    gen_voices g = {0}, b = {0};
    if (gen_alloc(&g, c->n_slices) || gen_alloc(&b, c->n_slices)) {
      fprintf(stderr, "kantor eval: %s: out of memory\n", c->name);
      ret = KT_EXIT_FAIL;
    }
    kt_metrics_count one;
    kt_metrics_count_init(&one);
    if (ret == KT_EXIT_OK && e) {
      kt_engine_reset(e);
      if (o.key == KEY_FILE) {
        kt_engine_set_param(e, KT_P_KEY, (float)c->tonic);
        kt_engine_set_param(e, KT_P_MODE, (float)kt_mode_family(c->mode));
      }
      kt_recording rec;
      if (kt_drive(e, &mel, &dopt, &rec, err, sizeof err)) {
        fprintf(stderr, "kantor eval: %s: %s\n", c->name, err);
        ret = KT_EXIT_FAIL;
      } else {
        recording_to_slices(&rec, &mel, &dopt, e, c, &g);
        if (o.dump) {
          for (int i = 0; i < mel.n_meter; ++i)
            fprintf(stderr, "meter at qn %.2f: %d/%d\n", mel.meter[i].at,
                    mel.meter[i].num, mel.meter[i].den);
          dump_slices(c, &g, &rec, e);
        }
        kt_drive_recording_free(&rec);
        kt_metrics_voices gm = {c->n_slices, {0}, c->bar_len};
        for (int v = 0; v < KT_NVOICES; ++v)
          gm.v[v] = g.v[v];
        kt_metrics_compare(&bach, &gm, &one);
        kt_metrics_style(&gm, &one);
        kt_metrics_count_add(&rows[r_model].cnt, &one);
        if (kt_style_acc_add(&sty.acc[r_model], &gm)) {
          fprintf(stderr, "kantor eval: out of memory\n");
          ret = KT_EXIT_FAIL;
        }
      }
    }
    if (ret == KT_EXIT_OK && o.baseline) {
      baseline_voices(c, &b);
      kt_metrics_voices bm = {c->n_slices, {0}, c->bar_len};
      for (int v = 0; v < KT_NVOICES; ++v)
        bm.v[v] = b.v[v];
      kt_metrics_compare(&bach, &bm, &rows[r_base].cnt);
      kt_metrics_style(&bm, &rows[r_base].cnt);
      if (kt_style_acc_add(&sty.acc[r_base], &bm)) {
        fprintf(stderr, "kantor eval: out of memory\n");
        ret = KT_EXIT_FAIL;
      }
      if (!e) {
        kt_metrics_compare(&bach, &bm, &one);
        kt_metrics_style(&bm, &one);
      }
    }
    if (ret == KT_EXIT_OK && o.use_player &&
        player_chorale(&pe, &o, e, c, &mel, &dopt, &bach, err, sizeof err)) {
      fprintf(stderr, "kantor eval: %s: player: %s\n", c->name, err);
      ret = KT_EXIT_FAIL;
    }
    if (ret == KT_EXIT_OK && o.verbose) {
      kt_metrics m1;
      kt_metrics_finish(&one, &m1);
      fprintf(stderr,
              "%s: acc A %.3f T %.3f B %.3f mean %.3f, par/100 %.2f "
              "(%d slices, pickup %d, %d meter entries)\n",
              c->name, m1.acc[KT_ALTO], m1.acc[KT_TENOR], m1.acc[KT_BASS],
              m1.acc_mean, m1.par_per100, c->n_slices, melody_offset(c),
              mel.n_meter);
    }
    if (ret == KT_EXIT_OK && (o.svg_dir || o.mid_dir || o.score_dir)) {
      kt_chorale shown;
      const char *title = e ? "Kantor" : "Interval baseline";
      shell_chorale(c, e ? g.v : b.v, &shown);
      char stem[64], path[4300];
      stem_of(c->name, stem, sizeof stem);
      kt_metrics m1;
      kt_metrics_finish(&one, &m1);
      if (o.svg_dir) {
        snprintf(path, sizeof path, "%s/%s.svg", o.svg_dir, stem);
        if (write_svg(path, c, &shown, title, &m1, &mel, err, sizeof err)) {
          fprintf(stderr, "kantor eval: %s\n", err);
          ret = KT_EXIT_FAIL;
        }
      }
      if (ret == KT_EXIT_OK && o.mid_dir) {
        snprintf(path, sizeof path, "%s/%s-bach.mid", o.mid_dir, stem);
        if (write_midi(path, c, &mel, o.bpm, err, sizeof err)) {
          fprintf(stderr, "kantor eval: %s\n", err);
          ret = KT_EXIT_FAIL;
        }
        snprintf(path, sizeof path, "%s/%s-%s.mid", o.mid_dir, stem,
                 e ? "kantor" : "interval");
        if (ret == KT_EXIT_OK &&
            write_midi(path, &shown, &mel, o.bpm, err, sizeof err)) {
          fprintf(stderr, "kantor eval: %s\n", err);
          ret = KT_EXIT_FAIL;
        }
      }
      if (ret == KT_EXIT_OK && o.score_dir) {
        snprintf(path, sizeof path, "%s/%s", o.score_dir, stem);
        if (kt_engrave_pair(path, c, &shown, title, melody_offset(c), &mel,
                            o.bpm, o.score_fmt ? o.score_fmt : "ly", err,
                            sizeof err)) {
          fprintf(stderr, "kantor eval: %s\n", err);
          ret = KT_EXIT_FAIL;
        }
      }
    }
    if (per) kt_metrics_finish(&one, &per[ci]);
    free(g.buf);
    free(b.buf);
    melody_release(&mel);
  }

  if (ret == KT_EXIT_OK) style_finish(&sty, r_bach);
  if (ret == KT_EXIT_OK) {
    if (o.json) {
      printf("{\n  \"set\": \"%s\", \"chorales\": %d, \"model\": ",
             o.set < 0               ? "all"
             : o.set == KT_SET_TRAIN ? "train"
             : o.set == KT_SET_VALID ? "valid"
                                     : "test",
             n);
      json_escape(desc);
      printf(",\n  \"lookahead\": %d, \"temperature\": %g, \"guard\": %d, "
             "\"rhythm\": %d, \"shift_avg\": %d, \"seed\": %u, \"bpm\": %g,\n",
             o.lookahead, o.temperature, o.guard, o.rhythm, o.shift_avg, o.seed,
             o.bpm);
      for (int i = 0; i < n_rows; ++i)
        json_row(&rows[i], 0);
      json_style(rows, &sty, r_bach);
      printf("  \"pieces\": [\n");
      for (int i = 0; i < n; ++i) {
        printf("    {\"name\": ");
        json_escape(cs[i].name);
        printf(", \"acc_alto\": %.6f, \"acc_tenor\": %.6f, \"acc_bass\": "
               "%.6f, \"acc_mean\": %.6f, \"parallels_per100\": %.6f, "
               "\"cmp_slices\": %ld}%s\n",
               per[i].acc[KT_ALTO], per[i].acc[KT_TENOR], per[i].acc[KT_BASS],
               per[i].acc_mean, per[i].par_per100, per[i].cmp_slices,
               i + 1 == n ? "" : ",");
      }
      printf("  ]%s\n", o.use_player ? "," : "");
      if (o.use_player) json_player(&pe);
      printf("%s}\n", o.use_player ? "\n" : "");
    } else {
      print_table(rows, n_rows, &o, n, desc);
      print_style_table(rows, &sty, r_bach);
    }
  }
  style_free(&sty);
  if (ret == KT_EXIT_OK && o.use_player && !o.json) print_player(&pe);
  player_free(&pe);
  free(per);
  kt_engine_free(e);
  kt_corpus_free(cs, n_alloc);
  return ret;
}
