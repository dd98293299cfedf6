/* dsp/engine_impl.h -- private to the engine's own files: struct kt_engine
 * and what they share.  engine.c owns it (creation, parameters, state, the
 * block loop: slice boundaries, MIDI input, output order); decide.c decides
 * a slice (the net's input, the averaging over shifts, the decoder);
 * passthru.c is the melody's pass-through, delayed by the latency.  No
 * other file includes this one. */
#ifndef KT_ENGINE_IMPL_H
#define KT_ENGINE_IMPL_H

#include "clock.h"
#include "decode.h"
#include "engine.h"
#include "melody.h"
#include "out.h"
#include "timing.h"
#include "voices.h"

#include <math.h>

#define KT_HIST 256 /* slices of history kept (power of two) */
#define KT_HMASK (KT_HIST - 1)
#define KT_MAX_EMB 8
#define KT_PT_QUEUE 256
#define KT_AVG_MAX_OUT (KT_NGEN * 130) /* 3 heads of <= 128 pitches + 2 */


/* Buffers for a slice's passes (KT_MAX_BATCH: the shifted passes of
 * repr.shift_avg go through the net together, kt_model_live_logits_batch):
 * pass p's input at idx + p * idx_stride, its logits at logits + p *
 * out_stride (pass 0's are what decide() reads), its scratch at scratch +
 * p * kt_model_scratch_floats. */
struct kt_engine_model {
  kt_model *m;
  float *scratch;
  float *logits;
  int32_t *idx;
  size_t out_stride, idx_stride;
};

typedef struct {
  int64_t due;
  uint8_t d[3];
} kt_pt_event;

struct kt_engine {
  double rate;
  uint32_t max_block;
  float param[KT_NPARAMS];
  float applied[KT_NPARAMS];

  kt_engine_model *emb[KT_MAX_EMB];
  int n_emb;
  kt_engine_model *user;
  kt_engine_model *cur;
  int shift_avg; /* -1: the model's repr.shift_avg */

  kt_clock clock;
  kt_melody mel;
  kt_voices voices;
  kt_rng rng;
  /* Sampling with a sounding-pitch model: the Gumbel noise, drawn anew at
     each melody note (kt_decode_opts.gumbel); n_gumbel = 0: none yet */
  float gumbel[KT_AVG_MAX_OUT];
  int n_gumbel;
  int64_t now; /* absolute frame of the current block's start */

  /* history, indexed by slice count & KT_HMASK */
  int8_t sop[KT_HIST];
  uint8_t son[KT_HIST], svel[KT_HIST], sbp[KT_HIST], sbl[KT_HIST];
  int8_t gen[KT_HIST][KT_NGEN];
  uint8_t gon[KT_HIST][KT_NGEN];
  int8_t heard[KT_HIST][4]; /* decided slices as they sound (kt_slice_view) */
  uint8_t heard_on[KT_HIST];
  int64_t n; /* slices recorded */
  int64_t last_grid; /* grid frame of the last opened slice */
  int64_t opened[KT_HIST]; /* frame each slice opened at */
  int64_t grid_k[KT_HIST]; /* its index on the clock's grid */
  int graced;         /* that slice was decided again for a late note */
  int by_note;        /* that slice was opened by a note-on */
  int open_by_note;   /* a note-on opens the next slice at its frame */
  kt_timing timing;   /* the input's lateness (dsp/timing.h) */
  int64_t struck[KT_NGEN]; /* frame each voice's note started */
  /* the decision cap (KT_DECIDE_GAP_S): the frame of the last decision
     that ran the net, the least gap between two at boundaries, and whether
     the latest opened slice's decision ran it */
  int64_t last_net;
  int64_t net_gap;
  int boundary_net;

  kt_decode_style style;         /* a caller's style terms (style_own) */
  kt_decode_style style_def[2];  /* the shipped ones, L < 2 and L >= 2 */
  kt_decode_style style_light[2]; /* the light ones, L < 2 and L >= 2 */
  int style_own; /* 1: the caller's terms, whatever KT_P_STYLE says */
  unsigned char chord_tab[4096]; /* kt_harmony_style_chord_table */

  kt_harmony_key_tracker key; /* the detected key (key parameter auto) */
  kt_harmony_sig_tracker sig; /* the detected key signature (key_norm 2 models) */
  int chord;

  /* melody pass-through, delayed by the latency */
  kt_pt_event ptq[KT_PT_QUEUE];
  int pt_head, pt_n;
  int64_t pt_last_due;
  uint8_t pt_on[16][16]; /* bitset of passed-through notes sounding */

  kt_engine_state st;
};

/* ---- parameters, read by every file ------------------------------------ */

static inline int iparam(const kt_engine *e, kt_param p)
{
  return (int)e->param[p];
}

static inline void voice_range(const kt_engine *e, int h, int *lo, int *hi)
{
  static const kt_param lop[KT_NGEN] = {KT_P_ALTO_LO, KT_P_TENOR_LO,
                                        KT_P_BASS_LO};
  static const kt_param hip[KT_NGEN] = {KT_P_ALTO_HI, KT_P_TENOR_HI,
                                        KT_P_BASS_HI};
  *lo = iparam(e, lop[h]);
  *hi = iparam(e, hip[h]);
  if (*hi < *lo + 11) /* at least an octave, so folding always lands */
    *hi = *lo + 11;
}

static inline int voice_on(const kt_engine *e, int h)
{
  static const kt_param onp[KT_NGEN] = {KT_P_ALTO_ON, KT_P_TENOR_ON,
                                        KT_P_BASS_ON};
  return iparam(e, KT_P_ENABLED) && iparam(e, onp[h]);
}

static inline int voice_chan(const kt_engine *e, int h)
{
  static const kt_param chp[KT_NGEN] = {KT_P_CH_ALTO, KT_P_CH_TENOR,
                                        KT_P_CH_BASS};
  return iparam(e, chp[h]) - 1;
}

/* The style terms in use for the current model, or NULL. */
static inline const kt_decode_style *style_now(const kt_engine *e) KT_RT
{
  if (e->style_own) return &e->style;
  int l4 = (e->cur ? e->cur->m->repr.lookahead : 0) >= 2;
  switch (iparam(e, KT_P_STYLE)) {
  case 0:
    return NULL;
  case 2:
    return &e->style_def[l4];
  default:
    return &e->style_light[l4];
  }
}

/* The lookahead's listen time, frames (engine.h, KT_LISTEN_S); 0 at L0. */
static inline int64_t engine_listen(const kt_engine *e) KT_RT
{
  int L = e->cur ? e->cur->m->repr.lookahead : 0;
  if (L <= 0) return 0;
  double w = KT_LISTEN_S * e->rate;
  double s = KT_LISTEN_SLICES * kt_clock_frames_per_slice(&e->clock);
  return (int64_t)lround(w < s ? w : s);
}

/* kt_engine_latency and kt_engine_key, for decide.c and passthru.c (which
 * call nothing in engine.c: no circle between the files). */

static inline uint32_t engine_latency(const kt_engine *e) KT_RT
{
  int L = e->cur ? e->cur->m->repr.lookahead : 0;
  double f =
      L * kt_clock_frames_per_slice(&e->clock) + (double)engine_listen(e);
  return f > 0 ? (uint32_t)lround(f) : 0u;
}

static inline int engine_key(const kt_engine *e) KT_RT
{
  int k = iparam(e, KT_P_KEY);
  if (k >= 0)
    return k + 12 * iparam(e, KT_P_MODE);
  return e->key.known ? e->key.tonic + 12 * e->key.minor : -1;
}

/* ---- decide.c ------------------------------------------------------------ */

/* Decide slice d and emit the changes at frame; net 0: the decision cap
 * holds the net back.  Returns 1 if the net ran. */
int kt_decide_slice(kt_engine *e, int64_t d, uint32_t frame, kt_out *out,
                    int net) KT_RT;

/* ---- passthru.c ---------------------------------------------------------- */

/* Out at once, unchanged (well-formed: no doubled note-on, no stray off). */
void kt_pt_emit(kt_engine *e, uint32_t frame, const uint8_t d[3],
                kt_out *out) KT_RT;
/* A melody event: out now, or queued by the latency. */
void kt_pt_send(kt_engine *e, uint32_t frame, const uint8_t d[3],
                kt_out *out) KT_RT;
/* Out what is due before absolute frame until. */
void kt_pt_due(kt_engine *e, int64_t until, kt_out *out) KT_RT;
/* Out everything queued now; and then note-offs of all it let through. */
void kt_pt_flush(kt_engine *e, uint32_t frame, kt_out *out) KT_RT;
void kt_pt_all_off(kt_engine *e, uint32_t frame, kt_out *out) KT_RT;

#endif
