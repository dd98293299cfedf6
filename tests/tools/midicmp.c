/* tests/tools/midicmp.c -- are two MIDI files the same notes, track by
 * track?  Used to check that a notation program (MuseScore) importing the
 * MusicXML Kantor writes plays back what Kantor's own MIDI file holds.
 *
 *   midicmp A.mid B.mid [--group N]
 *   midicmp --track N IN.mid OUT.mid   OUT: IN's first track (tempo,
 *                                      meters) and its track N only
 *
 * Each file's tracks with notes, in order; with --group N, every N tracks
 * of A are merged (a staff that holds two voices in B).  Notes are times
 * in quarter notes on the sixteenth grid (A's are rounded to it, as the
 * MusicXML writer does; how many needed rounding is printed), each voice
 * monophonic (a note ends where the next starts).  Exit 0 when every
 * track has the same (start, length, pitch) notes, 1 otherwise.
 * With --group N the notes of a merged track are compared as the pitches
 * sounding in each sixteenth (MuseScore's MIDI export plays a unison of
 * two voices on one staff once, so the notes themselves differ). */
#include "smf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int s, e, p;
} qn;

typedef struct {
  qn *v;
  int n, cap, off_grid;
} track;

static void push(track *t, qn x)
{
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 64;
    t->v = realloc(t->v, sizeof *t->v * (size_t)t->cap);
    if (!t->v) exit(2);
  }
  t->v[t->n++] = x;
}

static int cmp(const void *a, const void *b)
{
  const qn *x = a, *y = b;
  if (x->s != y->s) return x->s - y->s;
  if (x->p != y->p) return y->p - x->p;
  return x->e - y->e;
}

static int on_grid(double q)
{
  return fabs(q * 4 - round(q * 4)) < 1e-3;
}

/* The tracks of a file with notes; 0 or -1. */
static int read_tracks(const char *path, track **out, int *nt)
{
  kt_smf s;
  char err[512];
  if (kt_smf_read_file(path, &s, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    return -1;
  }
  *out = calloc((size_t)s.n_tracks + 1, sizeof **out);
  *nt = 0;
  for (int k = 0; k < s.n_tracks; ++k) {
    track t = {0};
    long on[128];
    for (int p = 0; p < 128; ++p)
      on[p] = -1;
    for (int i = 0; i < s.trk[k].n; ++i) {
      const kt_smf_event *e = &s.trk[k].ev[i];
      int st = e->status & 0xf0, p = e->d[0] & 127;
      if (st != 0x80 && st != 0x90) continue;
      int is_on = st == 0x90 && e->d[1] > 0;
      if (on[p] >= 0) { /* note-off, or a retrigger */
        double a = on[p] / (double)s.division, b = e->tick / (double)s.division;
        if (!on_grid(a) || !on_grid(b)) ++t.off_grid;
        int qa = (int)lround(a * 4), qb = (int)lround(b * 4);
        if (qb <= qa) qb = qa + 1;
        push(&t, (qn){qa, qb, p});
        on[p] = -1;
      }
      if (is_on) on[p] = e->tick;
    }
    if (t.n) (*out)[(*nt)++] = t;
  }
  kt_smf_free(&s);
  return 0;
}

/* One voice monophonic, as the writer makes it. */
static void mono(track *t)
{
  qsort(t->v, (size_t)t->n, sizeof *t->v, cmp);
  int m = 0;
  for (int i = 0; i < t->n; ++i) {
    if (m > 0 && t->v[m - 1].s == t->v[i].s) continue;
    if (m > 0 && t->v[m - 1].e > t->v[i].s) t->v[m - 1].e = t->v[i].s;
    t->v[m++] = t->v[i];
  }
  t->n = m;
}

/* IN's track 0 and track k as a new file (a melody alone). */
static int extract(int k, const char *in, const char *out)
{
  kt_smf s, o;
  char err[512];
  if (kt_smf_read_file(in, &s, err, sizeof err) < 0) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  if (k < 1 || k >= s.n_tracks) {
    fprintf(stderr, "%s: no track %d\n", in, k);
    kt_smf_free(&s);
    return 2;
  }
  kt_smf_init(&o, 1, s.division);
  int tr[2] = {0, k};
  for (int i = 0; i < 2; ++i) {
    kt_smf_track *t = kt_smf_add_track(&o);
    for (int j = 0; t && j < s.trk[tr[i]].n; ++j) {
      const kt_smf_event *e = &s.trk[tr[i]].ev[j];
      if (e->status == 0xff && e->meta != 0x2f)
        kt_smf_add_meta(t, e->tick, e->meta, e->data, e->len);
      else if (e->status >= 0x80 && e->status < 0xf0)
        kt_smf_add_midi(t, e->tick, e->status, e->d[0], e->d[1]);
    }
  }
  int r = kt_smf_write_file(&o, out, err, sizeof err);
  if (r < 0) fprintf(stderr, "%s\n", err);
  kt_smf_free(&s);
  kt_smf_free(&o);
  return r < 0 ? 2 : 0;
}

int main(int argc, char **argv)
{
  if (argc == 5 && !strcmp(argv[1], "--track"))
    return extract(atoi(argv[2]), argv[3], argv[4]);
  if (argc < 3) {
    fprintf(stderr, "usage: midicmp A.mid B.mid [--group N]\n");
    return 2;
  }
  int group = argc >= 5 && !strcmp(argv[3], "--group") ? atoi(argv[4]) : 1;
  if (group < 1) group = 1;
  track *a, *b;
  int na, nb;
  if (read_tracks(argv[1], &a, &na) < 0 || read_tracks(argv[2], &b, &nb) < 0)
    return 2;
  int off = 0;
  for (int i = 0; i < na; ++i) {
    mono(&a[i]);
    off += a[i].off_grid;
  }
  /* merge A's groups */
  int ng = (na + group - 1) / group;
  track *g = calloc((size_t)ng + 1, sizeof *g);
  for (int i = 0; i < na; ++i)
    for (int j = 0; j < a[i].n; ++j)
      push(&g[i / group], a[i].v[j]);
  for (int i = 0; i < ng; ++i)
    qsort(g[i].v, (size_t)g[i].n, sizeof *g[i].v, cmp);
  for (int i = 0; i < nb; ++i)
    qsort(b[i].v, (size_t)b[i].n, sizeof *b[i].v, cmp);
  /* a pickup bar: B's first note may be at 0, A's later in the bar */
  int fa = -1, fb = -1;
  for (int i = 0; i < ng; ++i)
    if (g[i].n && (fa < 0 || g[i].v[0].s < fa)) fa = g[i].v[0].s;
  for (int i = 0; i < nb; ++i)
    if (b[i].n && (fb < 0 || b[i].v[0].s < fb)) fb = b[i].v[0].s;
  for (int i = 0; i < nb; ++i)
    for (int j = 0; j < b[i].n; ++j) {
      b[i].v[j].s += fa - fb;
      b[i].v[j].e += fa - fb;
    }
  int bad = 0;
  if (ng != nb) {
    printf("%s: %d tracks with notes, %s: %d\n", argv[1], ng, argv[2], nb);
    bad = 1;
  }
  int total = 0;
  for (int i = 0; group > 1 && i < ng && i < nb; ++i) {
    int len = 0;
    for (int j = 0; j < g[i].n; ++j)
      if (g[i].v[j].e > len) len = g[i].v[j].e;
    for (int j = 0; j < b[i].n; ++j)
      if (b[i].v[j].e > len) len = b[i].v[j].e;
    unsigned char *ga = calloc((size_t)len * 128 + 1, 1);
    unsigned char *gb = calloc((size_t)len * 128 + 1, 1);
    for (int j = 0; j < g[i].n; ++j)
      for (int t = g[i].v[j].s; t < g[i].v[j].e; ++t)
        if (t >= 0) ga[t * 128 + g[i].v[j].p] = 1;
    for (int j = 0; j < b[i].n; ++j)
      for (int t = b[i].v[j].s; t < b[i].v[j].e; ++t)
        if (t >= 0) gb[t * 128 + b[i].v[j].p] = 1;
    int shown = 0;
    for (int t = 0; t < len; ++t)
      if (memcmp(ga + t * 128, gb + t * 128, 128)) {
        bad = 1;
        if (shown++ < 3)
          printf("track %d: the pitches sounding at quarter %g differ\n", i + 1,
                 t / 4.0);
      }
    total += g[i].n;
    free(ga);
    free(gb);
  }
  for (int i = 0; group == 1 && i < ng && i < nb; ++i) {
    total += g[i].n;
    int shown = 0;
    for (int j = 0; j < g[i].n || j < b[i].n; ++j) {
      const qn *x = j < g[i].n ? &g[i].v[j] : NULL;
      const qn *y = j < b[i].n ? &b[i].v[j] : NULL;
      if (x && y && x->s == y->s && x->e == y->e && x->p == y->p) continue;
      bad = 1;
      if (shown++ < 3)
        printf("track %d, note %d: %s has (%g, %g, %d), %s has (%g, %g, "
               "%d)\n",
               i + 1, j, argv[1], x ? x->s / 4.0 : -1, x ? x->e / 4.0 : -1,
               x ? x->p : -1, argv[2], y ? y->s / 4.0 : -1, y ? y->e / 4.0 : -1,
               y ? y->p : -1);
    }
    if (g[i].n != b[i].n)
      printf("track %d: %d notes against %d\n", i + 1, g[i].n, b[i].n);
  }
  printf("%s: %d tracks, %d notes (%d rounded to the sixteenth grid): %s\n",
         argv[2], nb, total, off, bad ? "DIFFERENT" : "same");
  for (int i = 0; i < na; ++i)
    free(a[i].v);
  for (int i = 0; i < nb; ++i)
    free(b[i].v);
  for (int i = 0; i < ng; ++i)
    free(g[i].v);
  free(a);
  free(b);
  free(g);
  return bad;
}
