/* tests/nn/test_encode.c -- the representation: token <-> pitch round
 * trips, folding, index bounds and counts, repr validation. */
#include "encode.h"
#include "../check.h"

#include <stdint.h>
#include <string.h>

static uint64_t rng = 12345;
static int rnd(int n)
{
  uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (int)((z ^ (z >> 31)) % (uint64_t)n);
}

static kt_repr live_repr(int W, int L, int K)
{
  kt_repr r;
  memset(&r, 0, sizeof r);
  r.arch = KT_ARCH_LIVE;
  r.window = W;
  r.lookahead = L;
  r.feedback = K;
  r.key_norm = 1;
  int lo[4] = {36, 45, 53, 58}, hi[4] = {64, 69, 74, 81};
  memcpy(r.lo, lo, sizeof lo);
  memcpy(r.hi, hi, sizeof hi);
  return r;
}

int main(void)
{
  char err[256];
  kt_repr r = live_repr(16, 4, 4);
  CHECK(kt_repr_valid(&r, err, sizeof err), "%s", err);

  /* token <-> pitch for every voice and pitch in range */
  for (int v = 0; v < KT_NVOICES; ++v) {
    CHECK(kt_repr_n_tok(&r, v) == r.hi[v] - r.lo[v] + 3, "n_tok voice %d", v);
    for (int p = r.lo[v]; p <= r.hi[v]; ++p) {
      int t = kt_repr_tok_from_slice(&r, v, p, 1);
      CHECK(t >= 2 && t < kt_repr_n_tok(&r, v), "token %d", t);
      CHECK(kt_repr_tok_pitch(&r, v, t) == p, "round trip %d -> %d -> %d", p, t,
            kt_repr_tok_pitch(&r, v, t));
    }
    CHECK(kt_repr_tok_from_slice(&r, v, 60, 0) == KT_TOK_HOLD, "hold");
    CHECK(kt_repr_tok_from_slice(&r, v, KT_REST, 1) == KT_TOK_REST, "rest");
    CHECK(kt_repr_tok_pitch(&r, v, KT_TOK_REST) == KT_REST, "rest pitch");
    CHECK(kt_repr_tok_pitch(&r, v, KT_TOK_HOLD) == -2, "hold pitch");
    CHECK(kt_repr_tok_pitch(&r, v, kt_repr_n_tok(&r, v)) == -2, "bad token");
  }
  /* folding: by octaves into the range, same pitch class */
  for (int p = 0; p < 128; ++p) {
    int f = kt_repr_fold_pitch(p, 53, 74);
    CHECK(f >= 53 && f <= 74 && (f - p) % 12 == 0, "fold %d -> %d", p, f);
    if (p >= 53 && p <= 74)
      CHECK(f == p, "in-range pitch %d moved to %d", p, f);
  }
  CHECK(kt_repr_fold_pitch(KT_REST, 53, 74) == KT_REST, "rest unchanged");
  CHECK(kt_repr_tok_from_slice(&r, KT_ALTO, 90, 1) ==
            kt_repr_tok_from_slice(&r, KT_ALTO, kt_repr_fold_pitch(90, 53, 74), 1),
        "out-of-range folded");

  /* random live contexts: indices in bounds, increasing, count bounded */
  int cfg[][5] = {{16, 0, 4, 0, 0}, {16, 4, 4, 0, 0}, {1, 0, 0, 0, 0},
                  {8, 8, 16, 0, 0}, {32, 2, 1, 0, 0},  {16, 0, 8, 1, 0},
                  {1, 0, 0, 1, 0},  {16, 4, 4, 0, 1},  {1, 0, 0, 1, 1}};
  for (unsigned c = 0; c < sizeof cfg / sizeof cfg[0]; ++c) {
    kt_repr q = live_repr(cfg[c][0], cfg[c][1], cfg[c][2]);
    q.key_ctx = cfg[c][3];
    q.sounding = cfg[c][4];
    CHECK(kt_repr_valid(&q, err, sizeof err), "%s", err);
    int n = q.window + q.lookahead, ni = kt_repr_n_inputs(&q);
    int ma = kt_repr_max_active(&q);
    for (int it = 0; it < 2000; ++it) {
      int8_t sp[KT_MAX_WINDOW];
      uint8_t so[KT_MAX_WINDOW], fb[KT_MAX_FEEDBACK * 3];
      for (int j = 0; j < n; ++j) {
        sp[j] = (int8_t)(rnd(5) == 0 ? KT_REST : rnd(128));
        so[j] = (uint8_t)rnd(2);
      }
      for (int k = 0; k < q.feedback * 3; ++k)
        fb[k] = (uint8_t)rnd(kt_repr_n_tok(&q, kt_repr_head_voice(k % 3)) + 2);
      /* a key tracker that heard some random melody (or nothing) */
      kt_harmony_key_tracker kt;
      kt_harmony_key_tracker_reset(&kt);
      for (int j = rnd(3) ? rnd(200) : 0; j > 0; --j)
        kt_harmony_key_tracker_push(&kt, rnd(6) == 0 ? KT_REST : 48 + rnd(36));
      int8_t snd[3];
      for (int h = 0; h < 3; ++h)
        snd[h] = (int8_t)(rnd(5) == 0 ? KT_REST : rnd(128));
      kt_repr_live_ctx ctx = {sp,     so, rnd(40) - 5,          12 + 4 * rnd(4),
                         rnd(2), fb, rnd(4) ? &kt : NULL, rnd(4) ? snd : NULL,
                         rnd(24) - 12};
      int32_t idx[2 * KT_MAX_WINDOW + 3 + 13 + 3 + 3 * KT_MAX_FEEDBACK];
      int k = kt_repr_encode_live(&q, &ctx, idx);
      int want =
          n + 3 + (q.key_ctx ? 13 : 0) + (q.sounding ? 3 : 0) + 3 * q.feedback;
      CHECK(k >= want && k <= ma, "count %d of %d", k, ma);
      for (int i = 0; i < k; ++i) {
        CHECK(idx[i] >= 0 && idx[i] < ni, "index %d of %d", idx[i], ni);
        if (i) CHECK(idx[i] > idx[i - 1], "indices not increasing at %d", i);
      }
    }
  }
  /* key context: the tracker's tonic and histogram levels are where the
   * layout says, "nothing heard" has its own tonic class */
  {
    kt_repr q = live_repr(16, 0, 0);
    q.key_ctx = 1;
    int base = 16 * kt_repr_sop_width(&q) + KT_NPOS + KT_NBARLEN + 2;
    CHECK(kt_repr_n_inputs(&q) == base + KT_KEYCTX_WIDTH, "key ctx width");
    int8_t sp[16];
    uint8_t so[16] = {0};
    for (int j = 0; j < 16; ++j)
      sp[j] = KT_REST;
    kt_harmony_key_tracker kt;
    kt_harmony_key_tracker_reset(&kt);
    int32_t idx[64];
    kt_repr_live_ctx ctx = {sp, so, 0, 16, 0, NULL, &kt, NULL, 0};
    int k = kt_repr_encode_live(&q, &ctx, idx);
    CHECK(k == 16 + 3 + 13, "count %d", k);
    CHECK(idx[19] == base + 12, "unknown tonic class");
    for (int i = 0; i < 12; ++i)
      CHECK(idx[20 + i] == base + 13 + i * KT_KEYCTX_BINS, "empty histogram");
    static const int gmaj[] = {67, 71, 74, 67, 66, 67, 69, 71, 72, 74};
    for (int rep = 0; rep < 20; ++rep)
      for (int j = 0; j < 10; ++j)
        kt_harmony_key_tracker_push(&kt, gmaj[j]);
    k = kt_repr_encode_live(&q, &ctx, idx);
    CHECK(idx[19] == base + 7, "tonic G, got class %d", idx[19] - base);
    CHECK(idx[20 + 7] == base + 13 + 7 * KT_KEYCTX_BINS + 3, "G is the top");
    CHECK(idx[20 + 1] == base + 13 + 1 * KT_KEYCTX_BINS, "C# absent");
    ctx.key_rot = -3; /* the melody moved down a minor third: E major's
                         collection, the tonic E, A# (was C#) absent */
    k = kt_repr_encode_live(&q, &ctx, idx);
    CHECK(idx[19] == base + 4, "moved tonic: class %d", idx[19] - base);
    CHECK(idx[20 + 4] == base + 13 + 4 * KT_KEYCTX_BINS + 3 &&
              idx[20 + 10] == base + 13 + 10 * KT_KEYCTX_BINS,
          "moved histogram");
    ctx.key_rot = 0;
    CHECK(kt_repr_keyctx_bin(1, 0) == 0 && kt_repr_keyctx_bin(0.0f / 0.0f, 1) == 0,
          "degenerate histograms");
    kt_repr b = q;
    b.key_ctx = 2;
    CHECK(!kt_repr_valid(&b, err, sizeof err), "key_ctx 2");
    b = q;
    b.arch = KT_ARCH_FORWARDBACH;
    CHECK(!kt_repr_valid(&b, err, sizeof err), "key_ctx offline");
  }
  /* melody intervals (rel_in): after everything else, one class per
     sounding window slice, its interval from the soprano at t (the last
     window slice, before the lookahead), clamped to +-KT_RELIN_SPAN;
     nothing when t rests.  rel_out adds no inputs, widens the heads. */
  {
    kt_repr q = live_repr(3, 1, 1);
    kt_repr q0 = q;
    q.rel_in = 1;
    const int span = 2 * KT_RELIN_SPAN + 1;
    CHECK(kt_repr_valid(&q, err, sizeof err), "rel_in: %s", err);
    CHECK(kt_repr_n_inputs(&q) == kt_repr_n_inputs(&q0) + 4 * span,
          "rel_in width");
    CHECK(kt_repr_max_active(&q) == kt_repr_max_active(&q0) + 4,
          "rel_in active");
    int base = kt_repr_n_inputs(&q0);
    int8_t sp[4] = {60, KT_REST, 67, 79}; /* t is slice 2, G4 */
    uint8_t so[4] = {1, 0, 1, 1}, fb[3] = {0, 0, 0};
    kt_repr_live_ctx ctx = {sp, so, 0, 16, 0, fb, NULL, NULL, 0};
    int32_t idx[64], i0[64];
    int k = kt_repr_encode_live(&q, &ctx, idx);
    int k0 = kt_repr_encode_live(&q0, &ctx, i0);
    CHECK(k == k0 + 3 && !memcmp(idx, i0, sizeof(int32_t) * (size_t)k0),
          "rel_in: %d indices after the %d of the plain layout", k - k0, k0);
    CHECK(idx[k0] == base + 0 * span + KT_RELIN_SPAN - 7, "C4: a fifth below");
    CHECK(idx[k0 + 1] == base + 2 * span + KT_RELIN_SPAN, "t: unison");
    CHECK(idx[k0 + 2] == base + 3 * span + KT_RELIN_SPAN + 12,
          "lookahead: an octave above");
    sp[2] = KT_REST;
    CHECK(kt_repr_encode_live(&q, &ctx, idx) == kt_repr_encode_live(&q0, &ctx, i0),
          "t rests: no intervals");
    kt_repr b = q;
    b.rel_in = 2;
    CHECK(!kt_repr_valid(&b, err, sizeof err), "rel_in 2");
    b = q0;
    b.rel_out = KT_REL_DIST;
    CHECK(!kt_repr_valid(&b, err, sizeof err) && strstr(err, "tgt_sound"),
          "rel_out needs tgt_sound");
    b.tgt_sound = 1;
    CHECK(kt_repr_valid(&b, err, sizeof err) &&
              kt_repr_n_inputs(&b) == kt_repr_n_inputs(&q0) &&
              kt_repr_n_head(&b, KT_BASS) ==
                  kt_repr_n_tok(&b, KT_BASS) + KT_NREL,
          "rel_out: %s", err);
    b.rel_out = 4;
    CHECK(!kt_repr_valid(&b, err, sizeof err), "rel_out 4");
  }
  /* sounding pitches: one class per head after the bar inputs, rest = 0,
   * pitches folded into the voice's range, before the fed-back tokens */
  {
    kt_repr q = live_repr(4, 0, 1);
    q.sounding = 1;
    int base = 4 * kt_repr_sop_width(&q) + KT_NPOS + KT_NBARLEN + 2;
    int wa = kt_repr_n_tok(&q, KT_ALTO) - 1, wt = kt_repr_n_tok(&q, KT_TENOR) - 1;
    int wb = kt_repr_n_tok(&q, KT_BASS) - 1;
    kt_repr q0 = q;
    q0.sounding = 0;
    CHECK(kt_repr_n_inputs(&q) == kt_repr_n_inputs(&q0) + wa + wt + wb,
          "sounding width");
    int8_t sp[4] = {KT_REST, KT_REST, KT_REST, KT_REST};
    uint8_t so[4] = {0}, fb[3] = {KT_TOK_HOLD, KT_TOK_HOLD, KT_TOK_HOLD};
    int lo_a = q.lo[KT_ALTO], lo_b = q.lo[KT_BASS];
    int8_t snd[3] = {(int8_t)(lo_a + 3), KT_REST, (int8_t)(lo_b + 12 + 24)};
    kt_repr_live_ctx ctx = {sp, so, 0, 16, 0, fb, NULL, snd, 0};
    int32_t idx[32];
    int k = kt_repr_encode_live(&q, &ctx, idx);
    CHECK(k == 4 + 3 + 3 + 3, "count %d", k);
    int hi_b = q.hi[KT_BASS];
    int fold_b = kt_repr_fold_pitch(lo_b + 36, lo_b, hi_b);
    CHECK(idx[7] == base + 1 + 3, "alto's sounding pitch");
    CHECK(idx[8] == base + wa, "tenor rests");
    CHECK(idx[9] == base + wa + wt + 1 + fold_b - lo_b, "bass folded");
    CHECK(idx[10] == base + wa + wt + wb + KT_TOK_HOLD, "fed-back tokens after");
    ctx.sounding = NULL; /* nothing given: every voice rests */
    k = kt_repr_encode_live(&q, &ctx, idx);
    CHECK(idx[7] == base && idx[8] == base + wa && idx[9] == base + wa + wt,
          "no sounding pitches: rests");
    kt_repr b = q;
    b.sounding = 2;
    CHECK(!kt_repr_valid(&b, err, sizeof err), "sounding 2");
    b = q;
    b.arch = KT_ARCH_FORWARDBACH;
    b.feedback = 0;
    CHECK(!kt_repr_valid(&b, err, sizeof err), "sounding offline");
    /* averaging over moved melodies: live only, 0..KT_MAX_SHIFT_AVG, and
       not with the key tracker's inputs (which it does not move); it adds
       no inputs */
    b = q;
    b.shift_avg = KT_MAX_SHIFT_AVG;
    CHECK(kt_repr_valid(&b, err, sizeof err) &&
              kt_repr_n_inputs(&b) == kt_repr_n_inputs(&q),
          "shift_avg: %s", err);
    b.shift_avg = KT_MAX_SHIFT_AVG + 1;
    CHECK(!kt_repr_valid(&b, err, sizeof err), "shift_avg too big");
    b.shift_avg = -1;
    CHECK(!kt_repr_valid(&b, err, sizeof err), "shift_avg negative");
    b = q;
    b.shift_avg = 2;
    b.key_ctx = 1; /* the key inputs move with the melody (key_rot) */
    CHECK(kt_repr_valid(&b, err, sizeof err), "shift_avg with key_ctx: %s",
          err);
    b = q;
    b.shift_avg = 2;
    b.arch = KT_ARCH_FORWARDBACH;
    b.feedback = 0;
    b.sounding = 0;
    CHECK(!kt_repr_valid(&b, err, sizeof err) && strstr(err, "shift_avg"),
          "shift_avg offline"); /* heads naming the sounding pitch: live only, 0
                                   or 1, no new inputs */
    b = q;
    b.tgt_sound = 1;
    CHECK(kt_repr_valid(&b, err, sizeof err) &&
              kt_repr_n_inputs(&b) == kt_repr_n_inputs(&q) &&
              kt_repr_n_tok(&b, KT_ALTO) == kt_repr_n_tok(&q, KT_ALTO),
          "tgt_sound: %s", err);
    b.tgt_sound = 2;
    CHECK(!kt_repr_valid(&b, err, sizeof err), "tgt_sound 2");
    b.tgt_sound = 1;
    b.arch = KT_ARCH_FORWARDBACH;
    b.feedback = 0;
    b.sounding = 0;
    CHECK(!kt_repr_valid(&b, err, sizeof err) && strstr(err, "tgt_sound"),
          "tgt_sound offline");
  }
  /* offline window */
  kt_repr o = r;
  o.arch = KT_ARCH_FORWARDBACH;
  o.window = 64;
  o.lookahead = o.feedback = 0;
  CHECK(kt_repr_valid(&o, err, sizeof err), "%s", err);
  int8_t sp[64];
  uint8_t so[64];
  for (int j = 0; j < 64; ++j) {
    sp[j] = (int8_t)(60 + j % 12);
    so[j] = (uint8_t)(j % 2);
  }
  int32_t idx[128];
  int k = kt_repr_encode_window(&o, sp, so, idx);
  CHECK(k == 64 + 32 && k <= kt_repr_max_active(&o), "window count %d", k);
  for (int i = 0; i < k; ++i)
    CHECK(idx[i] >= 0 && idx[i] < kt_repr_n_inputs(&o), "window idx");

  /* validation rejects nonsense */
  kt_repr b = r;
  b.window = 0;
  CHECK(!kt_repr_valid(&b, err, sizeof err) && err[0], "window 0");
  b = r;
  b.feedback = KT_MAX_FEEDBACK + 1;
  CHECK(!kt_repr_valid(&b, err, sizeof err), "feedback too big");
  b = r;
  b.lo[KT_ALTO] = 80;
  CHECK(!kt_repr_valid(&b, err, sizeof err), "lo > hi");
  b = r;
  b.arch = 9;
  CHECK(!kt_repr_valid(&b, err, sizeof err), "arch");
  b = o;
  b.lookahead = 2;
  CHECK(!kt_repr_valid(&b, err, sizeof err), "offline with lookahead");
  DONE();
}
