/* dsp/decide.c -- the slice decision (engine_impl.h): the net's input for
 * a slice from the engine's history, the net (once, or averaged over the
 * melody moved by -N..+N semitones), the decoder, and the voices' note
 * changes. */
#include "engine_impl.h"
#include "harmony.h"

#include <math.h>

#define KT_MIN_NOTE_MS 40.0 /* a harmony note lasts at least this (or 0.45 slice) */
/* Guard preference for chord tones: log-probability cost of a sonority
 * that is no triad or seventh (tuned on the valid split, models/MODEL.md). */
#ifndef KT_CHORD_BIAS
#define KT_CHORD_BIAS 0.2f
#endif
/* The guard's cost of a leap wider than a fifth in a lower voice
 * (kt_decode_opts.leap_cost), chosen on development splits carved from
 * the train set (models/MODEL.md). */
#ifndef KT_LEAP_COST
#define KT_LEAP_COST 0.5f
#endif
/* For sounding-pitch models: the log-probability added to going on with
 * the pitch already sounding (kt_decode_opts.hold_bonus), so that two
 * near-equal pitches do not take turns slice by slice; chosen on the
 * development splits (models/MODEL.md). */
#ifndef KT_HOLD_BONUS
#define KT_HOLD_BONUS 0.2f
#endif

/* The shift a model of key handling key_norm wants (0 = written pitches,
 * 1 = tonic to C, 2 = key signature to C's) and the mode family.  A key
 * set by the user implies its signature; else the trackers' detections. */
static int key_shift(const kt_engine *e, int key_norm, int *mode_family)
{
  int k = engine_key(e);
  *mode_family = k >= 12;
  if (key_norm == 2) {
    if (iparam(e, KT_P_KEY) >= 0)
      return kt_harmony_key_shift_to_c(kt_harmony_sig_of_key(k % 12, k >= 12));
    return e->sig.known ? kt_harmony_key_shift_to_c(e->sig.sig) : 0;
  }
  if (k < 0 || key_norm != 1) return 0;
  return kt_harmony_key_shift_to_c(k % 12);
}

/* The net's input for slice d with every pitch moved by shift, rot of
 * which is the averaging's move (repr.shift_avg): the key tracker's
 * inputs move by that much too.  Writes idx, returns its length; *ref is
 * the soprano of the slice as encoded (kt_model_live_logits). */
static int input_at(kt_engine *e, const kt_engine_model *em, int64_t d,
                    int shift, int rot, int mode_family, int32_t *idx, int *ref)
{
  const kt_repr *r = &em->m->repr;
  const int W = r->window, L = r->lookahead, K = r->feedback;
  int di = (int)(d & KT_HMASK);
  int64_t dp = d - 1;
  int8_t sp[KT_HIST / 2];
  uint8_t so[KT_HIST / 2];
  uint8_t fb[KT_MAX_FEEDBACK * KT_NGEN];
  for (int j = 0; j < W + L; ++j) {
    int64_t t = d - W + 1 + j;
    if (t >= e->n && t > d && t - e->n < KT_HIST / 2) {
      /* not opened yet (its note is late): the melody sounding now */
      int p = kt_melody_top(&e->mel);
      sp[j] = (int8_t)(p < 0 ? KT_REST
                             : kt_repr_fold_pitch(p + shift, r->lo[KT_SOPRANO],
                                             r->hi[KT_SOPRANO]));
      so[j] = 0;
    } else if (t < 0 || t >= e->n || t <= e->n - KT_HIST) {
      sp[j] = KT_REST;
      so[j] = 0;
    } else {
      int p = e->sop[t & KT_HMASK];
      sp[j] = (int8_t)(p < 0 ? KT_REST
                             : kt_repr_fold_pitch(p + shift, r->lo[KT_SOPRANO],
                                             r->hi[KT_SOPRANO]));
      so[j] = e->son[t & KT_HMASK];
    }
  }
  for (int k = 0; k < K; ++k) {
    int64_t t = d - 1 - k;
    for (int h = 0; h < KT_NGEN; ++h) {
      int v = kt_repr_head_voice(h);
      if (t < 0 || t <= e->n - KT_HIST) {
        fb[k * KT_NGEN + h] = (uint8_t)kt_repr_tok_from_slice(r, v, KT_REST, 0);
      } else {
        int p = e->gen[t & KT_HMASK][h];
        fb[k * KT_NGEN + h] = (uint8_t)kt_repr_tok_from_slice(
            r, v, p < 0 ? KT_REST : p + shift, e->gon[t & KT_HMASK][h]);
      }
    }
  }
  int8_t snd[KT_NGEN];
  for (int h = 0; h < KT_NGEN; ++h) {
    int v = kt_repr_head_voice(h);
    int p = dp >= 0 ? e->gen[dp & KT_HMASK][h] : -1;
    snd[h] = (int8_t)(p < 0 ? KT_REST
                            : kt_repr_fold_pitch(p + shift, r->lo[v], r->hi[v]));
  }
  kt_repr_live_ctx ctx = {sp, so, e->sbp[di], e->sbl[di], mode_family, fb,
                     &e->key, snd, rot};
  *ref = sp[W - 1];
  return kt_repr_encode_live(r, &ctx, idx);
}

/* The net's logits for slice d (see input_at) in em->logits. */
static void net_at(kt_engine *e, const kt_engine_model *em, int64_t d,
                   int shift, int mode_family)
{
  int ref;
  int n_idx = input_at(e, em, d, shift, 0, mode_family, em->idx, &ref);
  kt_model_live_logits(em->m, em->idx, n_idx, ref, em->scratch, em->logits);
}

/* repr.shift_avg: the net's log-probabilities averaged over the melody and
 * voices moved by -n..+n semitones, each moved back (a note that leaves
 * the voice's range under a shift has fewer terms: the mean is over those
 * it has).  Geometric mean: the heads' scores stay log-probabilities, as
 * the guard sums them.  Returns 0 (nothing written) if the heads are
 * wider than the stack buffer. */
static int avg_over_shifts(kt_engine *e, const kt_engine_model *em,
                           int64_t d, int shift, int mode_family, int n)
{
  const kt_repr *r = &em->m->repr;
  if (kt_repr_n_out_live(r) > KT_SHIFT_AVG_MAX_OUT) return 0;
  if (2 * n + 1 > KT_MAX_BATCH) return 0;
  /* the 2n + 1 passes through the net together, layer by layer */
  const int32_t *idx[KT_MAX_BATCH];
  float *lgp[KT_MAX_BATCH];
  int n_idx[KT_MAX_BATCH], ref[KT_MAX_BATCH];
  for (int s = -n; s <= n; ++s) {
    int32_t *ip = em->idx + (size_t)(s + n) * em->idx_stride;
    n_idx[s + n] =
        input_at(e, em, d, shift + s, s, mode_family, ip, &ref[s + n]);
    idx[s + n] = ip;
    lgp[s + n] = em->logits + (size_t)(s + n) * em->out_stride;
  }
  kt_model_live_logits_batch(em->m, 2 * n + 1, idx, n_idx, ref, em->scratch,
                             lgp);
  /* into pass 0's logits, which decide() reads */
  return kt_model_shift_avg_combine(r, n, (const float *const *)lgp,
                                    em->logits);
}

/* The noise for sampling from a sounding-pitch model: such a net has no
 * memory of what it played, so noise drawn anew at every slice would make
 * each voice change pitch at almost every slice; held for the length of a
 * melody note, a voice changes when the net's scores do (or at the next
 * note).  Redrawn at every melody onset, deterministically from the seed. */
static const float *note_noise(kt_engine *e, const kt_repr *r, int onset) KT_RT
{
  int n = kt_repr_n_out_live(r);
  if (n > (int)(sizeof e->gumbel / sizeof e->gumbel[0])) return NULL;
  if (onset || e->n_gumbel != n) {
    for (int i = 0; i < n; ++i)
      e->gumbel[i] = kt_rng_gumbel(&e->rng);
    e->n_gumbel = n;
  }
  return e->gumbel;
}

/* A likely phrase end at slice d, for the style terms (kt_decode_opts.
 * phrase_end): the soprano's note sounding at d began on a beat and has
 * sounded for more than KT_PHRASE_HELD slices (a long note: at any
 * lookahead), or, with a lookahead of 2 or more, it falls silent within
 * the window ahead.  Bounded: at most 16 slices back and lookahead
 * slices ahead read. */
#define KT_PHRASE_HELD 8
static int phrase_end(const kt_engine *e, int64_t d, int lookahead) KT_RT
{
  int di = (int)(d & KT_HMASK);
  int s = e->sop[di];
  if (s < 0) return 0;
  int64_t on = d; /* the note's first slice, or 16 back */
  while (!e->son[(int)(on & KT_HMASK)] && on > 0 && d - on < 16 &&
         on - 1 > e->n - KT_HIST && e->sop[(int)((on - 1) & KT_HMASK)] == s)
    --on;
  if (e->sbp[(int)(on & KT_HMASK)] % 4 != 0) return 0;
  if (d - on >= KT_PHRASE_HELD) return 1;
  if (lookahead < 2) return 0;
  for (int64_t t = d + 1; t <= d + lookahead; ++t) {
    if (t >= e->n || t <= e->n - KT_HIST) return 0; /* not heard yet */
    int ti = (int)(t & KT_HMASK);
    if (e->sop[ti] < 0) return 1; /* a rest: the phrase ended */
    if (e->sop[ti] != s || e->son[ti]) return 0;
  }
  return 0; /* held on: not yet known */
}

/* Decide slice d and emit the changes at frame.  net 0 (the decision cap,
 * KT_DECIDE_GAP_S): the net does not run; a voice still sounding what it
 * decided before holds it, the others rest (no note starts), and a melody
 * rest still silences every voice.  Returns 1 if the net ran. */
int kt_decide_slice(kt_engine *e, int64_t d, uint32_t frame, kt_out *out,
                    int net)
{
  int ran = 0;
  const kt_engine_model *em = e->cur;
  const kt_repr *r = &em->m->repr;
  int di = (int)(d & KT_HMASK);
  int sop_now = e->sop[di];
  int64_t dp = d - 1;
  int sop_prev = dp >= 0 ? e->sop[dp & KT_HMASK] : -1;
  int prev[KT_NGEN];
  for (int h = 0; h < KT_NGEN; ++h)
    prev[h] = dp >= 0 ? e->gen[dp & KT_HMASK][h] : -1;

  /* A voice struck less than min_note ago goes on sounding: a slice decided
     again for a late note, or opened by an early one, makes no click of a
     chord (the slices of a player on the grid are never that close). */
  int keep[KT_NGEN], n_keep = 0;
  const int64_t at = e->now + frame;
  const double min_note =
      fmin(KT_MIN_NOTE_MS * 0.001 * e->rate,
           0.45 * kt_clock_frames_per_slice(&e->clock));
  for (int h = 0; h < KT_NGEN; ++h) {
    keep[h] = KT_KEEP_NONE;
    if (e->voices.pitch[h] >= 0 && (double)(at - e->struck[h]) < min_note) {
      keep[h] = e->voices.pitch[h];
      ++n_keep;
    }
  }

  kt_choice ch[KT_NGEN];
  if (sop_now < 0) {
    /* The player let go: the voices rest with the melody. */
    for (int h = 0; h < KT_NGEN; ++h) {
      ch[h].pitch = keep[h] >= 0 ? keep[h] : -1;
      ch[h].onset = keep[h] < 0 && prev[h] >= 0;
      ch[h].tok = KT_TOK_REST;
    }
  } else if (!net) {
    /* Over the cap: hold what still sounds, start nothing. */
    for (int h = 0; h < KT_NGEN; ++h) {
      int held = prev[h] >= 0 && e->voices.pitch[h] == prev[h];
      ch[h].pitch = held ? prev[h] : -1;
      ch[h].onset = 0;
      ch[h].tok = held ? KT_TOK_HOLD : KT_TOK_REST;
    }
  } else {
    ran = 1;
    e->last_net = e->now + frame;
    e->st.net_runs++;
    int mode_family = 0;
    /* written pitches (key_norm 0): shift 0, the net still gets the mode */
    int shift = key_shift(e, r->key_norm, &mode_family);
    int n_avg = e->shift_avg >= 0 ? e->shift_avg : r->shift_avg;
    if (n_avg <= 0 || !avg_over_shifts(e, em, d, shift, mode_family, n_avg))
      net_at(e, em, d, shift, mode_family);
    kt_decode_opts o;
    o.temperature = e->param[KT_P_TEMPERATURE];
    o.gumbel = NULL;
    if (o.temperature > 0.0f && r->tgt_sound)
      o.gumbel = note_noise(e, r, e->son[di]);
    o.guard = iparam(e, KT_P_GUARD);
    o.chord_bias = KT_CHORD_BIAS;
    o.leap_cost = KT_LEAP_COST;
    o.hold_bonus = KT_HOLD_BONUS;
    o.style = style_now(e);
    int key = engine_key(e);
    o.cadence = key >= 0 && sop_now % 12 == key % 12 && e->sbp[di] % 4 == 0;
    o.phrase_end = phrase_end(e, d, r->lookahead);
    /* Sounding-pitch heads say which pitch sounds, not whether it is
       struck again.  Bach strikes a voice's unchanged pitch again when the
       melody moves on a beat (75 % of those cases in the train split's
       chorales; elsewhere almost never): so does the engine. */
    o.restrike = e->son[di] && e->sbp[di] % 4 == 0;
    /* Bach's inner voices almost never start a note on an off-eighth
       sixteenth (104 of 7013 onsets on a development split, Kantor's
       989 of 7483); the rhythm parameter keeps them from it. */
    o.hold_only = iparam(e, KT_P_RHYTHM) == 1 && e->sbp[di] % 2 == 1;
    o.keep = n_keep ? keep : NULL;
    for (int h = 0; h < KT_NGEN; ++h)
      voice_range(e, h, &o.lo[h], &o.hi[h]);
    kt_decode(r, em->logits, &o, shift, sop_prev, sop_now, prev, &e->rng,
              ch);
  }

  int vel = iparam(e, KT_P_VEL_MODE) ? iparam(e, KT_P_VELOCITY)
                                     : e->svel[di];
  int pitches[4] = {sop_now, -1, -1, -1};
  e->heard[di][0] = (int8_t)sop_now;
  e->heard_on[di] = e->son[di] && sop_now >= 0;
  for (int h = 0; h < KT_NGEN; ++h) {
    e->gen[di][h] = (int8_t)ch[h].pitch;
    e->gon[di][h] = (uint8_t)ch[h].onset;
    if (voice_on(e, h)) {
      if (ch[h].pitch >= 0 &&
          (ch[h].onset || ch[h].pitch != e->voices.pitch[h]))
        e->struck[h] = at;
      kt_voices_set(&e->voices, h, ch[h].pitch, ch[h].onset, voice_chan(e, h),
                    vel, frame, out);
    }
    else
      kt_voices_off(&e->voices, h, frame, out);
    e->st.voice[h] = e->voices.pitch[h];
    e->heard[di][h + 1] = (int8_t)e->voices.pitch[h];
    if (e->voices.pitch[h] >= 0 && ch[h].onset)
      e->heard_on[di] |= (uint8_t)(2u << h);
    pitches[h + 1] = ch[h].pitch;
  }
  e->st.decided = d + 1;
  e->chord = sop_now >= 0 ? kt_harmony_chord_label(pitches, 4, NULL, NULL) : 0;
  e->st.soprano = sop_now;
  return ran;
}
