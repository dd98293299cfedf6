/* tools/player.c -- a player's timing on the melody, and the timing of the
 * engine's answer (see player.h). */
#include "player.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kt_player_default(kt_player *p)
{
  memset(p, 0, sizeof *p);
  p->seed = 1;
  p->release = KT_PLAYER_JOINED;
}

int kt_player_is_exact(const kt_player *p)
{
  return p->late_ms == 0 && p->jitter_ms == 0;
}

/* ---- the spec ------------------------------------------------------------ */

static int parse_value(const char *s, size_t len, double lo, double hi,
                       int integral, double *out)
{
  char buf[64];
  if (len == 0 || len >= sizeof buf) return -1;
  memcpy(buf, s, len);
  buf[len] = 0;
  char *end;
  errno = 0;
  double v = strtod(buf, &end);
  if (errno || end == buf || *end || !(v >= lo && v <= hi)) return -1;
  if (integral && v != floor(v)) return -1;
  *out = v;
  return 0;
}

int kt_player_parse(const char *spec, kt_player *out, char *err, size_t errlen)
{
  static const char *const keys[4] = {"late", "jitter", "seed", "release"};
  kt_player p;
  kt_player_default(&p);
  if (!spec || !*spec) {
    snprintf(err, errlen,
             "an empty player spec (want e.g. "
             "late=16,jitter=30,seed=1)");
    return -1;
  }
  if (!strcmp(spec, "exact")) {
    *out = p;
    return 0;
  }
  int seen[4] = {0, 0, 0, 0};
  const char *s = spec;
  for (;;) {
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    const char *eq = memchr(s, '=', len);
    if (!eq) {
      snprintf(err, errlen,
               "'%.*s': want KEY=VALUE (late, jitter, seed, "
               "release)",
               (int)len, s);
      return -1;
    }
    size_t klen = (size_t)(eq - s), vlen = len - klen - 1;
    const char *v = eq + 1;
    int k = -1;
    for (int i = 0; i < 4; ++i)
      if (strlen(keys[i]) == klen && !strncmp(s, keys[i], klen)) k = i;
    if (k < 0) {
      snprintf(err, errlen,
               "unknown key '%.*s' (want late, jitter, seed or "
               "release)",
               (int)klen, s);
      return -1;
    }
    if (seen[k]++) {
      snprintf(err, errlen, "%s given twice", keys[k]);
      return -1;
    }
    double d = 0;
    if (k == 0 && parse_value(v, vlen, -500, 500, 0, &d) == 0)
      p.late_ms = d;
    else if (k == 1 && parse_value(v, vlen, 0, 200, 0, &d) == 0)
      p.jitter_ms = d;
    else if (k == 2 && parse_value(v, vlen, 0, 4294967295.0, 1, &d) == 0)
      p.seed = (uint32_t)d;
    else if (k == 3 && vlen == 6 && !strncmp(v, "joined", 6))
      p.release = KT_PLAYER_JOINED;
    else if (k == 3 && vlen == 4 && !strncmp(v, "free", 4))
      p.release = KT_PLAYER_FREE;
    else {
      static const char *const want[4] = {
          "milliseconds -500..500", "an sd in milliseconds 0..200",
          "an integer 0..4294967295", "joined or free"};
      snprintf(err, errlen, "%s=%.*s: want %s", keys[k], (int)vlen, v, want[k]);
      return -1;
    }
    if (!comma) break;
    s = comma + 1;
  }
  *out = p;
  return 0;
}

void kt_player_format(const kt_player *p, char *buf, size_t cap)
{
  snprintf(buf, cap, "late=%g,jitter=%g,seed=%u,release=%s", p->late_ms,
           p->jitter_ms, p->seed,
           p->release == KT_PLAYER_FREE ? "free" : "joined");
}

/* ---- the played melody --------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
  uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static double normal(uint64_t *s)
{
  double u1 = ((double)(splitmix64(s) >> 11) + 1.0) * 0x1p-53; /* (0, 1] */
  double u2 = (double)(splitmix64(s) >> 11) * 0x1p-53;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static const kt_mnote *sort_base;
static int by_start(const void *a, const void *b)
{
  int i = *(const int *)a, j = *(const int *)b;
  double x = sort_base[i].start, y = sort_base[j].start;
  if (x != y) return x < y ? -1 : 1;
  return i - j;
}

static int valid_note(const kt_mnote *n)
{
  return n->pitch >= 0 && n->pitch <= 127 && n->dur > 0;
}

/* Every valid note's index in the order of their starts; returns the count
 * (-1 on out of memory, *idx NULL). */
static int start_order(const kt_melody *m, int **idx)
{
  *idx = malloc(sizeof **idx * (size_t)(m->n_notes + 1));
  if (!*idx) return -1;
  int k = 0;
  for (int i = 0; i < m->n_notes; ++i)
    if (valid_note(&m->notes[i])) (*idx)[k++] = i;
  sort_base = m->notes;
  qsort(*idx, (size_t)k, sizeof **idx, by_start);
  return k;
}

static void *dup(const void *p, size_t size)
{
  void *q = malloc(size ? size : 1);
  if (q && size) memcpy(q, p, size);
  return q;
}

int kt_player_apply(const kt_player *p, const kt_melody *in,
                    const kt_drive_opts *o, kt_melody *out, char *err,
                    size_t errlen)
{
  memset(out, 0, sizeof *out);
  *out = *in;
  out->notes = dup(in->notes, sizeof *in->notes * (size_t)in->n_notes);
  out->tempo = dup(in->tempo, sizeof *in->tempo * (size_t)in->n_tempo);
  out->meter = dup(in->meter, sizeof *in->meter * (size_t)in->n_meter);
  int *idx = NULL;
  int64_t *on = NULL, *off = NULL;
  double *zo = NULL;
  int n = -1;
  if (out->notes && out->tempo && out->meter) n = start_order(in, &idx);
  if (n >= 0) {
    on = malloc(sizeof *on * (size_t)(n + 1));
    off = malloc(sizeof *off * (size_t)(n + 1));
    zo = malloc(sizeof *zo * (size_t)(n + 1));
  }
  if (n < 0 || !on || !off || !zo) {
    snprintf(err, errlen, "player: out of memory");
    free(idx);
    free(on);
    free(off);
    free(zo);
    free(out->notes);
    free(out->tempo);
    free(out->meter);
    memset(out, 0, sizeof *out);
    return -1;
  }
  if (kt_player_is_exact(p)) n = 0;    /* nothing moves: out = in */
  const double fpm = o->rate / 1000.0; /* frames per millisecond */
  uint64_t rng = p->seed;
  /* note-ons: the draw, then order and frame 0 */
  for (int k = 0; k < n; ++k) {
    const kt_mnote *x = &in->notes[idx[k]];
    double z = normal(&rng);
    zo[k] = normal(&rng);
    int64_t g = kt_drive_frame_at(in, o, x->start);
    int64_t f = g + llround((p->late_ms + p->jitter_ms * z) * fpm);
    if (k > 0) {
      int64_t gp = kt_drive_frame_at(in, o, in->notes[idx[k - 1]].start);
      int64_t gap = llround(20 * fpm);
      if (gap > (g - gp) / 2) gap = (g - gp) / 2;
      if (gap < 1) gap = 1;
      if (f < on[k - 1] + gap) f = on[k - 1] + gap;
    }
    on[k] = f < 0 ? 0 : f;
    if (k > 0 && on[k] <= on[k - 1]) on[k] = on[k - 1] + 1;
  }
  /* note-offs */
  for (int k = 0; k < n; ++k) {
    const kt_mnote *x = &in->notes[idx[k]];
    int64_t g0 = kt_drive_frame_at(in, o, x->start);
    int64_t g1 = kt_drive_frame_at(in, o, x->start + x->dur);
    const kt_mnote *nx = k + 1 < n ? &in->notes[idx[k + 1]] : NULL;
    int joined = nx && p->release == KT_PLAYER_JOINED &&
                 kt_drive_frame_at(in, o, nx->start) == g1;
    int64_t f = joined
                    ? on[k + 1]
                    : g1 + llround((p->late_ms + p->jitter_ms * zo[k]) * fpm);
    int64_t min_len = llround(20 * fpm);
    if (min_len > (g1 - g0) / 2) min_len = (g1 - g0) / 2;
    if (min_len < 1) min_len = 1;
    if (f < on[k] + min_len) f = on[k] + min_len;
    if (nx && nx->pitch == x->pitch && f > on[k + 1]) f = on[k + 1];
    off[k] = f;
  }
  for (int k = 0; k < n; ++k) {
    kt_mnote *y = &out->notes[idx[k]];
    double a = kt_drive_qn_at(in, o, on[k]);
    double b = kt_drive_qn_at(in, o, off[k]);
    y->start = a;
    y->dur = b - a;
  }
  free(zo);
  free(idx);
  free(on);
  free(off);
  return 0;
}

/* ---- timing of the answer ------------------------------------------------ */

void kt_player_timing_init(kt_player_timing *t)
{
  memset(t, 0, sizeof *t);
  t->b_min = t->h_min = INFINITY;
  t->b_max = t->h_max = -INFINITY;
}

void kt_player_timing_add(kt_player_timing *d, const kt_player_timing *s)
{
  d->mel_onsets += s->mel_onsets;
  d->harm_onsets += s->harm_onsets;
  d->belong += s->belong;
  d->belong_next += s->belong_next;
  d->within += s->within;
  d->b_sum += s->b_sum;
  d->b_sum2 += s->b_sum2;
  d->b_min = fmin(d->b_min, s->b_min);
  d->b_max = fmax(d->b_max, s->b_max);
  d->held += s->held;
  d->held_steady += s->held_steady;
  d->h_sum += s->h_sum;
  d->h_sum2 += s->h_sum2;
  d->h_min = fmin(d->h_min, s->h_min);
  d->h_max = fmax(d->h_max, s->h_max);
  d->notes += s->notes;
  d->short_notes += s->short_notes;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void mean_sd(double sum, double sum2, long n, double *mean, double *sd)
{
  *mean = n ? sum / (double)n : 0;
  double var = n > 1 ? (sum2 - sum * sum / (double)n) / (double)(n - 1) : 0;
  *sd = var > 0 ? sqrt(var) : 0;
}

void kt_player_figures_of(const kt_player_timing *t, kt_player_figures *f)
{
  memset(f, 0, sizeof *f);
  if (t->belong) {
    f->within_pct = 100.0 * (double)t->within / (double)t->belong;
    mean_sd(t->b_sum, t->b_sum2, t->belong, &f->b_mean, &f->b_sd);
    f->b_min = t->b_min;
    f->b_max = t->b_max;
  }
  if (t->notes)
    f->short_pct = 100.0 * (double)t->short_notes / (double)t->notes;
  if (t->held) {
    mean_sd(t->h_sum, t->h_sum2, t->held, &f->h_mean, &f->h_sd);
    f->h_min = t->h_min;
    f->h_max = t->h_max;
    f->h_dev = fmax(t->h_max - f->h_mean, f->h_mean - t->h_min);
    f->steady_pct = 100.0 * (double)t->held_steady / (double)t->held;
  }
}

typedef struct {
  int64_t frame; /* minus latency */
  int voice;     /* 0 alto, 1 tenor, 2 bass */
  long slice;
} harm_on;

/* The melody's onsets, played (a) and on the grid (g), in order. */
typedef struct {
  int64_t a, g;
} onset_pair;

/* Frame f of the performance on the score's time line: linear between
 * consecutive melody onsets (played -> grid), moved by the nearest one's
 * lateness before the first and after the last. */
static double warp(const onset_pair *p, int n, int64_t f)
{
  if (n == 0) return (double)f;
  if (f <= p[0].a) return (double)(f - (p[0].a - p[0].g));
  if (f >= p[n - 1].a) return (double)(f - (p[n - 1].a - p[n - 1].g));
  int lo = 0, hi = n - 1; /* p[lo].a <= f < p[hi].a */
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (p[mid].a <= f)
      lo = mid;
    else
      hi = mid;
  }
  double span = (double)(p[hi].a - p[lo].a);
  double x = span > 0 ? (double)(f - p[lo].a) / span : 0;
  return (double)p[lo].g + x * (double)(p[hi].g - p[lo].g);
}

/* The melody's onset pairs in order; count, or -1 on out of memory. */
static int onset_pairs(const kt_melody *grid, const kt_melody *played,
                       const kt_drive_opts *o, onset_pair **out)
{
  int *idx = NULL;
  *out = malloc(sizeof **out * (size_t)(grid->n_notes + 1));
  int n = *out ? start_order(grid, &idx) : -1;
  if (n < 0) {
    free(*out);
    *out = NULL;
    return -1;
  }
  for (int k = 0; k < n; ++k) {
    (*out)[k].a = kt_drive_frame_at(played, o, played->notes[idx[k]].start);
    (*out)[k].g = kt_drive_frame_at(grid, o, grid->notes[idx[k]].start);
  }
  free(idx);
  return n;
}

int kt_player_warp_recording(const kt_melody *grid, const kt_melody *played,
                             const kt_drive_opts *o, kt_recording *rec,
                             int64_t latency, char *err, size_t errlen)
{
  if (played->n_notes != grid->n_notes) {
    snprintf(err, errlen,
             "player: the played melody has %d notes, the "
             "score %d",
             played->n_notes, grid->n_notes);
    return -1;
  }
  onset_pair *op;
  int n = onset_pairs(grid, played, o, &op);
  if (n < 0) {
    snprintf(err, errlen, "player: out of memory");
    return -1;
  }
  for (int i = 0; i < rec->n; ++i) {
    int64_t f = rec->ev[i].frame - latency;
    int64_t w = (int64_t)llround(warp(op, n, f)) + latency;
    rec->ev[i].frame = w;
    rec->ev[i].qn = kt_drive_qn_at(grid, o, w);
  }
  free(op);
  return 0;
}

int kt_player_measure(const kt_melody *grid, const kt_melody *played,
                      const kt_drive_opts *o, const kt_recording *rec,
                      int64_t latency, const int chan[3], kt_player_timing *t,
                      char *err, size_t errlen)
{
  const double fpm = o->rate / 1000.0;
  if (played->n_notes != grid->n_notes) {
    snprintf(err, errlen,
             "player: the played melody has %d notes, the "
             "score %d",
             played->n_notes, grid->n_notes);
    return -1;
  }
  /* slices: up to the recording's end and the last note */
  long n_sl = lround(kt_drive_qn_at(grid, o, rec->frames) * 4) + 2;
  for (int i = 0; i < grid->n_notes; ++i) {
    long s = lround(grid->notes[i].start * 4) + 2;
    if (s > n_sl) n_sl = s;
  }
  if (n_sl < 2) n_sl = 2;
  int *mel_at = malloc(sizeof *mel_at * (size_t)n_sl);
  uint8_t *on_at = calloc((size_t)n_sl, 3);
  harm_on *h = malloc(sizeof *h * (size_t)(rec->n + 1));
  onset_pair *op = NULL;
  int n_op = mel_at && on_at && h ? onset_pairs(grid, played, o, &op) : -1;
  if (n_op < 0) {
    free(mel_at);
    free(on_at);
    free(h);
    snprintf(err, errlen, "player: out of memory");
    return -1;
  }
  for (long k = 0; k < n_sl; ++k)
    mel_at[k] = -1;
  for (int i = 0; i < grid->n_notes; ++i) {
    if (!valid_note(&grid->notes[i])) continue;
    long s = lround(grid->notes[i].start * 4);
    if (s >= 0 && s < n_sl) mel_at[s] = i;
    t->mel_onsets++;
  }
  /* harmony note-ons, and their lengths */
  int64_t sounding[3][128];
  for (int v = 0; v < 3; ++v)
    for (int p = 0; p < 128; ++p)
      sounding[v][p] = -1;
  int nh = 0;
  const int64_t short_len = llround(40 * fpm);
  for (int i = 0; i < rec->n; ++i) {
    const kt_rec_event *x = &rec->ev[i];
    if (x->size < 3) continue;
    int st = x->data[0] & 0xf0, ch = x->data[0] & 15, p = x->data[1] & 127;
    int v = -1;
    for (int k = 0; k < 3; ++k)
      if (chan[k] == ch) v = k;
    if (v < 0 || (st != 0x80 && st != 0x90)) continue;
    if (sounding[v][p] >= 0) { /* note-off, or a retrigger */
      t->notes++;
      if (x->frame - sounding[v][p] < short_len) t->short_notes++;
      sounding[v][p] = -1;
    }
    if (st == 0x90 && x->data[2] > 0) {
      sounding[v][p] = x->frame;
      int64_t f = x->frame - latency;
      int64_t w = (int64_t)llround(warp(op, n_op, f));
      long s = lround(kt_drive_qn_at(grid, o, w) * 4);
      if (s < 0) s = 0;
      if (s >= n_sl) s = n_sl - 1;
      h[nh++] = (harm_on){f, v, s};
      on_at[s * 3 + v] = 1;
    }
  }
  for (int v = 0; v < 3; ++v)
    for (int p = 0; p < 128; ++p)
      if (sounding[v][p] >= 0) {
        t->notes++;
        if (rec->frames - sounding[v][p] < short_len) t->short_notes++;
      }
  /* each onset: with a melody onset, or under a held note */
  double *hoff = malloc(sizeof *hoff * (size_t)(nh + 1));
  int n_hoff = 0;
  if (!hoff) {
    free(mel_at);
    free(on_at);
    free(h);
    free(op);
    snprintf(err, errlen, "player: out of memory");
    return -1;
  }
  for (int i = 0; i < nh; ++i) {
    long s = h[i].slice;
    int j = mel_at[s];
    int next = 0;
    if (j < 0 && s > 0 && mel_at[s - 1] >= 0 &&
        !on_at[(s - 1) * 3 + h[i].voice]) {
      int q = mel_at[s - 1];
      int64_t gq = kt_drive_frame_at(grid, o, (double)(s - 1) / 4.0);
      int64_t aq = kt_drive_frame_at(played, o, played->notes[q].start);
      if (aq > gq) {
        j = q;
        next = 1;
      }
    }
    t->harm_onsets++;
    if (j >= 0) {
      int64_t a = kt_drive_frame_at(played, o, played->notes[j].start);
      double d = (double)(h[i].frame - a) / fpm;
      t->belong++;
      t->belong_next += next;
      t->within += fabs(d) <= 10.0;
      t->b_sum += d;
      t->b_sum2 += d * d;
      t->b_min = fmin(t->b_min, d);
      t->b_max = fmax(t->b_max, d);
    } else {
      /* the host's boundary a quarter slice or less after it, or at or
         before it: offsets in [-1/4, 3/4) of a slice, whatever the
         player's jitter */
      double q = kt_drive_qn_at(grid, o, h[i].frame) * 4;
      int64_t g = kt_drive_frame_at(grid, o, floor(q + 0.25) / 4.0);
      double d = (double)(h[i].frame - g) / fpm;
      hoff[n_hoff++] = d;
      t->held++;
      t->h_sum += d;
      t->h_sum2 += d * d;
      t->h_min = fmin(t->h_min, d);
      t->h_max = fmax(t->h_max, d);
    }
  }
  /* steady: within 10 ms of the piece's median held offset */
  if (n_hoff > 0) {
    qsort(hoff, (size_t)n_hoff, sizeof *hoff, cmp_double);
    double med = hoff[n_hoff / 2];
    for (int i = 0; i < n_hoff; ++i)
      t->held_steady += fabs(hoff[i] - med) <= 10.0;
  }
  free(hoff);
  free(mel_at);
  free(on_at);
  free(h);
  free(op);
  return 0;
}
