/* nn/kern.c -- Humdrum **kern reader for the four-part Bach chorales.
 *
 * Input: four **kern spines, left to right bass, tenor, alto, soprano.
 * Output: a kt_chorale sampled at sixteenth-note slices.
 *
 * How the file is read:
 *  - Linearly.  Section labels and expansion lists (*>A, *>[A,A,B],
 *    *>norep[...]) are ignored; repeats are not expanded.
 *  - Time is kept per voice in 32nd notes.  Slice s is what sounds at 32nd
 *    position 2s, so of a 32nd pair only the first note survives; a note
 *    that starts off the grid and still sounds at the next slice start gets
 *    an onset there.  A tied chain ([ _ ]) is one note: continuations are
 *    holds, never onsets, and must keep the pitch.
 *  - Each data line is checked against the running voice times (a note must
 *    start exactly where the previous note of its voice ended, a null token
 *    '.' must be covered by a sounding note), and all four voices must be
 *    at the same time at every barline and at the end.
 *  - Bar positions: the sixteenths between two barline lines form a segment.
 *    A segment as long as the meter is a full bar.  A short segment is
 *    counted so that it ends on the bar length (right-aligned, a pickup:
 *    quarter pickup in 4/4 is 12..15) when it is the first segment, when
 *    it completes a bar that the previous short segment began (a bar split
 *    by a repeat sign, e.g. chor001 bars 7/8), or when it sits between two
 *    full bars (an upbeat after a section barline, e.g. chor197 "=21||").
 *    Otherwise (the last bar, the first half of a split bar) it starts at
 *    0.  A segment longer than the meter (only chor130 bar 7: two breves
 *    under 4/4) is counted modulo the bar length, as if it were several
 *    bars.  A segment's meter is the one in force at its first note.
 *  - Grace notes (q, Q) are skipped; beams, slurs, editorial and other marks
 *    are ignored (see kt_ignored_mark).  Chords inside a spine, spine
 *    splits/merges, tuplets and other durations are errors.
 *  - Key: the first key label (*G:, *a:, *g:dor ...) and the first key
 *    signature; meter: the first *M; later *M lines are counted as meter
 *    changes and drive bar_len from there on.
 *
 * Known oddities of the corpus (bach-370-chorales, commit 0fd9e00), both
 * read as written (no silent repair; the reader cannot know the intended
 * notes), and measured by `kantor corpus`:
 *  - chor194.krn line 59, the chord closing the first section (the "last
 *    chord" before the repeat), reads 1.c# 1.f# 1.F# 1.A# for bass, tenor,
 *    alto, soprano: the columns are permuted (the soprano gets A#3 = 58,
 *    the bass c#4 = 61).
 *  - chor197.krn line 192, near the end: soprano 1A (A3 = 57) under the
 *    alto's 1d (62).
 *  Of the reference ranges (soprano 57-81, alto 52-74, tenor 48-69, bass
 *  36-64) only the soprano's low bound comes from these files: 57 from
 *  chor197, next 58 from chor194; without both the soprano range is 60-81
 *  and the other three voices are unchanged.  kt_chorale_ranges keeps the
 *  all-file figures; a trainer that wants to drop the two files can.
 */
#include "chorale.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KT_MAX_SLICES 100000
#define KT_MAX_UNITS (2 * KT_MAX_SLICES) /* 32nd notes */

static const char *const kt_voice_names[KT_NVOICES] = {"bass", "tenor", "alto",
                                                       "soprano"};

typedef struct {
  int8_t *pitch;  /* per 32nd unit */
  int32_t *event; /* note id per unit (tied chains share one) */
} kt_units;

typedef struct {
  int start, end; /* units */
  int bar_len;    /* sixteenths */
} kt_segment;

typedef struct {
  const char *name;
  int line;
  char *err;
  size_t errlen;
  int failed;

  kt_units u[KT_NVOICES];
  uint8_t *ferm; /* per unit: a fermata token starts here */
  uint8_t *blen; /* per unit: bar length in sixteenths */
  uint8_t *bpos; /* per unit: bar position in sixteenths */
  int cap;       /* units allocated */
  int pos[KT_NVOICES];
  int32_t next_event;
  int tie_open[KT_NVOICES];   /* 1 while a tied chain is open */
  int last_pitch[KT_NVOICES]; /* pitch of the last note (for ties) */
  int32_t last_event[KT_NVOICES];

  int meter_num, meter_den, bar_len; /* current meter, bar_len 0 = none yet */
  int seg_start;   /* unit where the current bar segment started */
  int seg_bar_len; /* meter of the current segment (at its first note) */
  kt_segment *seg; /* closed segments */
  int n_segments, seg_cap;
  int have_key, have_sig;
} kt_parser;

static void kt_fail(kt_parser *p, const char *fmt, ...)
{
  if (p->failed) return;
  p->failed = 1;
  if (!p->err || p->errlen == 0) return;
  int n = snprintf(p->err, p->errlen, "%s:%d: ", p->name, p->line);
  if (n < 0 || (size_t)n >= p->errlen) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
  va_end(ap);
}

/* Printable copy of a token for error messages (at most 24 characters). */
static const char *kt_tokstr(const char *s, size_t n, char *buf, size_t cap)
{
  size_t j = 0;
  for (size_t i = 0; i < n && j + 4 < cap; i++) {
    if (i == 24) {
      buf[j++] = '.';
      buf[j++] = '.';
      buf[j++] = '.';
      break;
    }
    unsigned char ch = (unsigned char)s[i];
    buf[j++] = (ch >= 32 && ch < 127) ? (char)ch : '?';
  }
  buf[j] = 0;
  return buf;
}

static int kt_grow(kt_parser *p, int need)
{
  if (need <= p->cap) return 0;
  if (need > KT_MAX_UNITS) {
    kt_fail(p, "piece too long (more than %d sixteenth slices)", KT_MAX_SLICES);
    return -1;
  }
  int cap = p->cap ? p->cap : 1024;
  while (cap < need)
    cap *= 2;
  if (cap > KT_MAX_UNITS) cap = KT_MAX_UNITS;
  for (int v = 0; v < KT_NVOICES; v++) {
    int8_t *np = realloc(p->u[v].pitch, (size_t)cap);
    if (!np) goto oom;
    p->u[v].pitch = np;
    int32_t *ne = realloc(p->u[v].event, (size_t)cap * sizeof(int32_t));
    if (!ne) goto oom;
    p->u[v].event = ne;
  }
  uint8_t *nf = realloc(p->ferm, (size_t)cap);
  if (!nf) goto oom;
  p->ferm = nf;
  uint8_t *nl = realloc(p->blen, (size_t)cap);
  if (!nl) goto oom;
  p->blen = nl;
  uint8_t *nb = realloc(p->bpos, (size_t)cap);
  if (!nb) goto oom;
  p->bpos = nb;
  memset(p->ferm + p->cap, 0, (size_t)(cap - p->cap));
  memset(p->blen + p->cap, 0, (size_t)(cap - p->cap));
  memset(p->bpos + p->cap, 0, (size_t)(cap - p->cap));
  p->cap = cap;
  return 0;
oom:
  kt_fail(p, "out of memory");
  return -1;
}

static void kt_parser_free(kt_parser *p)
{
  for (int v = 0; v < KT_NVOICES; v++) {
    free(p->u[v].pitch);
    free(p->u[v].event);
  }
  free(p->ferm);
  free(p->blen);
  free(p->bpos);
  free(p->seg);
}

/* Marks that carry no pitch or rhythm: beams, slurs, phrases, editorial
 * marks, articulations, ornaments, stems. */
static int kt_ignored_mark(char c)
{
  return c && strchr("LJKkXxyY()[]{}&/\\'\"`~^,:|?OoMmWwTtSs$RuvUZzNHhIiPp",
                     c) != NULL;
}

typedef struct {
  int is_rest;
  int pitch;
  int dur;   /* in 32nds */
  int recip; /* 0 breve, 1, 2, 4 ...; -1 longa */
  int dots;
  int tie_start, tie_mid, tie_end;
  int fermata;
  int grace;
} kt_note_tok;

/* Parse one note/rest token.  Returns 0 or -1 (error reported). */
static int kt_parse_note(kt_parser *p, int voice, const char *s, size_t n,
                         kt_note_tok *t)
{
  char tb[40];
  memset(t, 0, sizeof *t);
  int have_dur = 0, have_pitch = 0, letter = 0, count = 0, acc = 0;
  int have_acc = 0;
  size_t i = 0;
  while (i < n) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      if (have_dur) {
        kt_fail(p, "%s: two durations in token '%s'", kt_voice_names[voice],
                kt_tokstr(s, n, tb, sizeof tb));
        return -1;
      }
      long r = 0;
      size_t j = i;
      while (j < n && s[j] >= '0' && s[j] <= '9' && r < 100000)
        r = r * 10 + (s[j++] - '0');
      int zeros = (int)(j - i);
      if (r == 0 && zeros > 2) {
        kt_fail(p, "%s: bad duration in token '%s'", kt_voice_names[voice],
                kt_tokstr(s, n, tb, sizeof tb));
        return -1;
      }
      int dur;
      if (r == 0)
        dur = zeros == 1 ? 64 : 128; /* breve, longa */
      else if (r == 1 || r == 2 || r == 4 || r == 8 || r == 16 || r == 32)
        dur = 32 / (int)r;
      else {
        kt_fail(p,
                "%s: bad duration in token '%s' (only 0 1 2 4 8 16 32, "
                "no tuplets)",
                kt_voice_names[voice], kt_tokstr(s, n, tb, sizeof tb));
        return -1;
      }
      t->recip = r == 0 ? (zeros == 1 ? 0 : -1) : (int)r;
      i = j;
      int add = dur;
      while (i < n && s[i] == '.') {
        if (add % 2) {
          kt_fail(p, "%s: bad duration in token '%s' (dotted 32nd)",
                  kt_voice_names[voice], kt_tokstr(s, n, tb, sizeof tb));
          return -1;
        }
        add /= 2;
        dur += add;
        t->dots++;
        i++;
      }
      t->dur = dur;
      have_dur = 1;
      continue;
    }
    if ((c >= 'a' && c <= 'g') || (c >= 'A' && c <= 'G') || c == 'r') {
      if (have_pitch) {
        kt_fail(p, "%s: unknown token '%s'", kt_voice_names[voice],
                kt_tokstr(s, n, tb, sizeof tb));
        return -1;
      }
      letter = c;
      count = 0;
      while (i < n && s[i] == c) {
        count++;
        i++;
      }
      if (count > 5 || (c == 'r' && count > 1)) {
        kt_fail(p, "%s: unknown token '%s'", kt_voice_names[voice],
                kt_tokstr(s, n, tb, sizeof tb));
        return -1;
      }
      have_pitch = 1;
      continue;
    }
    if (c == '#' || c == '-' || c == 'n') {
      if (!have_pitch || letter == 'r' || have_acc) {
        kt_fail(p, "%s: misplaced accidental in token '%s'",
                kt_voice_names[voice], kt_tokstr(s, n, tb, sizeof tb));
        return -1;
      }
      have_acc = 1;
      if (c == 'n') {
        i++;
        continue;
      }
      int k = 0;
      while (i < n && s[i] == c && k < 3) {
        k++;
        i++;
      }
      acc = c == '#' ? k : -k;
      continue;
    }
    if (c == 'q' || c == 'Q') {
      t->grace = 1;
      i++;
      continue;
    }
    if (c == ';') {
      t->fermata = 1;
      i++;
      continue;
    }
    if (c == '[')
      t->tie_start = 1;
    else if (c == '_')
      t->tie_mid = 1;
    else if (c == ']')
      t->tie_end = 1;
    else if (c == ' ') {
      kt_fail(p,
              "%s: chords (several notes in one spine) are not "
              "supported: '%s'",
              kt_voice_names[voice], kt_tokstr(s, n, tb, sizeof tb));
      return -1;
    } else if (!kt_ignored_mark(c)) {
      kt_fail(p, "%s: unknown token '%s'", kt_voice_names[voice],
              kt_tokstr(s, n, tb, sizeof tb));
      return -1;
    }
    i++;
  }
  if (t->grace) return 0;
  if (!have_pitch) {
    kt_fail(p, "%s: unknown token '%s' (no pitch or rest)",
            kt_voice_names[voice], kt_tokstr(s, n, tb, sizeof tb));
    return -1;
  }
  if (!have_dur) {
    kt_fail(p, "%s: bad duration: token '%s' has none", kt_voice_names[voice],
            kt_tokstr(s, n, tb, sizeof tb));
    return -1;
  }
  if (t->tie_start + t->tie_mid + t->tie_end > 1) {
    kt_fail(p, "%s: conflicting tie marks in token '%s'", kt_voice_names[voice],
            kt_tokstr(s, n, tb, sizeof tb));
    return -1;
  }
  if (letter == 'r') {
    t->is_rest = 1;
    t->pitch = KT_REST;
    if (t->tie_start || t->tie_mid || t->tie_end) {
      kt_fail(p, "%s: tied rest '%s'", kt_voice_names[voice],
              kt_tokstr(s, n, tb, sizeof tb));
      return -1;
    }
    return 0;
  }
  static const int pcs[7] = {9, 11, 0, 2, 4, 5, 7}; /* a..g */
  int octave;
  int pc;
  if (letter >= 'a') {
    pc = pcs[letter - 'a'];
    octave = 4 + (count - 1);
  } else {
    pc = pcs[letter - 'A'];
    octave = 3 - (count - 1);
  }
  int midi = 12 * (octave + 1) + pc + acc;
  if (midi < 0 || midi > 127) {
    kt_fail(p, "%s: pitch out of MIDI range in token '%s'",
            kt_voice_names[voice], kt_tokstr(s, n, tb, sizeof tb));
    return -1;
  }
  t->pitch = midi;
  return 0;
}

/* Split a line into tab-separated fields; returns the count (up to max). */
static int kt_fields(const char *s, size_t n, const char **f, size_t *fl,
                     int max)
{
  int k = 0;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || s[i] == '\t') {
      if (k < max) {
        f[k] = s + start;
        fl[k] = i - start;
      }
      k++;
      start = i + 1;
    }
  }
  return k;
}

static int kt_tok_eq(const char *s, size_t n, const char *lit)
{
  size_t m = strlen(lit);
  return n == m && memcmp(s, lit, m) == 0;
}

static int kt_tok_prefix(const char *s, size_t n, const char *lit)
{
  size_t m = strlen(lit);
  return n >= m && memcmp(s, lit, m) == 0;
}

/* Close the bar segment ending at unit `end` (positions come later). */
static int kt_close_segment(kt_parser *p, int end)
{
  int start = p->seg_start;
  if (end - start <= 0) return 0;
  int bl = p->seg_bar_len ? p->seg_bar_len : p->bar_len;
  if (bl <= 0) {
    kt_fail(p, "no meter (*M) before the first notes");
    return -1;
  }
  if (p->n_segments == p->seg_cap) {
    int nc = p->seg_cap ? 2 * p->seg_cap : 64;
    kt_segment *ns = realloc(p->seg, (size_t)nc * sizeof *ns);
    if (!ns) {
      kt_fail(p, "out of memory");
      return -1;
    }
    p->seg = ns;
    p->seg_cap = nc;
  }
  p->seg[p->n_segments].start = start;
  p->seg[p->n_segments].end = end;
  p->seg[p->n_segments].bar_len = bl;
  p->n_segments++;
  p->seg_start = end;
  p->seg_bar_len = 0;
  return 0;
}

static int kt_seg_short(const kt_segment *g)
{
  return g->end - g->start < 2 * g->bar_len;
}

/* Bar positions for all segments (rules in the comment at the top). */
static void kt_bar_positions(kt_parser *p)
{
  int prev_left_short = 0;
  for (int i = 0; i < p->n_segments; i++) {
    const kt_segment *g = &p->seg[i];
    int len = g->end - g->start, full = 2 * g->bar_len;
    int right = 0;
    if (len < full) {
      if (i == 0 || prev_left_short)
        right = 1;
      else if (i == p->n_segments - 1)
        right = 0;
      else
        right = !kt_seg_short(&p->seg[i + 1]);
    }
    int offset = right ? full - len : 0;
    for (int u = g->start; u < g->end; u++) {
      p->bpos[u] = (uint8_t)(((u - g->start + offset) / 2) % g->bar_len);
      p->blen[u] = (uint8_t)g->bar_len;
    }
    prev_left_short = len < full && !right;
  }
}

static int kt_parse_meter(kt_parser *p, const char *s, size_t n, int *num,
                          int *den)
{
  char tb[40];
  /* *M3/4 */
  size_t i = 2;
  long a = 0, b = 0;
  size_t da = 0, db = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9' && a < 1000) {
    a = a * 10 + (s[i++] - '0');
    da++;
  }
  if (i < n && s[i] == '/')
    i++;
  else
    da = 0;
  while (i < n && s[i] >= '0' && s[i] <= '9' && b < 1000) {
    b = b * 10 + (s[i++] - '0');
    db++;
  }
  if (!da || !db || i != n || a <= 0 ||
      !(b == 1 || b == 2 || b == 4 || b == 8 || b == 16) || (a * 16) % b != 0 ||
      (a * 16) / b > 127) {
    kt_fail(p, "unsupported meter '%s'", kt_tokstr(s, n, tb, sizeof tb));
    return -1;
  }
  *num = (int)a;
  *den = (int)b;
  return 0;
}

static int kt_parse_keysig(kt_parser *p, const char *s, size_t n, int *sig)
{
  char tb[40];
  /* *k[f#c#] */
  if (n < 4 || s[n - 1] != ']') {
    kt_fail(p, "bad key signature '%s'", kt_tokstr(s, n, tb, sizeof tb));
    return -1;
  }
  int sharps = 0, flats = 0;
  for (size_t i = 3; i + 1 < n; i += 2) {
    char l = s[i];
    char a = i + 1 < n - 1 ? s[i + 1] : 0;
    if (!(l >= 'a' && l <= 'g') || (a != '#' && a != '-')) {
      kt_fail(p, "bad key signature '%s'", kt_tokstr(s, n, tb, sizeof tb));
      return -1;
    }
    if (a == '#')
      sharps++;
    else
      flats++;
  }
  if (sharps && flats) {
    kt_fail(p, "mixed key signature '%s'", kt_tokstr(s, n, tb, sizeof tb));
    return -1;
  }
  *sig = sharps - flats;
  return 0;
}

/* Key label: *G: *a: *B-: *f#: *g:dor.  Returns 1 if it is one (and
 * fills tonic/mode), 0 if not a key label, -1 on error. */
static int kt_parse_key(kt_parser *p, const char *s, size_t n, int *tonic,
                        int *mode)
{
  char tb[40];
  if (n < 3) return 0;
  char l = s[1];
  int upper = l >= 'A' && l <= 'G';
  if (!upper && !(l >= 'a' && l <= 'g')) return 0;
  size_t i = 2;
  int acc = 0;
  while (i < n && (s[i] == '#' || s[i] == '-')) {
    acc += s[i] == '#' ? 1 : -1;
    i++;
  }
  if (i >= n || s[i] != ':') return 0;
  i++;
  static const int pcs[7] = {9, 11, 0, 2, 4, 5, 7};
  int pc = pcs[(upper ? l - 'A' : l - 'a')];
  *tonic = ((pc + acc) % 12 + 12) % 12;
  const char *m = s + i;
  size_t ml = n - i;
  if (ml == 0)
    *mode = upper ? KT_MAJOR : KT_MINOR;
  else if (kt_tok_eq(m, ml, "dor"))
    *mode = KT_DORIAN;
  else if (kt_tok_eq(m, ml, "phr"))
    *mode = KT_PHRYGIAN;
  else if (kt_tok_eq(m, ml, "mix"))
    *mode = KT_MIXOLYDIAN;
  else if (kt_tok_eq(m, ml, "ion"))
    *mode = KT_MAJOR;
  else if (kt_tok_eq(m, ml, "aeo"))
    *mode = KT_MINOR;
  else {
    kt_fail(p, "unsupported mode in key label '%s'",
            kt_tokstr(s, n, tb, sizeof tb));
    return -1;
  }
  return 1;
}

static int kt_interp_line(kt_parser *p, kt_chorale *out, const char **f,
                          const size_t *fl)
{
  char tb[40];
  int meter_set = 0, mnum = 0, mden = 0;
  int sig_set = 0, sig = 0;
  int key_set = 0, tonic = 0, mode = 0;
  int terms = 0;
  for (int v = 0; v < KT_NVOICES; v++) {
    const char *s = f[v];
    size_t n = fl[v];
    if (n == 0 || s[0] != '*') {
      kt_fail(p, "%s: '%s' mixed into an interpretation line",
              kt_voice_names[v], kt_tokstr(s, n, tb, sizeof tb));
      return -1;
    }
    if (kt_tok_eq(s, n, "*")) continue;
    if (kt_tok_eq(s, n, "*-")) {
      terms++;
      continue;
    }
    if (kt_tok_eq(s, n, "*^") || kt_tok_eq(s, n, "*v") ||
        kt_tok_eq(s, n, "*+") || kt_tok_eq(s, n, "*x")) {
      kt_fail(p,
              "%s: spine split/merge/add/exchange '%s' is not supported "
              "(need exactly four spines)",
              kt_voice_names[v], kt_tokstr(s, n, tb, sizeof tb));
      return -1;
    }
    if (s[1] == '*') {
      kt_fail(p, "%s: unexpected exclusive interpretation '%s'",
              kt_voice_names[v], kt_tokstr(s, n, tb, sizeof tb));
      return -1;
    }
    if (kt_tok_prefix(s, n, "*M") && n > 2 && s[2] >= '0' && s[2] <= '9') {
      int a, b;
      if (kt_parse_meter(p, s, n, &a, &b)) return -1;
      if (meter_set && (a != mnum || b != mden)) {
        kt_fail(p, "spines disagree on the meter");
        return -1;
      }
      meter_set = 1;
      mnum = a;
      mden = b;
      continue;
    }
    if (kt_tok_prefix(s, n, "*k[")) {
      int k;
      if (kt_parse_keysig(p, s, n, &k)) return -1;
      if (sig_set && k != sig) {
        kt_fail(p, "spines disagree on the key signature");
        return -1;
      }
      sig_set = 1;
      sig = k;
      continue;
    }
    int t, m;
    int r = kt_parse_key(p, s, n, &t, &m);
    if (r < 0) return -1;
    if (r > 0) {
      if (key_set && (t != tonic || m != mode)) {
        kt_fail(p, "spines disagree on the key");
        return -1;
      }
      key_set = 1;
      tonic = t;
      mode = m;
      continue;
    }
    /* Anything else (*>A, *clef, *I..., *MM, *met(...)) is ignored. */
  }
  if (terms && terms != KT_NVOICES) {
    kt_fail(p, "only %d of 4 spines terminated with *-", terms);
    return -1;
  }
  if (meter_set) {
    if (p->bar_len == 0) {
      out->meter_num = mnum;
      out->meter_den = mden;
    } else if (mnum != p->meter_num || mden != p->meter_den) {
      out->n_meter_changes++; /* a repeated *M4/4 (chor197) is no change */
    }
    p->meter_num = mnum;
    p->meter_den = mden;
    p->bar_len = mnum * 16 / mden;
  }
  if (sig_set && !p->have_sig) {
    p->have_sig = 1;
    out->key_sig = sig;
  }
  if (key_set && !p->have_key) {
    p->have_key = 1;
    out->tonic = tonic;
    out->mode = mode;
  }
  return terms ? 1 : 0;
}

static int kt_bar_line(kt_parser *p, const char **f, const size_t *fl)
{
  char tb[40];
  for (int v = 0; v < KT_NVOICES; v++) {
    if (fl[v] == 0 || f[v][0] != '=') {
      kt_fail(p, "%s: '%s' mixed into a barline", kt_voice_names[v],
              kt_tokstr(f[v], fl[v], tb, sizeof tb));
      return -1;
    }
  }
  for (int v = 1; v < KT_NVOICES; v++) {
    if (p->pos[v] != p->pos[0]) {
      kt_fail(p,
              "voices of unequal length at barline: bass %g, tenor %g, "
              "alto %g, soprano %g sixteenths",
              p->pos[0] / 2.0, p->pos[1] / 2.0, p->pos[2] / 2.0,
              p->pos[3] / 2.0);
      return -1;
    }
  }
  return kt_close_segment(p, p->pos[0]);
}

static int kt_data_line(kt_parser *p, kt_chorale *out, const char **f,
                        const size_t *fl)
{
  char tb[40];
  kt_note_tok t[KT_NVOICES];
  int active[KT_NVOICES];
  int any = 0;
  for (int v = 0; v < KT_NVOICES; v++) {
    active[v] = 0;
    if (fl[v] == 0) {
      kt_fail(p, "%s: empty token", kt_voice_names[v]);
      return -1;
    }
    if (kt_tok_eq(f[v], fl[v], ".")) continue;
    if (f[v][0] == '*' || f[v][0] == '=' || f[v][0] == '!') {
      kt_fail(p, "%s: '%s' mixed into a data line", kt_voice_names[v],
              kt_tokstr(f[v], fl[v], tb, sizeof tb));
      return -1;
    }
    if (kt_parse_note(p, v, f[v], fl[v], &t[v])) return -1;
    if (t[v].grace) continue;
    active[v] = 1;
    any = 1;
  }
  if (!any) return 0;
  if (p->bar_len == 0) {
    kt_fail(p, "no meter (*M) before the first notes");
    return -1;
  }
  int now = p->pos[0];
  for (int v = 1; v < KT_NVOICES; v++)
    if (p->pos[v] < now) now = p->pos[v];
  for (int v = 0; v < KT_NVOICES; v++) {
    if (active[v] && p->pos[v] != now) {
      kt_fail(p,
              "%s: note starts while the previous one still sounds "
              "(voice at %g, line at %g sixteenths)",
              kt_voice_names[v], p->pos[v] / 2.0, now / 2.0);
      return -1;
    }
    if (!active[v] && p->pos[v] == now) {
      kt_fail(p,
              "%s: null token but the previous note has ended (gap at "
              "%g sixteenths)",
              kt_voice_names[v], now / 2.0);
      return -1;
    }
  }
  if (p->seg_bar_len == 0 && now == p->seg_start) p->seg_bar_len = p->bar_len;
  for (int v = 0; v < KT_NVOICES; v++) {
    if (!active[v]) continue;
    kt_note_tok *n = &t[v];
    kt_voice_stats *st = &out->stats[v];
    int cont = n->tie_mid || n->tie_end;
    if (n->fermata) st->n_fermatas++;
    if (n->dur == 1) st->n_32nds++;
    if (n->dur == 2) st->n_sixteenths++;
    if (n->is_rest) {
      if (p->tie_open[v]) {
        kt_fail(p, "%s: rest inside an open tie", kt_voice_names[v]);
        return -1;
      }
      st->n_rests++;
    } else if (cont) {
      if (!p->tie_open[v]) {
        kt_fail(p, "%s: tie continuation '%s' without a tie start",
                kt_voice_names[v], kt_tokstr(f[v], fl[v], tb, sizeof tb));
        return -1;
      }
      if (n->pitch != p->last_pitch[v]) {
        kt_fail(p, "%s: tied note '%s' changes pitch", kt_voice_names[v],
                kt_tokstr(f[v], fl[v], tb, sizeof tb));
        return -1;
      }
      st->n_ties++;
    } else {
      if (p->tie_open[v]) {
        kt_fail(p, "%s: new note '%s' while a tie is open", kt_voice_names[v],
                kt_tokstr(f[v], fl[v], tb, sizeof tb));
        return -1;
      }
      st->n_notes++;
    }
    if (!n->is_rest) {
      if (st->lo < 0 || n->pitch < st->lo) st->lo = n->pitch;
      if (n->pitch > st->hi) st->hi = n->pitch;
    }
    int32_t ev = cont ? p->last_event[v] : p->next_event++;
    int end = now + n->dur;
    if (kt_grow(p, end)) return -1;
    for (int u = now; u < end; u++) {
      p->u[v].pitch[u] = (int8_t)n->pitch;
      p->u[v].event[u] = ev;
    }
    if (n->fermata) p->ferm[now] = 1;
    p->pos[v] = end;
    p->last_event[v] = ev;
    p->last_pitch[v] = n->pitch;
    if (n->tie_start)
      p->tie_open[v] = 1;
    else if (n->tie_end)
      p->tie_open[v] = 0;
  }
  return 0;
}

static void kt_basename(const char *name, char *dst, size_t cap)
{
  const char *b = strrchr(name, '/');
  b = b ? b + 1 : name;
  snprintf(dst, cap, "%s", b);
}

static int kt_build(kt_parser *p, kt_chorale *out)
{
  int units = p->pos[0];
  int ns = (units + 1) / 2;
  if (ns == 0) {
    kt_fail(p, "no notes");
    return -1;
  }
  out->n_slices = ns;
  for (int v = 0; v < KT_NVOICES; v++) {
    out->v[v] = calloc((size_t)ns, sizeof(kt_slice));
    if (!out->v[v]) goto oom;
  }
  out->bar_pos = calloc((size_t)ns, 1);
  out->bar_len = calloc((size_t)ns, 1);
  out->fermata = calloc((size_t)ns, 1);
  if (!out->bar_pos || !out->bar_len || !out->fermata) goto oom;
  for (int s = 0; s < ns; s++) {
    int u = 2 * s;
    for (int v = 0; v < KT_NVOICES; v++) {
      kt_slice *sl = &out->v[v][s];
      sl->pitch = p->u[v].pitch[u];
      sl->onset = (s == 0 || p->u[v].event[u] != p->u[v].event[u - 2]);
    }
    out->bar_pos[s] = p->bpos[u];
    out->bar_len[s] = p->blen[u];
    out->fermata[s] = p->ferm[u] || (u + 1 < units && p->ferm[u + 1]);
  }
  return 0;
oom:
  kt_fail(p, "out of memory");
  return -1;
}

int kt_kern_parse(const char *text, size_t len, const char *name,
                  kt_chorale *out, char *err, size_t errlen)
{
  kt_parser p;
  memset(&p, 0, sizeof p);
  memset(out, 0, sizeof *out);
  if (!name) name = "(buffer)";
  p.name = name;
  p.err = err;
  p.errlen = errlen;
  if (err && errlen) err[0] = 0;
  kt_basename(name, out->name, sizeof out->name);
  for (int v = 0; v < KT_NVOICES; v++) {
    out->stats[v].lo = -1;
    out->stats[v].hi = -1;
  }
  if (!text) len = 0;

  int header = 0, terminated = 0;
  size_t off = 0;
  p.line = 0;
  while (off < len && !p.failed) {
    size_t e = off;
    while (e < len && text[e] != '\n')
      e++;
    const char *s = text + off;
    size_t n = e - off;
    size_t line_off = off;
    off = e + 1;
    p.line++;
    if (n && s[n - 1] == '\r') n--;
    if (memchr(s, 0, n)) {
      kt_fail(&p, "NUL byte (byte offset %zu)",
              line_off + (size_t)((const char *)memchr(s, 0, n) - s));
      break;
    }
    if (n == 0) continue; /* blank lines carry no data */
    if (s[0] == '!' && n >= 2 && s[1] == '!') continue; /* !! and !!! */
    if (s[0] == '!' && header) {
      /* local comments: one '!' field per spine, nothing else */
      const char *cf[KT_NVOICES];
      size_t cl[KT_NVOICES];
      int nc = kt_fields(s, n, cf, cl, KT_NVOICES);
      int ok = nc == KT_NVOICES;
      for (int v = 0; ok && v < KT_NVOICES; v++)
        ok = cl[v] > 0 && cf[v][0] == '!';
      if (!ok) {
        kt_fail(&p, "local comment line must have four '!' fields");
        break;
      }
      continue;
    }
    if (s[0] == '!') continue; /* local comment before the header */
    if (terminated) {
      kt_fail(&p, "content after the *- terminator line");
      break;
    }
    const char *f[KT_NVOICES];
    size_t fl[KT_NVOICES];
    int nf = kt_fields(s, n, f, fl, KT_NVOICES);
    if (!header) {
      int ok = nf == KT_NVOICES;
      for (int v = 0; ok && v < KT_NVOICES; v++)
        ok = kt_tok_eq(f[v], fl[v], "**kern");
      if (!ok) {
        if (n >= 2 && s[0] == '*' && s[1] == '*')
          kt_fail(&p,
                  "header has %d spines, expected four **kern spines "
                  "(bass, tenor, alto, soprano)",
                  nf);
        else
          kt_fail(&p, "missing **kern header before the first record");
        break;
      }
      header = 1;
      continue;
    }
    if (nf != KT_NVOICES) {
      kt_fail(&p, "%d spines, expected 4 (bass, tenor, alto, soprano)", nf);
      break;
    }
    if (s[0] == '*') {
      int r = kt_interp_line(&p, out, f, fl);
      if (r < 0) break;
      if (r > 0) terminated = 1;
    } else if (s[0] == '=') {
      if (kt_bar_line(&p, f, fl)) break;
    } else {
      if (kt_data_line(&p, out, f, fl)) break;
    }
  }
  if (!p.failed) {
    if (!header)
      kt_fail(&p, "missing **kern header (empty file)");
    else if (!terminated)
      kt_fail(&p, "unterminated file: no *- line at the end");
  }
  if (!p.failed) {
    for (int v = 1; v < KT_NVOICES; v++) {
      if (p.pos[v] != p.pos[0]) {
        kt_fail(&p,
                "voices of unequal length at the end: bass %g, tenor %g, "
                "alto %g, soprano %g sixteenths",
                p.pos[0] / 2.0, p.pos[1] / 2.0, p.pos[2] / 2.0, p.pos[3] / 2.0);
        break;
      }
    }
  }
  if (!p.failed) {
    for (int v = 0; v < KT_NVOICES; v++)
      if (p.tie_open[v]) {
        kt_fail(&p, "%s: tie still open at the end", kt_voice_names[v]);
        break;
      }
  }
  if (!p.failed && !p.have_key)
    kt_fail(&p, "no key label (*G:, *a:, *g:dor ...)");
  if (!p.failed && !p.have_sig) kt_fail(&p, "no key signature (*k[...])");
  if (!p.failed && kt_close_segment(&p, p.pos[0]) == 0) {
    kt_bar_positions(&p);
    kt_build(&p, out);
  }
  kt_parser_free(&p);
  if (p.failed) {
    kt_chorale_free(out);
    return -1;
  }
  return 0;
}

int kt_kern_read(const char *path, kt_chorale *out, char *err, size_t errlen)
{
  memset(out, 0, sizeof *out);
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    if (err && errlen)
      snprintf(err, errlen, "%s:0: cannot open: %s", path, strerror(errno));
    return -1;
  }
  size_t cap = 1 << 16, len = 0;
  char *buf = malloc(cap);
  if (!buf) {
    fclose(fp);
    if (err && errlen) snprintf(err, errlen, "%s:0: out of memory", path);
    return -1;
  }
  for (;;) {
    if (len == cap) {
      if (cap >= (size_t)64 << 20) {
        free(buf);
        fclose(fp);
        if (err && errlen)
          snprintf(err, errlen, "%s:0: file too large (over 64 MiB)", path);
        return -1;
      }
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        fclose(fp);
        if (err && errlen) snprintf(err, errlen, "%s:0: out of memory", path);
        return -1;
      }
      buf = nb;
      cap *= 2;
    }
    size_t r = fread(buf + len, 1, cap - len, fp);
    len += r;
    if (r == 0) break;
  }
  int rerr = ferror(fp) ? errno : 0;
  fclose(fp);
  if (rerr) {
    free(buf);
    if (err && errlen)
      snprintf(err, errlen, "%s:0: read error: %s", path, strerror(rerr));
    return -1;
  }
  int rc = kt_kern_parse(buf, len, path, out, err, errlen);
  free(buf);
  return rc;
}
