/* nn/encode.h -- the representation the nets see: one definition shared by
 * the trainer, the evaluator and the real-time engine.
 *
 * Every input is one-hot, so an input vector is a short list of active
 * indices and the first layer gathers rows instead of a dense product.
 *
 * Voice tokens (outputs, and fed-back inputs):
 *   0 = hold (the previous note or rest continues)
 *   1 = rest (starts a rest)
 *   2 + (pitch - lo[voice]) = a note of that pitch starts here
 * With repr.tgt_sound (model format >= 5) the heads name instead what the
 * voice sounds at the slice: a pitch token for every slice of a note (its
 * attack and its held slices alike), rest for every slice of a rest; hold
 * is never a target.  The decoder continues the note when the pitch is
 * the one already sounding (kt_decode).  A net then estimates which pitch
 * sounds at slice t, which is what the evaluator scores; with attack
 * tokens, "hold" says nothing about the pitch it continues.
 * Soprano input, per slice: (shi - slo + 2) pitch/rest classes (0 = rest,
 *   1 + pitch - slo) followed by one onset flag: width kt_repr_sop_width().
 * Pitches are key-normalized when repr.key_norm is set: 1 = the tonic moved
 * to C (kt_harmony_key_shift_to_c), 2 = the key signature (diatonic collection,
 * kt_harmony_sig_tracker) moved to C's; out-of-range pitches are folded by octaves.
 *
 * Live layout (arch KT_ARCH_LIVE), in this order:
 *   soprano slices t-W+1 .. t+L (W = window, L = lookahead), oldest first
 *   bar position 0..KT_NPOS-1 (sixteenths since the barline, clamped)
 *   bar length class: 0 = 12, 1 = 16, 2 = 24 (other lengths: nearest)
 *   mode family: 0 major-like, 1 minor-like
 *   key context (repr.key_ctx = 1 only): the running key tracker's tonic
 *     (12 pitch classes + 1 "no note yet"), then for each pitch class its
 *     share of the tracker's decaying melody histogram in KT_KEYCTX_BINS
 *     levels (kt_repr_keyctx_bin): tonal context from the whole melody so far,
 *     longer than the window, without trusting the detected key alone
 *   sounding pitches (repr.sounding = 1 only): for heads alto, tenor, bass
 *     the pitch the voice sounds at slice t-1 (0 = rest, 1 + pitch - lo):
 *     a held note's pitch, which the fed-back tokens lose ("hold") once its
 *     attack is more than K slices back
 *   fed-back tokens: for k = 0..K-1 (slice t-1-k), heads alto, tenor, bass
 *   melody intervals (repr.rel_in = 1 only): for each soprano slice of the
 *   window that sounds, its interval from the pitch at t, -KT_RELIN_SPAN ..
 *   +KT_RELIN_SPAN (clamped; none when t rests)
 * Heads: 0 = alto, 1 = tenor, 2 = bass (kt_repr_head_voice()).
 *
 * Offline (KT_ARCH_FORWARDBACH / FORWARD3BACH): soprano slices 0..W-1 only;
 * heads j*3 + h for slice j (forward3bach: net h has heads j). */
#ifndef KT_ENCODE_H
#define KT_ENCODE_H

#include "harmony.h"
#include "rt.h"
#include "satb.h"

#include <stddef.h>
#include <stdint.h>

enum kt_arch {
  KT_ARCH_LIVE = 1,
  KT_ARCH_FORWARDBACH = 2,
  KT_ARCH_FORWARD3BACH = 3,
  KT_ARCH_CHORD = 4
};

#define KT_NPOS 24
#define KT_NBARLEN 3
#define KT_NHEADS_LIVE 3
#define KT_TOK_HOLD 0
#define KT_TOK_REST 1
#define KT_MAX_WINDOW 128
#define KT_MAX_FEEDBACK 16
#define KT_KEYCTX_BINS 4
#define KT_KEYCTX_WIDTH (13 + 12 * KT_KEYCTX_BINS)
#define KT_MAX_SHIFT_AVG 3
/* repr.rel_out: the distances below the soprano a head scores, in
 * semitones, KT_REL_MIN (a voice above the melody) .. KT_REL_MIN +
 * KT_NREL - 1 */
#define KT_REL_MIN (-8)
#define KT_NREL 48
#define KT_REL_DIST 1 /* repr.rel_out bits: distances below the soprano */
#define KT_REL_PC 2   /*   and pitch classes (the note in any octave) */
/* repr.rel_in: melody intervals from the slice's soprano pitch, clamped to
 * +-KT_RELIN_SPAN semitones */
#define KT_RELIN_SPAN 24

typedef struct {
  int arch;      /* enum kt_arch */
  int window;    /* W: soprano slices up to and including t */
  int lookahead; /* L: soprano slices after t */
  int feedback;  /* K: previous outputs fed back */
  int key_norm;  /* 1: pitches transposed so the tonic is C; 2: so the
                    key signature is C's (no sharps or flats) */
  int lo[KT_NVOICES], hi[KT_NVOICES]; /* pitch ranges, by enum kt_voice */
  int chord_len; /* KT_ARCH_CHORD: slices per segment */
  int key_ctx;   /* live: 1 = key context inputs (model format >= 2) */
  int sounding;  /* live: 1 = sounding-pitch inputs (model format >= 3) */
  int shift_avg; /* live: 0, or N = the engine averages the net over the
                    melody and voices moved by -N..+N semitones (geometric
                    mean of the moved-back probabilities; model format
                    >= 4): for nets trained on such shifts (--augment near) */
  int tgt_sound; /* live: 1 = the heads name the sounding pitch of every
                    slice (see above; model format >= 5) */
  int rel_out;   /* live, tgt_sound: bits.  KT_REL_DIST: each head scores
                    besides its tokens the voice's distance below the
                    soprano sounding at the slice (KT_NREL more outputs),
                    and a pitch's logit is its own plus its distance's
                    (kt_repr_rel_combine): "a third below the melody" is learnt
                    once for every melody pitch.  KT_REL_PC: 12 more, one
                    per pitch class, added to each pitch of the class
                    (model format >= 6) */
  int rel_in;    /* live: 1 = inputs also give each soprano slice of the
                    window as its interval from the soprano pitch at t (the
                    melody's shape, the same in every key; model format
                    >= 6) */
  int quant;     /* live: 1 = the engine runs the nets with int8 weights
                    and activations (nn/q8.h; model format >= 7); the file
                    holds the float weights they are quantized from */
} kt_repr;

/* Head h (0 alto, 1 tenor, 2 bass) -> enum kt_voice. */
static inline int kt_repr_head_voice(int h) { return KT_ALTO - h; }

int kt_repr_valid(const kt_repr *r, char *err, size_t errlen);
int kt_repr_sop_width(const kt_repr *r);
int kt_repr_n_tok(const kt_repr *r, int voice);
int kt_repr_n_inputs(const kt_repr *r);
/* Tokens of the three live heads together: a live net's output width (and
 * one fed-back slice's). */
int kt_repr_n_out_live(const kt_repr *r) KT_RT;
int kt_repr_max_active(const kt_repr *r);
/* A net's outputs for head voice: kt_repr_n_tok, then KT_NREL distances
 * (rel_out & KT_REL_DIST), then 12 pitch classes (rel_out & KT_REL_PC). */
int kt_repr_n_head(const kt_repr *r, int voice) KT_RT;
/* The most outputs the three live heads of one net can have (ranges within
 * MIDI 0..127: at most 130 tokens per head, plus the relative terms). */
#define KT_LIVE_MAX_RAW (3 * (130 + KT_NREL + 12))
/* Where token j of head voice takes its extra terms from among the net's
 * outputs for the head (at most 2, written to at); returns how many. */
int kt_repr_rel_terms(const kt_repr *r, int voice, int ref, int j, int *at) KT_RT;
/* The token logits of head voice from its net outputs raw
 * (kt_repr_n_head floats) into out (kt_repr_n_tok floats): a copy, and
 * with rel_out each pitch token's logit plus its terms (kt_repr_rel_terms): its
 * distance below ref, the soprano pitch sounding at the slice (as encoded:
 * moved and folded; KT_REST: no distance term), and its pitch class. */
void kt_repr_rel_combine(const kt_repr *r, int voice, int ref, const float *raw,
                    float *out) KT_RT;

/* Fold pitch into [lo, hi] by octaves (rests unchanged). */
int kt_repr_fold_pitch(int pitch, int lo, int hi) KT_RT;
/* Token of a voice slice; pitch folded into range. */
int kt_repr_tok_from_slice(const kt_repr *r, int voice, int pitch, int onset) KT_RT;
/* Pitch of a token: >= 0 pitch, KT_REST for rest, -2 for hold. */
int kt_repr_tok_pitch(const kt_repr *r, int voice, int tok) KT_RT;

typedef struct {
  const int8_t *sop_pitch;  /* W + L entries, oldest first (normalized) */
  const uint8_t *sop_onset; /* W + L entries */
  int bar_pos, bar_len;     /* sixteenths */
  int mode_family;          /* 0 / 1 */
  const uint8_t *fb_tok;    /* K * 3: fb_tok[k * 3 + h], k = 0 is t-1 */
  const kt_harmony_key_tracker *key; /* repr.key_ctx: the melody's key tracker
                                (NULL = nothing heard yet) */
  const int8_t *sounding;    /* repr.sounding: 3 pitches (normalized, or
                                KT_REST), by head, at slice t-1 */
  int key_rot;               /* repr.key_ctx: semitones the melody is moved
                                by beyond what the tracker heard (the
                                engine's shift_avg passes); its tonic and
                                histogram are moved with it */
} kt_repr_live_ctx;

/* Level 0..KT_KEYCTX_BINS-1 of one pitch class's histogram weight w
 * relative to the largest weight wmax. */
int kt_repr_keyctx_bin(float w, float wmax) KT_RT;

/* Writes the active input indices, returns how many (<= max_active). */
int kt_repr_encode_live(const kt_repr *r, const kt_repr_live_ctx *c, int32_t *idx) KT_RT;
/* The soprano inputs of n slices (kt_repr_sop_width each, slice s at
 * s * width) appended at idx[k..]: returns the new count. */
int kt_repr_encode_sop(const kt_repr *r, const int8_t *p, const uint8_t *on, int n,
                  int32_t *idx, int k) KT_RT;
/* Offline window of r->window soprano slices starting at slice 0
 * (nn/offline.c: tools and trainer only). */
int kt_repr_encode_window(const kt_repr *r, const int8_t *sop_pitch,
                     const uint8_t *sop_onset, int32_t *idx);

#endif
