/* bench/bench_pitch.c -- accuracy and detection latency of the audio
 * melody input (dsp/pitch.h) against aubio's yinfft, side by side on the
 * same audio.
 *
 * The sopranos of a corpus split (test by default) are rendered at 100 qpm
 * through FluidSynth (FluidR3 GM: flute, oboe, violin, choir aahs,
 * trumpet), each without and with vibrato (CC1 modulation 100), each clean
 * and with white noise at 20 dB SNR.  Per condition and tracker:
 *   acc   fraction of sixteenth slices where a melody note sounds whose
 *         detected pitch at the slice's middle is the melody note;
 *   aud   the same over the slices whose middle the note is audible at:
 *         the melody is rendered again as two parts (even and odd notes),
 *         and a note is audible from the first moment its part is louder
 *         than the other, which holds the previous note's release (a slow
 *         attack under a long release can take most of a slice);
 *   lat   detection latency: from each note-on whose pitch differs from
 *         the note before (or follows a rest) to the first moment the
 *         tracker reports that pitch (median and 90th percentile, ms;
 *         includes the instrument's attack); det = fraction of those
 *         onsets detected before the note ends;
 *   aud50/aud90  the same latency counted from the audible onset: what
 *         the tracker adds to the instrument.
 * Kantor: the note-on/off events kt_pitch_process emits (what the engine
 * sees).  aubio: yinfft at aubiopitch's defaults (2048/256) and a lower
 * latency setting (1024/128), pitch rounded to the nearest semitone, 0 =
 * none; its value counts from the end of the hop it was computed on.
 * Prints a table and one JSON line (conditions, then the ALL rows).  A bench,
 * not a test: nothing is asserted; exit 77 when the corpus is absent.
 *
 *   bench_pitch [--data DIR] [--set test|valid|train] [--limit N]
 *               [--rate HZ] [--instruments flute,oboe,...]
 *               [--misses FILE] (one line per slice Kantor missed)
 *               [--trace S [--from C] [--trace-vib 0|1]] (chorale C) */
#include "pitch.h"
#include "chorale.h"
#include "synth.h"

#include <aubio/aubio.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define QPM 100.0
#define LEAD 0.5 /* s of silence before the melody */
#define TAIL 1.0

typedef struct {
  const char *name;
  int program;
} instrument;
static const instrument instruments[] = {{"flute", 73},   {"oboe", 68},
                                         {"violin", 40},  {"choir", 52},
                                         {"trumpet", 56}, {"saw", -1}};
#define N_INSTR 6 /* saw: synthetic, no attack or release (tracker latency) */

enum { TR_KANTOR, TR_AUBIO, TR_AUBIO_LL, N_TRACKERS };
static const char *tracker_name[N_TRACKERS] = {"kantor", "aubio-yinfft",
                                               "aubio-yinfft-1024"};

/* Change points of a detected-pitch timeline. */
typedef struct {
  int64_t *at;
  int *pitch;
  int n, cap;
} timeline;

static void tl_push(timeline *t, int64_t at, int pitch)
{
  if (t->n > 0 && t->pitch[t->n - 1] == pitch) return;
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 1024;
    t->at = realloc(t->at, sizeof *t->at * (size_t)t->cap);
    t->pitch = realloc(t->pitch, sizeof *t->pitch * (size_t)t->cap);
    if (!t->at || !t->pitch) {
      fprintf(stderr, "bench_pitch: out of memory\n");
      exit(1);
    }
  }
  t->at[t->n] = at;
  t->pitch[t->n++] = pitch;
}

/* Index of the last change at or before f (-1: none). */
static int tl_find(const timeline *t, int64_t f)
{
  int lo = 0, hi = t->n - 1, r = -1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (t->at[mid] <= f) {
      r = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return r;
}

static int tl_at(const timeline *t, int64_t f)
{
  int i = tl_find(t, f);
  return i < 0 ? -1 : t->pitch[i];
}

/* First frame in [from, to) where the timeline shows pitch, or -1. */
static int64_t tl_first(const timeline *t, int64_t from, int64_t to, int pitch)
{
  int i = tl_find(t, from);
  if (i >= 0 && t->pitch[i] == pitch) return from;
  for (++i; i < t->n && t->at[i] < to; ++i)
    if (t->pitch[i] == pitch) return t->at[i];
  return -1;
}

typedef struct {
  double *v; /* ms */
  int n, cap;
} lats;

typedef struct {
  long slices, hits;
  long aud_slices, aud_hits; /* slices whose middle the note dominates */
  long onsets, detected;
  lats lat, aud; /* from the MIDI note-on / from the audible onset */
} score;

static void add_lat(lats *s, double ms)
{
  if (s->n == s->cap) {
    s->cap = s->cap ? 2 * s->cap : 1024;
    s->v = realloc(s->v, sizeof *s->v * (size_t)s->cap);
    if (!s->v) exit(1);
  }
  s->v[s->n++] = ms;
}

static int cmp_d(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double pct(lats *s, double p)
{
  if (s->n == 0) return NAN;
  qsort(s->v, (size_t)s->n, sizeof *s->v, cmp_d);
  int i = (int)(p * (s->n - 1) + 0.5);
  return s->v[i];
}

static double slice_s(void)
{
  return 60.0 / QPM / 4.0;
}

static int fresh_note(const kt_note *notes, int i)
{
  return i == 0 || notes[i - 1].pitch != notes[i].pitch ||
         notes[i - 1].start + notes[i - 1].len != notes[i].start;
}

/* Score one timeline against the melody; aud[i]: the frame where note i
 * becomes audible (dominates the previous one), -1 never. */
static FILE *misses; /* --misses FILE: one line per missed slice */
static const char *miss_tag = "";

static void score_run(score *s, const timeline *t, const kt_note *notes, int nn,
                      const int64_t *aud, double rate)
{
  int64_t lead = (int64_t)(LEAD * rate);
  double sl = slice_s() * rate;
  for (int i = 0; i < nn; ++i) {
    const kt_note *n = &notes[i];
    for (int k = 0; k < n->len; ++k) {
      int64_t mid = lead + (int64_t)((n->start + k + 0.5) * sl);
      int hit = tl_at(t, mid) == n->pitch;
      s->slices++;
      s->hits += hit;
      if (!hit && misses && miss_tag)
        fprintf(misses,
                "%s t %.3f mel %d prev %d next %d got %d k %d len %d "
                "aud %d seen %d\n",
                miss_tag, (double)mid / rate - LEAD, n->pitch,
                i > 0 ? notes[i - 1].pitch : -1,
                i + 1 < nn ? notes[i + 1].pitch : -1, tl_at(t, mid), k, n->len,
                aud[i] >= 0 && mid >= aud[i],
                tl_first(t, lead + (int64_t)(n->start * sl), mid, n->pitch) >=
                    0);
      if (aud[i] >= 0 && mid >= aud[i]) {
        s->aud_slices++;
        s->aud_hits += hit;
      }
    }
    if (!fresh_note(notes, i)) continue;
    int64_t on = lead + (int64_t)(n->start * sl);
    int64_t end = lead + (int64_t)((n->start + n->len) * sl);
    s->onsets++;
    int64_t f = tl_first(t, on, end, n->pitch);
    if (f >= 0) {
      s->detected++;
      add_lat(&s->lat, (double)(f - on) * 1000.0 / rate);
      if (aud[i] >= 0) add_lat(&s->aud, (double)(f - aud[i]) * 1000.0 / rate);
    }
  }
}

/* Render one melody (parity -1), or only its even (0) or odd (1) notes;
 * returns mono samples (len frames). */
/* The synthetic instrument: a band-limited sawtooth (harmonics below
 * 6 kHz), legato, every pitch change instantaneous (phase kept); vibrato
 * +-0.3 semitone at 5.5 Hz. */
static float *render_saw(const kt_note *notes, int nn, double rate, int vibrato,
                         int parity, int64_t total)
{
  float *x = calloc((size_t)total, sizeof *x);
  double sl = slice_s() * rate, ph = 0;
  int64_t lead = (int64_t)(LEAD * rate);
  for (int i = 0; i < nn; ++i) {
    int64_t a = lead + (int64_t)(notes[i].start * sl);
    int64_t b = lead + (int64_t)((notes[i].start + notes[i].len) * sl);
    if (parity >= 0 && i % 2 != parity) continue;
    for (int64_t f = a; f < b && f < total; ++f) {
      double m = notes[i].pitch +
                 (vibrato ? 0.3 * sin(2 * M_PI * 5.5 * (double)f / rate) : 0);
      double hz = 440.0 * pow(2.0, (m - 69.0) / 12.0), v = 0;
      for (int k = 1; k * hz < 6000 && k * hz < 0.45 * rate; ++k)
        v += sin(2 * M_PI * k * ph) / k;
      x[f] = (float)(0.15 * v);
      ph += hz / rate;
      ph -= floor(ph);
    }
  }
  return x;
}

static float *render(const kt_note *notes, int nn, double rate, int program,
                     int vibrato, int parity, int64_t *len)
{
  double sl = slice_s() * rate;
  int64_t lead = (int64_t)(LEAD * rate);
  int last = nn ? notes[nn - 1].start + notes[nn - 1].len : 0;
  int64_t total = lead + (int64_t)(last * sl) + (int64_t)(TAIL * rate);
  *len = total;
  if (program < 0) return render_saw(notes, nn, rate, vibrato, parity, total);
  char err[256];
  kt_synth *syn = kt_synth_new(rate, NULL, KT_SYNTH_CHOIR, err, sizeof err);
  if (!syn) {
    fprintf(stderr, "bench_pitch: %s\n", err);
    exit(1);
  }
  uint8_t pc[2] = {0xc0, (uint8_t)program};
  kt_synth_midi(syn, pc, 2);
  uint8_t cc[3] = {0xb0, 1, (uint8_t)(vibrato ? 100 : 0)};
  kt_synth_midi(syn, cc, 3);
  float *x = calloc((size_t)total, sizeof *x);
  float l[256], r[256];
  /* events: offs before ons at the same frame */
  int64_t at = 0;
  int on_i = 0, off_i = 0;
  while (at < total) {
    int64_t next = total;
    if (on_i < nn) {
      int64_t f = lead + (int64_t)(notes[on_i].start * sl);
      if (f < next) next = f;
    }
    if (off_i < nn) {
      int64_t f =
          lead + (int64_t)((notes[off_i].start + notes[off_i].len) * sl);
      if (f < next) next = f;
    }
    while (at < next) {
      int n = next - at < 256 ? (int)(next - at) : 256;
      kt_synth_render(syn, l, r, n);
      for (int i = 0; i < n; ++i)
        x[at + i] = 0.5f * (l[i] + r[i]);
      at += n;
    }
    if (at >= total) break;
    while (off_i < nn &&
           lead + (int64_t)((notes[off_i].start + notes[off_i].len) * sl) <=
               at) {
      uint8_t m[3] = {0x80, (uint8_t)notes[off_i].pitch, 0};
      if (parity < 0 || off_i % 2 == parity) kt_synth_midi(syn, m, 3);
      ++off_i;
    }
    while (on_i < nn && lead + (int64_t)(notes[on_i].start * sl) <= at) {
      uint8_t m[3] = {0x90, (uint8_t)notes[on_i].pitch, 90};
      if (parity < 0 || on_i % 2 == parity) kt_synth_midi(syn, m, 3);
      ++on_i;
    }
  }
  kt_synth_free(syn);
  return x;
}

/* Where each note becomes audible: the melody rendered again as two
 * parts, even and odd notes (each note's sound alone, its release
 * included), and the first moment after the note-on where the note's part
 * is louder (RMS over 10 ms; the moment is the middle of that window) than
 * the other part, which holds the previous
 * note's release.  Notes repeating the pitch before them count from their
 * note-on.  -1: never before the note ends. */
static int64_t *audible(const kt_note *notes, int nn, double rate, int program,
                        int vibrato)
{
  int64_t len0, len1;
  float *p[2] = {render(notes, nn, rate, program, vibrato, 0, &len0),
                 render(notes, nn, rate, program, vibrato, 1, &len1)};
  int64_t *aud = calloc((size_t)nn + 1, sizeof *aud);
  int64_t lead = (int64_t)(LEAD * rate), win = (int64_t)(0.010 * rate);
  int64_t hop = (int64_t)(0.001 * rate);
  double sl = slice_s() * rate;
  for (int i = 0; i < nn; ++i) {
    int64_t on = lead + (int64_t)(notes[i].start * sl);
    int64_t end = lead + (int64_t)((notes[i].start + notes[i].len) * sl);
    aud[i] = fresh_note(notes, i) ? -1 : on;
    for (int64_t f = on + hop; aud[i] < 0 && f < end && f < len0; f += hop) {
      double e[2] = {0, 0};
      for (int q = 0; q < 2; ++q)
        for (int64_t j = f - win; j < f; ++j)
          e[q] += (double)p[q][j] * p[q][j];
      /* dominant over the window: audible from its middle */
      if (e[i % 2] > e[1 - i % 2] && e[i % 2] > win * 1e-8)
        aud[i] = f - win / 2 > on ? f - win / 2 : on;
    }
  }
  free(p[0]);
  free(p[1]);
  return aud;
}

static uint64_t rng = 12345;
static double gauss(void)
{
  double u[2];
  for (int i = 0; i < 2; ++i) {
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    u[i] = ((double)(rng >> 11) + 0.5) / (double)(1ull << 53);
  }
  return sqrt(-2 * log(u[0])) * cos(2 * M_PI * u[1]);
}

/* White noise at snr_db below the melody's mean power while notes sound. */
static void add_noise(float *x, int64_t len, const kt_note *notes, int nn,
                      double rate, double snr_db)
{
  double sl = slice_s() * rate, p = 0;
  int64_t lead = (int64_t)(LEAD * rate), a = lead, cnt = 0;
  int64_t b =
      nn ? lead + (int64_t)((notes[nn - 1].start + notes[nn - 1].len) * sl) : 0;
  for (int64_t i = a; i < b && i < len; ++i, ++cnt)
    p += (double)x[i] * x[i];
  if (cnt == 0) return;
  double sd = sqrt(p / (double)cnt / pow(10, snr_db / 10));
  for (int64_t i = 0; i < len; ++i)
    x[i] += (float)(sd * gauss());
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double cpu_s[N_TRACKERS];
static double audio_s;

static void run_kantor(kt_pitch *t, const float *x, int64_t len, timeline *tl)
{
  kt_event ev[256];
  uint32_t cap = kt_pitch_max_events(t, 256);
  kt_pitch_reset(t);
  tl->n = 0;
  double t0 = now_s();
  for (int64_t at = 0; at < len; at += 256) {
    uint32_t n = (uint32_t)(len - at < 256 ? len - at : 256);
    uint32_t ne = kt_pitch_process(t, x + at, n, ev, cap);
    for (uint32_t i = 0; i < ne; ++i) {
      int on = (ev[i].midi[0] & 0xf0) == 0x90 && ev[i].midi[2] > 0;
      tl_push(tl, at + ev[i].frame, on ? ev[i].midi[1] : -1);
    }
  }
  cpu_s[TR_KANTOR] += now_s() - t0;
}

static void run_aubio(int which, uint_t buf, uint_t hop, const float *x,
                      int64_t len, double rate, timeline *tl)
{
  aubio_pitch_t *o = new_aubio_pitch("yinfft", buf, hop, (uint_t)rate);
  aubio_pitch_set_unit(o, "midi");
  fvec_t *in = new_fvec(hop), *out = new_fvec(1);
  tl->n = 0;
  double t0 = now_s();
  for (int64_t at = 0; at + hop <= len; at += hop) {
    for (uint_t i = 0; i < hop; ++i)
      in->data[i] = x[at + i];
    aubio_pitch_do(o, in, out);
    float m = out->data[0];
    int p = m > 0 && m < 127.5f ? (int)lrintf(m) : -1;
    tl_push(tl, at + hop - 1, p);
  }
  cpu_s[which] += now_s() - t0;
  del_fvec(in);
  del_fvec(out);
  del_aubio_pitch(o);
}

/* Per analysis frame: time, melody note, Kantor's note, estimate, conf,
 * level (to see why a note is late). */
static void print_trace(kt_pitch *t, const float *x, int64_t len, double rate,
                        double secs, const kt_note *notes, int nn)
{
  kt_event ev[64];
  kt_pitch_reset(t);
  uint32_t step = (uint32_t)(rate * KT_PITCH_HOP / KT_PITCH_RATE);
  int64_t end = (int64_t)(secs * rate), lead = (int64_t)(LEAD * rate);
  double sl = slice_s() * rate;
  int64_t last = -1;
  for (int64_t at = 0; at + step <= len && at < end; at += step) {
    uint32_t ne = kt_pitch_process(t, x + at, step, ev, 64);
    kt_pitch_state st;
    kt_pitch_get_state(t, &st);
    if (st.frames == last) continue;
    last = st.frames;
    int mel = -1;
    for (int i = 0; i < nn; ++i)
      if (at + step >= lead + notes[i].start * sl &&
          at + step < lead + (notes[i].start + notes[i].len) * sl)
        mel = notes[i].pitch;
    printf("%8.1f ms mel %3d note %3d est %6.2f conf %.2f lev %6.1f "
           "res %6.2f %.2f %.3f%s\n",
           (at + step - lead) * 1000.0 / rate, mel, st.note, st.midi, st.conf,
           st.level, st.res_midi, st.res_conf, st.res_share, ne ? " *" : "");
  }
}

int main(int argc, char **argv)
{
  const char *data = kt_corpus_default_dir(), *set_name = "test";
  const char *only = NULL;
  int limit = 0, from = 0, trace_vib = 0;
  double trace = 0; /* s of per-frame Kantor state of the first render */
  double rate = 44100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--data"))
      data = argv[i + 1];
    else if (!strcmp(argv[i], "--set"))
      set_name = argv[i + 1];
    else if (!strcmp(argv[i], "--limit"))
      limit = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--rate"))
      rate = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--instruments"))
      only = argv[i + 1];
    else if (!strcmp(argv[i], "--from"))
      from = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--trace-vib"))
      trace_vib = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--misses"))
      misses = fopen(argv[i + 1], "w");
    else if (!strcmp(argv[i], "--trace"))
      trace = atof(argv[i + 1]);
    else {
      fprintf(stderr, "bench_pitch: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  int set = kt_split_set_from_name(set_name);
  char err[512];
  kt_chorale *ch = NULL;
  int n_ch = 0;
  if (set < 0 || kt_corpus_load(data, NULL, set, &ch, &n_ch, err, sizeof err)) {
    fprintf(stderr, "bench_pitch: skipped: corpus not usable (%s)\n",
            set < 0 ? "bad --set" : err);
    return 77;
  }
  int n_loaded = n_ch;
  if (limit > 0 && limit < n_ch) n_ch = limit;
  kt_pitch *kp = kt_pitch_new(rate, 256, err, sizeof err);
  if (!kp) {
    fprintf(stderr, "bench_pitch: %s\n", err);
    return 1;
  }
  aubio_log_set_level_function(AUBIO_LOG_WRN, NULL, NULL);

  enum { N_COND = N_INSTR * 4 };
  static score sc[N_COND][N_TRACKERS];
  timeline tl = {0};
  for (int c = from; c < n_ch; ++c) {
    int nn = kt_chorale_notes(&ch[c], KT_SOPRANO, NULL, 0);
    kt_note *notes = calloc((size_t)nn + 1, sizeof *notes);
    nn = kt_chorale_notes(&ch[c], KT_SOPRANO, notes, nn);
    for (int in = 0; in < N_INSTR; ++in) {
      if (only && !strstr(only, instruments[in].name)) continue;
      for (int vib = 0; vib < 2; ++vib) {
        if (trace > 0 && vib != trace_vib) continue;
        int64_t len;
        float *x =
            render(notes, nn, rate, instruments[in].program, vib, -1, &len);
        int64_t *aud = audible(notes, nn, rate, instruments[in].program, vib);
        if (trace > 0) {
          print_trace(kp, x, len, rate, trace, notes, nn);
          return 0;
        }
        for (int noisy = 0; noisy < 2; ++noisy) {
          if (noisy) add_noise(x, len, notes, nn, rate, 20);
          int cond = in * 4 + vib * 2 + noisy;
          audio_s += (double)len / rate;
          char tag[96];
          snprintf(tag, sizeof tag, "ch %d %s vib %d noise %d", c,
                   instruments[in].name, vib, noisy);
          miss_tag = tag;
          run_kantor(kp, x, len, &tl);
          score_run(&sc[cond][TR_KANTOR], &tl, notes, nn, aud, rate);
          miss_tag = NULL;
          run_aubio(TR_AUBIO, 2048, 256, x, len, rate, &tl);
          score_run(&sc[cond][TR_AUBIO], &tl, notes, nn, aud, rate);
          run_aubio(TR_AUBIO_LL, 1024, 128, x, len, rate, &tl);
          score_run(&sc[cond][TR_AUBIO_LL], &tl, notes, nn, aud, rate);
        }
        free(x);
        free(aud);
      }
    }
    free(notes);
    fprintf(stderr, "\r%d/%d chorales", c + 1, n_ch);
  }
  fprintf(stderr, "\n");

  printf("pitch tracking: %d %s-split sopranos at %.0f Hz, %g qpm "
         "(slice %.0f ms); Kantor reports latency %.1f ms\n",
         n_ch, set_name, rate, QPM, slice_s() * 1000,
         kt_pitch_latency(kp) * 1000.0 / rate);
  printf("%-22s %-18s %7s %7s %7s %8s %8s %8s %8s\n", "condition", "tracker",
         "acc%", "aud%", "det%", "lat50ms", "lat90ms", "aud50ms", "aud90ms");
  score tot[2][N_TRACKERS]; /* clean, noisy */
  memset(tot, 0, sizeof tot);
  char *json = calloc(1, 1 << 17);
  size_t jcap = 1 << 17;
  size_t jlen = (size_t)snprintf(
      json, jcap,
      "{\"bench\":\"pitch\",\"set\":\"%s\",\"chorales\":%d,"
      "\"rate\":%.0f,\"reported_latency_ms\":%.1f,\"conditions\":[",
      set_name, n_ch, rate, kt_pitch_latency(kp) * 1000.0 / rate);
  int first = 1;
  for (int cond = 0; cond < N_COND + 2; ++cond) {
    int all = cond >= N_COND;
    int in = cond / 4, vib = (cond / 2) % 2,
        noisy = all ? cond - N_COND : cond % 2;
    char cname[64];
    if (all) {
      snprintf(cname, sizeof cname, "%s",
               noisy ? "ALL noisy (20 dB)" : "ALL clean");
    } else {
      if (sc[cond][0].slices == 0) continue;
      snprintf(cname, sizeof cname, "%s%s%s", instruments[in].name,
               vib ? "+vib" : "", noisy ? "+noise20" : "");
    }
    for (int tr = 0; tr < N_TRACKERS; ++tr) {
      score *s = all ? &tot[noisy][tr] : &sc[cond][tr];
      if (!all && instruments[in].program >= 0) { /* ALL: the GM five */
        score *t = &tot[noisy][tr];
        t->slices += s->slices;
        t->hits += s->hits;
        t->aud_slices += s->aud_slices;
        t->aud_hits += s->aud_hits;
        t->onsets += s->onsets;
        t->detected += s->detected;
        for (int k = 0; k < s->lat.n; ++k)
          add_lat(&t->lat, s->lat.v[k]);
        for (int k = 0; k < s->aud.n; ++k)
          add_lat(&t->aud, s->aud.v[k]);
      }
      if (!s->slices) continue;
      double acc = 100.0 * s->hits / s->slices;
      double aacc = s->aud_slices ? 100.0 * s->aud_hits / s->aud_slices : 0;
      double det = s->onsets ? 100.0 * s->detected / s->onsets : 0;
      double l50 = pct(&s->lat, 0.5), l90 = pct(&s->lat, 0.9);
      double a50 = pct(&s->aud, 0.5), a90 = pct(&s->aud, 0.9);
      printf("%-22s %-18s %7.2f %7.2f %7.2f %8.1f %8.1f %8.1f %8.1f\n", cname,
             tracker_name[tr], acc, aacc, det, l50, l90, a50, a90);
      jlen += (size_t)snprintf(
          json + jlen, jcap - jlen,
          "%s{\"condition\":\"%s\",\"tracker\":\"%s\",\"acc\":%.4f,"
          "\"acc_audible\":%.4f,\"det\":%.4f,\"lat50_ms\":%.1f,"
          "\"lat90_ms\":%.1f,\"aud_lat50_ms\":%.1f,\"aud_lat90_ms\":%.1f",
          first ? "" : ",", cname, tracker_name[tr], acc / 100, aacc / 100,
          det / 100, l50, l90, a50, a90);
      if (all)
        jlen += (size_t)snprintf(json + jlen, jcap - jlen,
                                 ",\"cpu_x_realtime\":%.1f",
                                 cpu_s[tr] > 0 ? audio_s / cpu_s[tr] : 0);
      jlen += (size_t)snprintf(json + jlen, jcap - jlen, "}");
      first = 0;
    }
  }
  for (int tr = 0; tr < N_TRACKERS; ++tr)
    printf("%s: %.0fx real time (CPU, this machine)\n", tracker_name[tr],
           cpu_s[tr] > 0 ? audio_s / cpu_s[tr] : 0);
  printf("JSON %s]}\n", json);
  free(json);
  free(tl.at);
  free(tl.pitch);
  kt_pitch_free(kp);
  kt_corpus_free(ch, n_loaded);
  return 0;
}
