/* nn/harmony.c -- chord labels (pitch-class set templates) and
 * Krumhansl-Kessler key finding.  Pure arithmetic, KT_RT-safe. */
#include "harmony.h"

#include <math.h>
#include <stdio.h>

typedef struct {
  unsigned mask; /* pitch classes relative to the root */
  int quality;
} tmpl;

#define B(x) (1u << (x))
/* Complete chords first, then incomplete ones (root + third [+ seventh]). */
static const tmpl k_tmpl[] = {
    {B(0) | B(4) | B(7) | B(10), KT_Q_DOM7},
    {B(0) | B(4) | B(7) | B(11), KT_Q_MAJ7},
    {B(0) | B(3) | B(7) | B(10), KT_Q_MIN7},
    {B(0) | B(3) | B(6) | B(10), KT_Q_HDIM7},
    {B(0) | B(3) | B(6) | B(9), KT_Q_DIM7},
    {B(0) | B(4) | B(7), KT_Q_MAJ},
    {B(0) | B(3) | B(7), KT_Q_MIN},
    {B(0) | B(3) | B(6), KT_Q_DIM},
    {B(0) | B(4) | B(8), KT_Q_AUG},
    /* sevenths without their fifth */
    {B(0) | B(4) | B(10), KT_Q_DOM7},
    {B(0) | B(4) | B(11), KT_Q_MAJ7},
    {B(0) | B(3) | B(10), KT_Q_MIN7},
    /* root + third */
    {B(0) | B(4), KT_Q_MAJ},
    {B(0) | B(3), KT_Q_MIN},
};
#undef B

static unsigned rot_to_root(unsigned mask, int root)
{
  /* pitch classes relative to root */
  unsigned m = (mask >> root) | (mask << (12 - root));
  return m & 0xfffu;
}

int kt_harmony_chord_label(const int *pitches, int n, int *root, int *quality)
{
  unsigned mask = 0;
  int bass = -1;
  for (int i = 0; i < n; ++i) {
    if (pitches[i] < 0) continue;
    mask |= 1u << (pitches[i] % 12);
    if (bass < 0 || pitches[i] < bass) bass = pitches[i];
  }
  if (root) *root = -1;
  if (quality) *quality = KT_Q_NONE;
  if (!mask) return 0;
  int bass_pc = bass % 12;
  for (unsigned t = 0; t < sizeof k_tmpl / sizeof k_tmpl[0]; ++t) {
    int found = -1;
    /* symmetric chords (aug, dim7) match several roots: prefer the bass */
    for (int i = 0; i < 12; ++i) {
      int r = (bass_pc + i) % 12;
      if (rot_to_root(mask, r) == k_tmpl[t].mask) {
        found = r;
        break;
      }
    }
    if (found >= 0) {
      if (root) *root = found;
      if (quality) *quality = k_tmpl[t].quality;
      return 1 + found * (KT_NQUALITIES - 1) + (k_tmpl[t].quality - 1);
    }
  }
  return 0;
}

/* style.py's TRIADS as pitch-class masks over the root, by quality. */
static const unsigned templates[KT_SQ_N] = {
    [KT_SQ_AUG] = (1u << 0) | (1u << 4) | (1u << 8),
    [KT_SQ_DIM] = (1u << 0) | (1u << 3) | (1u << 6),
    [KT_SQ_DIM7] = (1u << 0) | (1u << 3) | (1u << 6) | (1u << 9),
    [KT_SQ_DOM7] = (1u << 0) | (1u << 4) | (1u << 7) | (1u << 10),
    [KT_SQ_HDIM7] = (1u << 0) | (1u << 3) | (1u << 6) | (1u << 10),
    [KT_SQ_MAJ] = (1u << 0) | (1u << 4) | (1u << 7),
    [KT_SQ_MAJ7] = (1u << 0) | (1u << 4) | (1u << 7) | (1u << 11),
    [KT_SQ_MIN] = (1u << 0) | (1u << 3) | (1u << 7),
    [KT_SQ_MIN7] = (1u << 0) | (1u << 3) | (1u << 7) | (1u << 10),
};

static int popcount12(unsigned x) KT_RT
{
  int n = 0;
  for (int i = 0; i < 12; ++i)
    n += (x >> i) & 1u;
  return n;
}

int kt_harmony_style_chord(unsigned pcs, int *root) KT_RT
{
  pcs &= 0xfffu;
  int n = popcount12(pcs);
  int best_miss = 99, best_root = -1, best_q = KT_SQ_NONE;
  for (int r = 0; r < 12; ++r) {
    /* bit k of rel = pitch class r + k present */
    unsigned rel = ((pcs >> r) | (pcs << (12 - r))) & 0xfffu;
    if (!(rel & 1u)) continue;
    for (int q = 0; q < KT_SQ_N; ++q) {
      int nt = popcount12(templates[q]);
      if ((rel & ~templates[q]) || n < (nt < 3 ? nt : 3)) continue;
      int miss = nt - n;
      /* (missing, root, name): r ascends, q ascends alphabetically, so
       * only a strictly smaller miss replaces the best */
      if (miss < best_miss) {
        best_miss = miss;
        best_root = r;
        best_q = q;
      }
    }
  }
  if (root) *root = best_root;
  return best_q;
}

void kt_harmony_style_chord_table(unsigned char tab[4096])
{
  for (unsigned pcs = 0; pcs < 4096; ++pcs) {
    int root, q = kt_harmony_style_chord(pcs, &root);
    tab[pcs] = q < 0 ? 0 : (unsigned char)((q + 1) | root << 4);
  }
}

static const char *const pc_up[12] = {"C",  "C#", "D",  "Eb", "E",  "F",
                                      "F#", "G",  "Ab", "A",  "Bb", "B"};
static const char *const pc_lo[12] = {"c",  "c#", "d",  "eb", "e",  "f",
                                      "f#", "g",  "ab", "a",  "bb", "b"};

void kt_harmony_key_name(int key, char *buf, int buflen)
{
  if (!buf || buflen <= 0) return;
  if (key < 0 || key >= 24)
    snprintf(buf, (size_t)buflen, "?");
  else
    snprintf(buf, (size_t)buflen, "%s %s", pc_up[key % 12],
             key < 12 ? "major" : "minor");
}

void kt_harmony_chord_name(int chord_class, char *buf, int buflen)
{
  if (!buf || buflen <= 0) return;
  if (chord_class <= 0 || chord_class >= KT_NCHORDS) {
    snprintf(buf, (size_t)buflen, "-");
    return;
  }
  int root = (chord_class - 1) / (KT_NQUALITIES - 1);
  int q = (chord_class - 1) % (KT_NQUALITIES - 1) + 1;
  const char *n = pc_up[root], *suf = "";
  switch (q) {
  case KT_Q_MAJ:
    break;
  case KT_Q_MIN:
    n = pc_lo[root];
    break;
  case KT_Q_DIM:
    n = pc_lo[root];
    suf = "dim";
    break;
  case KT_Q_AUG:
    suf = "+";
    break;
  case KT_Q_DOM7:
    suf = "7";
    break;
  case KT_Q_MAJ7:
    suf = "M7";
    break;
  case KT_Q_MIN7:
    n = pc_lo[root];
    suf = "m7";
    break;
  case KT_Q_HDIM7:
    n = pc_lo[root];
    suf = "m7b5";
    break;
  case KT_Q_DIM7:
    n = pc_lo[root];
    suf = "dim7";
    break;
  default:
    break;
  }
  snprintf(buf, (size_t)buflen, "%s%s", n, suf);
}

static const float k_major[12] = {6.35f, 2.23f, 3.48f, 2.33f, 4.38f, 4.09f,
                                  2.52f, 5.19f, 2.39f, 3.66f, 2.29f, 2.88f};
static const float k_minor[12] = {6.33f, 2.68f, 3.52f, 5.38f, 2.60f, 3.53f,
                                  2.54f, 4.75f, 3.98f, 2.69f, 3.34f, 3.17f};

static float corr(const float hist[12], const float prof[12], int tonic)
{
  float mh = 0, mp = 0;
  for (int i = 0; i < 12; ++i) {
    mh += hist[i];
    mp += prof[i];
  }
  mh /= 12;
  mp /= 12;
  float sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < 12; ++i) {
    float x = hist[(i + tonic) % 12] - mh, y = prof[i] - mp;
    sxy += x * y;
    sxx += x * x;
    syy += y * y;
  }
  if (sxx <= 0 || syy <= 0) return -2;
  return sxy / sqrtf(sxx * syy);
}

int kt_harmony_key_find(const float hist[12], int *minor)
{
  int best = 0, best_minor = 0;
  float bc = -3;
  for (int t = 0; t < 12; ++t) {
    float c = corr(hist, k_major, t);
    if (c > bc) {
      bc = c;
      best = t;
      best_minor = 0;
    }
    c = corr(hist, k_minor, t);
    if (c > bc) {
      bc = c;
      best = t;
      best_minor = 1;
    }
  }
  if (minor) *minor = best_minor;
  return best;
}

int kt_harmony_key_shift_to_c(int tonic) KT_RT
{
  int s = ((-tonic) % 12 + 12) % 12;
  return s > 5 ? s - 12 : s;
}

void kt_harmony_key_tracker_reset(kt_harmony_key_tracker *k) KT_RT
{
  for (int i = 0; i < 12; ++i)
    k->pc[i] = 0.0f;
  k->known = k->tonic = k->minor = 0;
  k->cand = -1;
  k->cand_n = 0;
}

/* The hysteresis both trackers share: the value in use (cur) gives way to
 * c once c has won `need` slices in a row.  Returns the value in use. */
static int switch_after(int cur, int c, int *cand, int *cand_n, int need) KT_RT
{
  if (c == cur) {
    *cand = -1;
    *cand_n = 0;
    return cur;
  }
  if (c != *cand) {
    *cand = c;
    *cand_n = 1;
    return cur;
  }
  if (++*cand_n < need) return cur;
  *cand = -1;
  *cand_n = 0;
  return c;
}

void kt_harmony_key_tracker_push(kt_harmony_key_tracker *k, int pitch) KT_RT
{
  if (pitch < 0) return;
  for (int i = 0; i < 12; ++i)
    k->pc[i] *= KT_KEY_DECAY;
  k->pc[pitch % 12] += 1.0f;
  int minor = 0;
  int tonic = kt_harmony_key_find(k->pc, &minor);
  int key = tonic + 12 * minor;
  if (k->known)
    key = switch_after(k->tonic + 12 * k->minor, key, &k->cand, &k->cand_n,
                       KT_KEY_SWITCH);
  k->known = 1;
  k->tonic = key % 12;
  k->minor = key / 12;
}

int kt_harmony_sig_find(const float hist[12]) KT_RT
{
  /* weight of each degree above the collection's major tonic */
  static const float w[12] = {1.6f,  -1.0f, 1.0f,  -1.0f, 1.6f,  1.0f,
                              -1.0f, 1.6f,  -1.0f, 1.6f,  -1.0f, 1.0f};
  int best = 0;
  float bs = 0;
  for (int r = 0; r < 12; ++r) {
    float s = 0;
    for (int i = 0; i < 12; ++i)
      s += hist[(i + r) % 12] * w[i];
    if (r == 0 || s > bs) {
      bs = s;
      best = r;
    }
  }
  return best;
}

int kt_harmony_sig_of_key(int tonic, int minor) KT_RT
{
  return ((tonic + (minor ? 3 : 0)) % 12 + 12) % 12;
}

void kt_harmony_sig_tracker_reset(kt_harmony_sig_tracker *k) KT_RT
{
  for (int i = 0; i < 12; ++i)
    k->pc[i] = 0.0f;
  k->known = k->sig = 0;
  k->cand = -1;
  k->cand_n = 0;
}

void kt_harmony_sig_tracker_push(kt_harmony_sig_tracker *k, int pitch) KT_RT
{
  if (pitch < 0) return;
  for (int i = 0; i < 12; ++i)
    k->pc[i] *= KT_SIG_DECAY;
  k->pc[pitch % 12] += 1.0f;
  int c = kt_harmony_sig_find(k->pc);
  k->sig = k->known
               ? switch_after(k->sig, c, &k->cand, &k->cand_n, KT_SIG_SWITCH)
               : c;
  k->known = 1;
}
