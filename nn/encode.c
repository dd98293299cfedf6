/* nn/encode.c -- the one-hot representation (see encode.h).
 *
 * Padding convention (trainer and engine agree): soprano slices before the
 * first or after the last slice are KT_REST with onset 0; fed-back tokens
 * before the first slice are KT_TOK_HOLD (kt_repr_tok_from_slice(r, v, KT_REST,
 * 0), as dsp/engine.c does). */
#include "encode.h"

#include <stdio.h>

static int sop_classes(const kt_repr *r)
{
  return r->hi[KT_SOPRANO] - r->lo[KT_SOPRANO] + 2;
}

int kt_repr_sop_width(const kt_repr *r)
{
  return sop_classes(r) + 1;
}

int kt_repr_n_tok(const kt_repr *r, int voice)
{
  return r->hi[voice] - r->lo[voice] + 3;
}

/* Sounding-pitch classes of head h: rest + the voice's range. */
static int sounding_width(const kt_repr *r, int h)
{
  return kt_repr_n_tok(r, kt_repr_head_voice(h)) - 1;
}

static int sounding_total(const kt_repr *r)
{
  int w = 0;
  for (int h = 0; h < KT_NHEADS_LIVE; ++h)
    w += sounding_width(r, h);
  return w;
}

int kt_repr_n_out_live(const kt_repr *r) KT_RT
{
  int w = 0;
  for (int h = 0; h < KT_NHEADS_LIVE; ++h)
    w += kt_repr_n_tok(r, kt_repr_head_voice(h));
  return w;
}

int kt_repr_n_head(const kt_repr *r, int voice) KT_RT
{
  return kt_repr_n_tok(r, voice) + (r->rel_out & KT_REL_DIST ? KT_NREL : 0) +
         (r->rel_out & KT_REL_PC ? 12 : 0);
}

int kt_repr_rel_terms(const kt_repr *r, int voice, int ref, int j, int *at) KT_RT
{
  int nt = kt_repr_n_tok(r, voice), n = 0, base = nt;
  if (j < 2 || j >= nt) return 0;
  int p = r->lo[voice] + j - 2;
  if (r->rel_out & KT_REL_DIST) {
    int i = ref - p - KT_REL_MIN;
    if (ref >= 0 && i >= 0 && i < KT_NREL) at[n++] = base + i;
    base += KT_NREL;
  }
  if (r->rel_out & KT_REL_PC) at[n++] = base + p % 12;
  return n;
}

void kt_repr_rel_combine(const kt_repr *r, int voice, int ref, const float *raw,
                    float *out) KT_RT
{
  int nt = kt_repr_n_tok(r, voice);
  for (int j = 0; j < nt; ++j) {
    int at[2], n = kt_repr_rel_terms(r, voice, ref, j, at);
    out[j] = raw[j];
    for (int k = 0; k < n; ++k)
      out[j] += raw[at[k]];
  }
}

int kt_repr_n_inputs(const kt_repr *r)
{
  switch (r->arch) {
  case KT_ARCH_LIVE:
    return (r->window + r->lookahead) * kt_repr_sop_width(r) + KT_NPOS +
           KT_NBARLEN + 2 + (r->key_ctx ? KT_KEYCTX_WIDTH : 0) +
           (r->sounding ? sounding_total(r) : 0) +
           r->feedback * kt_repr_n_out_live(r) +
           (r->rel_in ? (r->window + r->lookahead) * (2 * KT_RELIN_SPAN + 1)
                      : 0);
  case KT_ARCH_FORWARDBACH:
  case KT_ARCH_FORWARD3BACH:
  case KT_ARCH_CHORD:
    return r->window * kt_repr_sop_width(r);
  default:
    return 0;
  }
}

int kt_repr_max_active(const kt_repr *r)
{
  switch (r->arch) {
  case KT_ARCH_LIVE:
    return 2 * (r->window + r->lookahead) + 3 + (r->key_ctx ? 13 : 0) +
           (r->sounding ? KT_NHEADS_LIVE : 0) + KT_NHEADS_LIVE * r->feedback +
           (r->rel_in ? r->window + r->lookahead : 0);
  case KT_ARCH_FORWARDBACH:
  case KT_ARCH_FORWARD3BACH:
  case KT_ARCH_CHORD:
    return 2 * r->window;
  default:
    return 0;
  }
}

int kt_repr_valid(const kt_repr *r, char *err, size_t errlen)
{
  if (r->arch < KT_ARCH_LIVE || r->arch > KT_ARCH_CHORD) {
    snprintf(err, errlen, "unknown arch %d", r->arch);
    return 0;
  }
  if (r->window < 1 || r->window > KT_MAX_WINDOW) {
    snprintf(err, errlen, "window %d outside 1..%d", r->window, KT_MAX_WINDOW);
    return 0;
  }
  /* written so that no sum can overflow: window is already 1..MAX */
  if (r->lookahead < 0 || r->lookahead > KT_MAX_WINDOW - r->window) {
    snprintf(err, errlen, "lookahead %d invalid (window + lookahead <= %d)",
             r->lookahead, KT_MAX_WINDOW);
    return 0;
  }
  if (r->feedback < 0 || r->feedback > KT_MAX_FEEDBACK) {
    snprintf(err, errlen, "feedback %d outside 0..%d", r->feedback,
             KT_MAX_FEEDBACK);
    return 0;
  }
  if (r->arch != KT_ARCH_LIVE && (r->lookahead != 0 || r->feedback != 0)) {
    snprintf(err, errlen, "offline arch %d needs lookahead 0 and feedback 0",
             r->arch);
    return 0;
  }
  if (r->key_norm < 0 || r->key_norm > 2) {
    snprintf(err, errlen, "key_norm %d is not 0, 1 or 2", r->key_norm);
    return 0;
  }
  if (r->key_ctx != 0 && r->key_ctx != 1) {
    snprintf(err, errlen, "key_ctx %d is not 0 or 1", r->key_ctx);
    return 0;
  }
  if (r->key_ctx && r->arch != KT_ARCH_LIVE) {
    snprintf(err, errlen, "key_ctx set for offline arch %d", r->arch);
    return 0;
  }
  if (r->sounding != 0 && r->sounding != 1) {
    snprintf(err, errlen, "sounding %d is not 0 or 1", r->sounding);
    return 0;
  }
  if (r->sounding && r->arch != KT_ARCH_LIVE) {
    snprintf(err, errlen, "sounding set for offline arch %d", r->arch);
    return 0;
  }
  if (r->shift_avg < 0 || r->shift_avg > KT_MAX_SHIFT_AVG) {
    snprintf(err, errlen, "shift_avg %d outside 0..%d", r->shift_avg,
             KT_MAX_SHIFT_AVG);
    return 0;
  }
  if (r->shift_avg && r->arch != KT_ARCH_LIVE) {
    snprintf(err, errlen, "shift_avg set for offline arch %d", r->arch);
    return 0;
  }
  if (r->tgt_sound != 0 && r->tgt_sound != 1) {
    snprintf(err, errlen, "tgt_sound %d is not 0 or 1", r->tgt_sound);
    return 0;
  }
  if (r->tgt_sound && r->arch != KT_ARCH_LIVE) {
    snprintf(err, errlen, "tgt_sound set for offline arch %d", r->arch);
    return 0;
  }
  if (r->rel_out < 0 || r->rel_out > (KT_REL_DIST | KT_REL_PC)) {
    snprintf(err, errlen, "rel_out %d outside 0..3", r->rel_out);
    return 0;
  }
  if (r->rel_out && !r->tgt_sound) {
    snprintf(err, errlen, "rel_out set without tgt_sound");
    return 0;
  }
  if (r->rel_in != 0 && r->rel_in != 1) {
    snprintf(err, errlen, "rel_in %d is not 0 or 1", r->rel_in);
    return 0;
  }
  if (r->rel_in && r->arch != KT_ARCH_LIVE) {
    snprintf(err, errlen, "rel_in set for offline arch %d", r->arch);
    return 0;
  }
  if (r->quant != 0 && r->quant != 1) {
    snprintf(err, errlen, "quant %d is not 0 or 1", r->quant);
    return 0;
  }
  if (r->quant && r->arch != KT_ARCH_LIVE) {
    snprintf(err, errlen, "quant set for offline arch %d", r->arch);
    return 0;
  }
  for (int v = 0; v < KT_NVOICES; ++v) {
    if (r->lo[v] < 0 || r->hi[v] > 127 || r->lo[v] > r->hi[v] ||
        r->hi[v] - r->lo[v] < 11) {
      snprintf(err, errlen,
               "voice %d range %d..%d invalid (0..127, at least an octave)", v,
               r->lo[v], r->hi[v]);
      return 0;
    }
  }
  if (r->arch == KT_ARCH_CHORD) {
    if (r->chord_len < 1 || r->chord_len > r->window) {
      snprintf(err, errlen, "chord_len %d outside 1..window", r->chord_len);
      return 0;
    }
  } else if (r->chord_len != 0) {
    snprintf(err, errlen, "chord_len %d set for a non-chord arch",
             r->chord_len);
    return 0;
  }
  return 1;
}

int kt_repr_fold_pitch(int pitch, int lo, int hi)
{
  if (pitch < 0) return pitch;
  while (pitch < lo)
    pitch += 12;
  while (pitch > hi)
    pitch -= 12;
  if (pitch < lo) /* range narrower than an octave: clamp */
    pitch = lo;
  return pitch;
}

int kt_repr_tok_from_slice(const kt_repr *r, int voice, int pitch, int onset)
{
  if (!onset) return KT_TOK_HOLD;
  if (pitch < 0) return KT_TOK_REST;
  return 2 + kt_repr_fold_pitch(pitch, r->lo[voice], r->hi[voice]) - r->lo[voice];
}

int kt_repr_tok_pitch(const kt_repr *r, int voice, int tok)
{
  if (tok == KT_TOK_REST) return KT_REST;
  if (tok < 2 || tok >= kt_repr_n_tok(r, voice)) return -2;
  return r->lo[voice] + tok - 2;
}

static int sop_class(const kt_repr *r, int pitch)
{
  if (pitch < 0) return 0;
  int lo = r->lo[KT_SOPRANO], hi = r->hi[KT_SOPRANO];
  return 1 + kt_repr_fold_pitch(pitch, lo, hi) - lo;
}

int kt_repr_keyctx_bin(float w, float wmax)
{
  if (!(wmax > 0) || !(w > 0.05f * wmax)) return 0; /* NaN-safe */
  if (w < 0.35f * wmax) return 1;
  if (w < 0.7f * wmax) return 2;
  return 3;
}

static int bar_len_class(int len)
{
  if (len <= 14) return 0;
  if (len <= 20) return 1;
  return 2;
}

int kt_repr_encode_sop(const kt_repr *r, const int8_t *p, const uint8_t *on,
                  int n, int32_t *idx, int k)
{
  int sw = kt_repr_sop_width(r), nc = sop_classes(r);
  for (int s = 0; s < n; ++s) {
    idx[k++] = s * sw + sop_class(r, p[s]);
    if (on[s]) idx[k++] = s * sw + nc;
  }
  return k;
}

int kt_repr_encode_live(const kt_repr *r, const kt_repr_live_ctx *c, int32_t *idx)
{
  int n = r->window + r->lookahead;
  int k = kt_repr_encode_sop(r, c->sop_pitch, c->sop_onset, n, idx, 0);
  int base = n * kt_repr_sop_width(r);
  int pos = c->bar_pos < 0          ? 0
            : c->bar_pos >= KT_NPOS ? KT_NPOS - 1
                                    : c->bar_pos;
  idx[k++] = base + pos;
  base += KT_NPOS;
  idx[k++] = base + bar_len_class(c->bar_len);
  base += KT_NBARLEN;
  idx[k++] = base + (c->mode_family ? 1 : 0);
  base += 2;
  if (r->key_ctx) {
    const kt_harmony_key_tracker *kt = c->key && c->key->known ? c->key : NULL;
    int rot = ((c->key_rot % 12) + 12) % 12;
    idx[k++] = base + (kt ? (kt->tonic + rot) % 12 : 12);
    base += 13;
    float wmax = 0;
    for (int i = 0; kt && i < 12; ++i)
      if (kt->pc[i] > wmax) wmax = kt->pc[i];
    for (int i = 0; i < 12; ++i) { /* class i heard as i - rot */
      idx[k++] = base + (kt ? kt_repr_keyctx_bin(kt->pc[(i + 12 - rot) % 12], wmax)
                            : 0);
      base += KT_KEYCTX_BINS;
    }
  }
  if (r->sounding) {
    for (int h = 0; h < KT_NHEADS_LIVE; ++h) {
      int v = kt_repr_head_voice(h);
      int p = c->sounding ? c->sounding[h] : KT_REST;
      int cls = p < 0 ? 0 : 1 + kt_repr_fold_pitch(p, r->lo[v], r->hi[v]) - r->lo[v];
      idx[k++] = base + cls;
      base += sounding_width(r, h);
    }
  }
  for (int f = 0; f < r->feedback; ++f) {
    for (int h = 0; h < KT_NHEADS_LIVE; ++h) {
      int nt = kt_repr_n_tok(r, kt_repr_head_voice(h));
      int t = c->fb_tok[f * KT_NHEADS_LIVE + h];
      if (t >= nt) t = KT_TOK_HOLD;
      idx[k++] = base + t;
      base += nt;
    }
  }
  if (r->rel_in) {
    int ref = c->sop_pitch[r->window - 1];
    for (int j = 0; j < n && ref >= 0; ++j) {
      int p = c->sop_pitch[j];
      if (p < 0) continue;
      int d = p - ref;
      d = d < -KT_RELIN_SPAN  ? -KT_RELIN_SPAN
          : d > KT_RELIN_SPAN ? KT_RELIN_SPAN
                              : d;
      idx[k++] = base + j * (2 * KT_RELIN_SPAN + 1) + d + KT_RELIN_SPAN;
    }
  }
  return k;
}
