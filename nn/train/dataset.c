/* nn/train/dataset.c -- chorales -> sequences of tokens and training
 * examples for every arch (see nn/encode.h for the representation). */
#include "dataset.h"

#include "harmony.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int list_shifts(const kt_chorale *c, int augment, int near_span,
                       int *out)
{
  if (augment == KT_AUG_NONE || augment == KT_AUG_DETECT ||
      augment == KT_AUG_SIG) {
    out[0] = 0;
    return 1;
  }
  if (augment == KT_AUG_SIGLAB) {
    out[0] = 0; /* the tracked signature (per slice) */
    out[1] = kt_harmony_key_shift_to_c(((c->key_sig * 7) % 12 + 12) % 12);
    return 2;
  }
  if (augment == KT_AUG_NEAR) {
    /* copy 0: as written, then -N..-1, +1..+N */
    int n = kt_near_span(near_span), k = 0;
    out[k++] = 0;
    for (int d = -n; d <= n; ++d)
      if (d != 0) out[k++] = d;
    return k;
  }
  int base = augment == KT_AUG_RAW12 ? 0 : kt_harmony_key_shift_to_c(c->tonic);
  out[0] = base;
  if (augment == KT_AUG_KEY) return 1;
  int k = 1;
  for (int d = -6; d <= 5; ++d)
    if (d != 0) out[k++] = base + d;
  return k;
}

static int sig_aug(int augment)
{
  return augment == KT_AUG_SIG || augment == KT_AUG_SIGLAB;
}

/* What the engine's trackers (nn/harmony.h) know when slice d is decided,
 * once slice d + lookahead has been heard: the mode family the key tracker
 * detects, and the shift that moves to C the detected tonic (kt_harmony_key_tracker)
 * or, for signature-normalized models (sig), the detected key signature
 * (kt_harmony_sig_tracker). */
static void detect_keys(const kt_chorale *c, int lookahead, int sig,
                        int8_t *shift, uint8_t *mode)
{
  kt_harmony_key_tracker kt;
  kt_harmony_sig_tracker st;
  kt_harmony_key_tracker_reset(&kt);
  kt_harmony_sig_tracker_reset(&st);
  int n = c->n_slices, seen = 0;
  for (int d = 0; d < n; ++d) {
    int upto = d + lookahead < n ? d + lookahead : n - 1;
    for (; seen <= upto; ++seen) {
      kt_harmony_key_tracker_push(&kt, c->v[KT_SOPRANO][seen].pitch);
      if (sig) kt_harmony_sig_tracker_push(&st, c->v[KT_SOPRANO][seen].pitch);
    }
    if (sig)
      shift[d] = (int8_t)(st.known ? kt_harmony_key_shift_to_c(st.sig) : 0);
    else
      shift[d] = (int8_t)(kt.known ? kt_harmony_key_shift_to_c(kt.tonic) : 0);
    mode[d] = (uint8_t)(kt.known ? kt.minor : 0);
  }
}

/* Whether copy s of a chorale (list_shifts) is shifted per slice by a
 * tracker (kshift) rather than only by its fixed shift. */
static int tracked(int augment, int s)
{
  return augment == KT_AUG_DETECT || (sig_aug(augment) && s == 0);
}

/* Per-slice tracker shift and detected mode family of copy s. */
static void slice_keys(const kt_chorale *c, int lookahead, int augment, int s,
                       int8_t *shift, uint8_t *mode)
{
  detect_keys(c, lookahead, sig_aug(augment), shift, mode);
  if (!tracked(augment, s))
    memset(shift, 0, (size_t)(c->n_slices > 0 ? c->n_slices : 1));
}

void kt_dataset_ranges(const kt_chorale *c, int n, int augment, int near_span,
                       kt_repr *r)
{
  int lo[KT_NVOICES], hi[KT_NVOICES];
  for (int v = 0; v < KT_NVOICES; ++v) {
    lo[v] = 127;
    hi[v] = 0;
  }
  for (int i = 0; i < n; ++i) {
    int sh[12], ns = list_shifts(&c[i], augment, near_span, sh);
    size_t sz = (size_t)(c[i].n_slices > 0 ? c[i].n_slices : 1);
    int8_t *ks = calloc(sz, 1);
    uint8_t *km = calloc(sz, 1);
    if (!ks || !km) {
      free(ks);
      free(km);
      continue;
    }
    /* only copy 0 is ever tracked: the trackers run once per chorale */
    if (tracked(augment, 0))
      detect_keys(&c[i], r->lookahead, sig_aug(augment), ks, km);
    for (int s = 0; s < ns; ++s) {
      for (int v = 0; v < KT_NVOICES; ++v)
        for (int t = 0; t < c[i].n_slices; ++t) {
          int p = c[i].v[v][t].pitch;
          if (p < 0) continue;
          p += sh[s] + (tracked(augment, s) ? ks[t] : 0);
          if (p < lo[v]) lo[v] = p;
          if (p > hi[v]) hi[v] = p;
        }
    }
    free(ks);
    free(km);
  }
  for (int v = 0; v < KT_NVOICES; ++v) {
    if (lo[v] > hi[v]) { /* no notes at all */
      lo[v] = 48;
      hi[v] = 72;
    }
    if (lo[v] < 0) lo[v] = 0;
    if (hi[v] > 127) hi[v] = 127;
    while (hi[v] - lo[v] < 11) {
      if (hi[v] < 127)
        ++hi[v];
      else
        --lo[v];
    }
    r->lo[v] = lo[v];
    r->hi[v] = hi[v];
  }
}

static void seq_free(kt_seq *s)
{
  free(s->sop);
  free(s->son);
  free(s->bar_pos);
  free(s->bar_len);
  free(s->kshift);
  free(s->kmode);
  free(s->ktrk);
  for (int h = 0; h < 3; ++h) {
    free(s->vp[h]);
    free(s->von[h]);
    free(s->own_p[h]);
    free(s->own_on[h]);
  }
  free(s->chord);
}

void kt_dataset_free(kt_dataset *ds)
{
  for (int i = 0; i < ds->n_seq; ++i)
    seq_free(&ds->seq[i]);
  free(ds->seq);
  free(ds->ex);
  memset(ds, 0, sizeof *ds);
}

/* The tracker as the engine has it when slice d is decided: it has heard the
 * melody up to slice d + lookahead (the sequence's own, shifted, pitches). */
static void track_keys(kt_seq *s, int lookahead)
{
  kt_harmony_key_tracker kt;
  kt_harmony_key_tracker_reset(&kt);
  int seen = 0;
  for (int d = 0; d < s->n; ++d) {
    int upto = d + lookahead < s->n ? d + lookahead : s->n - 1;
    for (; seen <= upto; ++seen)
      kt_harmony_key_tracker_push(&kt, s->sop[seen]);
    s->ktrk[d] = kt;
  }
}

static int seq_build(kt_seq *s, const kt_repr *r, const kt_chorale *c,
                     int shift, int augment, int copy)
{
  int n = c->n_slices;
  memset(s, 0, sizeof *s);
  s->n = n;
  size_t sz = (size_t)(n > 0 ? n : 1);
  s->sop = malloc(sz);
  s->son = malloc(sz);
  s->bar_pos = malloc(sz);
  s->bar_len = malloc(sz);
  s->kshift = calloc(sz, 1);
  s->kmode = calloc(sz, 1);
  s->chord = malloc(sz * sizeof(int16_t));
  int ok = s->sop && s->son && s->bar_pos && s->bar_len && s->chord &&
           s->kshift && s->kmode;
  for (int h = 0; h < 3; ++h) {
    s->vp[h] = malloc(sz);
    s->von[h] = malloc(sz);
    s->own_p[h] = malloc(sz);
    s->own_on[h] = calloc(sz, 1);
    ok = ok && s->vp[h] && s->von[h] && s->own_p[h] && s->own_on[h];
  }
  if (!ok) return -1;
  if (augment != KT_AUG_KEY && augment != KT_AUG_ALL12) {
    /* the tracked shift (none for key_norm 0), and the mode the engine
       detects */
    slice_keys(c, r->arch == KT_ARCH_LIVE ? r->lookahead : 0, augment, copy,
               s->kshift, s->kmode);
  } else {
    memset(s->kmode, kt_mode_family(c->mode), sz);
  }
  for (int t = 0; t < n; ++t) {
    int p = c->v[KT_SOPRANO][t].pitch;
    s->sop[t] = (int8_t)(p >= 0 ? p + shift : KT_REST);
    s->son[t] = c->v[KT_SOPRANO][t].onset;
    s->bar_pos[t] = c->bar_pos ? c->bar_pos[t] : (uint8_t)(t % 16);
    s->bar_len[t] = c->bar_len ? c->bar_len[t] : 16;
    int all[KT_NVOICES];
    for (int v = 0; v < KT_NVOICES; ++v) {
      int q = c->v[v][t].pitch;
      all[v] = q >= 0 ? q + shift : KT_REST;
    }
    s->chord[t] = (int16_t)kt_harmony_chord_label(all, KT_NVOICES, NULL, NULL);
    for (int h = 0; h < 3; ++h) {
      int v = kt_repr_head_voice(h);
      s->vp[h][t] = (int8_t)all[v];
      s->von[h][t] = (uint8_t)(c->v[v][t].onset || t == 0);
      s->own_p[h][t] = KT_REST;
    }
  }
  if (r->arch == KT_ARCH_LIVE && r->key_ctx) {
    s->ktrk = malloc(sz * sizeof *s->ktrk);
    if (!s->ktrk) return -1;
    track_keys(s, r->lookahead);
  }
  return 0;
}

int kt_dataset_build(kt_dataset *ds, const kt_repr *r, const kt_chorale *c,
                     int n, int augment, int near_span, char *err,
                     size_t errlen)
{
  memset(ds, 0, sizeof *ds);
  ds->repr = *r;
  int cap = n * 12;
  ds->seq = calloc((size_t)(cap > 0 ? cap : 1), sizeof *ds->seq);
  if (!ds->seq) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  size_t n_ex = 0;
  for (int i = 0; i < n; ++i) {
    int sh[12], ns = list_shifts(&c[i], augment, near_span, sh);
    for (int s = 0; s < ns; ++s) {
      if (seq_build(&ds->seq[ds->n_seq++], r, &c[i], sh[s], augment, s) != 0) {
        kt_dataset_free(ds);
        snprintf(err, errlen, "out of memory");
        return -1;
      }
      n_ex += (size_t)c[i].n_slices;
    }
  }
  ds->ex = malloc((n_ex ? n_ex : 1) * sizeof *ds->ex);
  if (!ds->ex) {
    kt_dataset_free(ds);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (int i = 0; i < ds->n_seq; ++i) {
    const kt_seq *s = &ds->seq[i];
    for (int t = 0; t < s->n; ++t) {
      int take;
      switch (r->arch) {
      case KT_ARCH_LIVE:
        take = 1;
        break;
      case KT_ARCH_CHORD:
        take = s->bar_pos[t] % r->chord_len == 0;
        break;
      default:
        take = t % 4 == 0;
        break; /* windows every beat */
      }
      if (take) ds->ex[ds->n_ex++] = (kt_example){i, t};
    }
  }
  return 0;
}

int kt_dataset_n_targets(const kt_repr *r, int net)
{
  (void)net;
  switch (r->arch) {
  case KT_ARCH_LIVE:
    return KT_NHEADS_LIVE;
  case KT_ARCH_FORWARDBACH:
    return r->window * KT_NHEADS_LIVE;
  case KT_ARCH_FORWARD3BACH:
    return r->window;
  case KT_ARCH_CHORD:
    return 1;
  default:
    return 0;
  }
}

/* Token of voice v (pitch p, onset on) under shift sh, as the engine
 * makes it (fold into range). */
static int tok_of(const kt_repr *r, int v, int p, int on, int sh)
{
  return kt_repr_tok_from_slice(r, v, p < 0 ? KT_REST : p + sh, on);
}

static int corrupt(const kt_repr *r, int h, int tok, int sounding,
                   kt_rng *rng)
{
  int v = kt_repr_head_voice(h);
  int nt = kt_repr_n_tok(r, v);
  int u = (int)(kt_rng_next(rng) % 6);
  if (tok >= 2 && u < 2) return KT_TOK_HOLD; /* a missed attack */
  int p = tok >= 2 ? kt_repr_tok_pitch(r, v, tok) : sounding;
  if (p < 0) return tok;
  int d = (int)(kt_rng_next(rng) % 5) - 2; /* -2..2, 0 = re-attack */
  int q = kt_repr_fold_pitch(p + d, r->lo[v], r->hi[v]);
  int t = 2 + q - r->lo[v];
  return t < nt ? t : tok;
}

/* kt_dataset_example; live examples with the melody (and the voices fed
 * back) moved by mv more semitones and the key context with them
 * (kt_repr_live_ctx.key_rot), as the engine's averaging pass mv encodes it. */
static int example_at(const kt_dataset *ds, const kt_example *e, int net,
                      int own, float noise, kt_rng *rng, int mv, int32_t *idx,
                      int *tgt)
{
  const kt_repr *r = &ds->repr;
  const kt_seq *s = &ds->seq[e->seq];
  int t = e->t;
  int8_t sp[KT_MAX_WINDOW];
  uint8_t so[KT_MAX_WINDOW];
  if (r->arch == KT_ARCH_LIVE) {
    int sh = s->kshift[t] + mv;
    int n = r->window + r->lookahead;
    for (int j = 0; j < n; ++j) {
      int u = t - r->window + 1 + j;
      int in = u >= 0 && u < s->n && s->sop[u] >= 0;
      sp[j] = (int8_t)(in ? kt_repr_fold_pitch(s->sop[u] + sh, r->lo[KT_SOPRANO],
                                          r->hi[KT_SOPRANO])
                          : KT_REST);
      so[j] = u >= 0 && u < s->n ? s->son[u] : 0;
    }
    uint8_t fb[KT_MAX_FEEDBACK * 3];
    for (int k = 0; k < r->feedback; ++k) {
      int u = t - 1 - k;
      for (int h = 0; h < 3; ++h) {
        int v = kt_repr_head_voice(h);
        int tok = KT_TOK_HOLD;
        if (u >= 0) {
          int p = own ? s->own_p[h][u] : s->vp[h][u];
          int on = own ? s->own_on[h][u] : s->von[h][u];
          tok = tok_of(r, v, p, on, sh);
          if (noise > 0 && kt_rng_unit(rng) < noise)
            tok = corrupt(r, h, tok,
                          p < 0 ? p : kt_repr_fold_pitch(p + sh, r->lo[v], r->hi[v]),
                          rng);
        }
        fb[k * 3 + h] = (uint8_t)tok;
      }
    }
    int8_t snd[3];
    for (int h = 0; h < 3; ++h) {
      int v = kt_repr_head_voice(h);
      int p = t < 1 ? KT_REST : own ? s->own_p[h][t - 1] : s->vp[h][t - 1];
      snd[h] = (int8_t)(p < 0 ? KT_REST
                              : kt_repr_fold_pitch(p + sh, r->lo[v], r->hi[v]));
    }
    kt_repr_live_ctx ctx = {sp,          so,
                       s->bar_pos[t], s->bar_len[t],
                       s->kmode[t], fb,
                       s->ktrk ? &s->ktrk[t] : NULL, snd, mv};
    int k = kt_repr_encode_live(r, &ctx, idx);
    for (int h = 0; h < 3; ++h) {
      int v = kt_repr_head_voice(h);
      int bp = s->vp[h][t];
      /* tgt_sound: what sounds, at every slice */
      int tg = tok_of(r, v, bp, r->tgt_sound || s->von[h][t], sh);
      if (own && tg == KT_TOK_HOLD && t > 0) {
        int op = s->own_p[h][t - 1];
        int fo = op < 0 ? op : kt_repr_fold_pitch(op + sh, r->lo[v], r->hi[v]);
        int fb_ = bp < 0 ? bp : kt_repr_fold_pitch(bp + sh, r->lo[v], r->hi[v]);
        if (fo != fb_) /* our voice drifted: teach the way back to Bach's */
          tg = tok_of(r, v, bp, 1, sh);
      }
      tgt[h] = tg;
    }
    return k;
  }
  for (int j = 0; j < r->window; ++j) {
    int u = t + j;
    int in = u < s->n;
    sp[j] = in ? s->sop[u] : KT_REST;
    so[j] = in ? s->son[u] : 0;
  }
  int k = kt_repr_encode_window(r, sp, so, idx);
  switch (r->arch) {
  case KT_ARCH_FORWARDBACH:
  case KT_ARCH_FORWARD3BACH: {
    int fwd3 = r->arch == KT_ARCH_FORWARD3BACH;
    for (int j = 0; j < r->window; ++j)
      for (int h = 0; h < 3; ++h) {
        if (fwd3 && h != net) continue;
        int u = t + j, v = kt_repr_head_voice(h);
        /* window start: say the note even if it is held from before */
        int tg = u < s->n ? tok_of(r, v, s->vp[h][u], s->von[h][u] || j == 0, 0)
                          : -1;
        tgt[fwd3 ? j : j * 3 + h] = tg;
      }
    break;
  }
  case KT_ARCH_CHORD:
    tgt[0] = s->chord[t];
    break;
  default:
    break;
  }
  return k;
}

int kt_dataset_example(const kt_dataset *ds, const kt_example *e, int net,
                       int own, float noise, kt_rng *rng, int32_t *idx,
                       int *tgt)
{
  return example_at(ds, e, net, own, noise, rng, 0, idx, tgt);
}

int kt_dataset_example_moved(const kt_dataset *ds, const kt_example *e, int mv,
                             int32_t *idx, int *ref)
{
  const kt_repr *r = &ds->repr;
  const kt_seq *s = &ds->seq[e->seq];
  int tgt[KT_NHEADS_LIVE];
  int p = s->sop[e->t];
  *ref = p < 0 ? KT_REST
               : kt_repr_fold_pitch(p + s->kshift[e->t] + mv, r->lo[KT_SOPRANO],
                               r->hi[KT_SOPRANO]);
  return example_at(ds, e, 0, 0, 0, NULL, mv, idx, tgt);
}

int kt_dataset_inverted(const kt_dataset *ds, const kt_example *e)
{
  const kt_seq *s = &ds->seq[e->seq];
  int t = e->t, p[4] = {s->sop[t], s->vp[0][t], s->vp[1][t], s->vp[2][t]};
  unsigned pcs = 0;
  for (int v = 0; v < 4; ++v) {
    if (p[v] < 0) return 0;
    pcs |= 1u << (p[v] % 12);
  }
  int root;
  return kt_harmony_style_chord(pcs, &root) != KT_SQ_NONE && p[3] % 12 != root;
}

int kt_dataset_ref(const kt_dataset *ds, const kt_example *e)
{
  const kt_repr *r = &ds->repr;
  const kt_seq *s = &ds->seq[e->seq];
  if (r->arch != KT_ARCH_LIVE || s->sop[e->t] < 0) return KT_REST;
  return kt_repr_fold_pitch(s->sop[e->t] + s->kshift[e->t], r->lo[KT_SOPRANO],
                       r->hi[KT_SOPRANO]);
}

double kt_dataset_rollout(kt_dataset *ds, const kt_model *m)
{
  const kt_repr *r = &ds->repr;
  if (r->arch != KT_ARCH_LIVE) return -1;
  float *scratch = malloc(kt_model_scratch_floats(m) * sizeof(float));
  float *out = malloc((size_t)m->n_out_total * sizeof(float));
  int32_t *idx = malloc((size_t)kt_repr_max_active(r) * sizeof(int32_t));
  long hit = 0, tot = 0;
  if (!scratch || !out || !idx) goto done;
  for (int i = 0; i < ds->n_seq; ++i) {
    kt_seq *s = &ds->seq[i];
    for (int t = 0; t < s->n; ++t) {
      int sh = s->kshift[t];
      if (s->sop[t] < 0) {
        /* the engine: the voices rest with the melody */
        for (int h = 0; h < 3; ++h) {
          int prev = t > 0 ? s->own_p[h][t - 1] : KT_REST;
          s->own_p[h][t] = KT_REST;
          s->own_on[h][t] = (uint8_t)(prev >= 0);
          hit += s->vp[h][t] == KT_REST;
          ++tot;
        }
        continue;
      }
      int tgt[3];
      kt_example e = {i, t};
      int k = kt_dataset_example(ds, &e, 0, 1, 0, NULL, idx, tgt);
      kt_model_live_logits(m, idx, k, kt_dataset_ref(ds, &e), scratch, out);
      int off = 0;
      for (int h = 0; h < 3; ++h) {
        int nt = kt_repr_n_tok(r, kt_repr_head_voice(h)), best = 0;
        for (int j = 1; j < nt; ++j)
          if (out[off + j] > out[off + best]) best = j;
        off += nt;
        int v = kt_repr_head_voice(h);
        int prev = t > 0 ? s->own_p[h][t - 1] : KT_REST;
        int p = best == KT_TOK_HOLD   ? prev
                : best == KT_TOK_REST ? KT_REST
                                      : kt_repr_tok_pitch(r, v, best) - sh;
        s->own_p[h][t] = (int8_t)p;
        /* as kt_decode: with tgt_sound a change of pitch (or from a note
           to a rest) is an onset, the same pitch or rest continues */
        s->own_on[h][t] =
            (uint8_t)(r->tgt_sound ? p != prev : best != KT_TOK_HOLD);
        hit += p == s->vp[h][t];
        ++tot;
      }
    }
    s->has_own = 1;
  }
done:
  free(scratch);
  free(out);
  free(idx);
  return tot ? (double)hit / (double)tot : 0;
}
