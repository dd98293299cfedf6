/* tests/nn/test_train.c -- finite-difference gradient check on a tiny net,
 * trainer determinism (same seed -> identical bytes) on synthetic chorales,
 * every arch trains to a file the loader accepts, loss goes down. */
#include "train.h"
#include "../check.h"
#include "synth_chorale.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* rel: a sounding-pitch model whose heads also score the distance below
 * the soprano (repr.rel_out), so the gradient reaches both terms; weigh:
 * the bass head's loss weighted per example (--bass-inv). */
static void gradcheck(int rel, int weigh)
{
  kt_train_opts o;
  kt_train_opts_default(&o);
  o.tgt_sound = rel;
  o.rel_out = rel ? KT_REL_DIST | KT_REL_PC : 0;
  /* a tiny live model through the trainer (1 epoch) to get the shapes */
  kt_chorale c[2];
  synth_chorale_rests(&c[0], 32, 0, 1, 0);
  synth_chorale_rests(&c[1], 32, 0, 2, 0);
  o.window = 2;
  o.feedback = 1;
  o.hidden[0] = 6;
  o.hidden[1] = 5;
  o.epochs = 1;
  o.dropout = 0;
  kt_curve_pt cv[1];
  int nc, be;
  char err[256];
  kt_model *m = kt_train(&o, c, 2, c, 1, cv, &nc, &be, err, sizeof err);
  CHECK(m != NULL, "%s", err);
  if (!m) return;
  /* random weights, so ReLUs are neither all on nor all off */
  kt_rng s = {7};
  for (int l = 0; l < m->net[0].n_layers; ++l) {
    kt_layer *L = &m->net[0].layer[l];
    for (int i = 0; i < L->n_in * L->n_out; ++i)
      L->w[i] = (float)(kt_rng_unit(&s) - 0.5);
    for (int i = 0; i < L->n_out; ++i)
      L->b[i] = (float)(kt_rng_unit(&s) - 0.5) * 0.2f;
  }
  kt_model *g = kt_train(&o, c, 2, c, 1, cv, &nc, &be, err, sizeof err);
  kt_dataset ds;
  CHECK(kt_dataset_build(&ds, &m->repr, c, 2, KT_AUG_KEY, 0, err, sizeof err) ==
            0,
        "%s", err);
  enum { NB = 5 };
  int maxa = kt_repr_max_active(&m->repr);
  int32_t idx[NB * 64];
  int cnt[NB], tgt[NB * 3], ref[NB], n_ref = 0;
  kt_rng r = {3};
  for (int b = 0; b < NB; ++b) {
    cnt[b] = kt_dataset_example(&ds, &ds.ex[b * 5 + 1], 0, 0, 0.5f, &r,
                                idx + b * maxa, tgt + b * 3);
    ref[b] = kt_dataset_ref(&ds, &ds.ex[b * 5 + 1]);
    n_ref += ref[b] >= 0;
  }
  CHECK(!rel || n_ref >= 3, "%d examples with a soprano pitch", n_ref);
  tgt[4] = -1; /* an ignored head */
  static const float bw5[NB] = {1.0f, 2.5f, 0.5f, 1.0f, 3.0f};
  const float *bw = weigh ? bw5 : NULL;
  kt_train_loss_grad(m, idx, cnt, maxa, tgt, ref, bw, NB, g);
  int checked = 0, bad = 0, rel_checked = 0;
  const double eps = 1e-3;
  for (int l = 0; l < m->net[0].n_layers; ++l) {
    kt_layer *L = &m->net[0].layer[l], *G = &g->net[0].layer[l];
    int nw = L->n_in * L->n_out;
    for (int k = 0; k < 60; ++k) {
      int isb = k % 4 == 3;
      int i = (int)(kt_rng_next(&r) % (uint64_t)(isb ? L->n_out : nw));
      if (l == 0 && !isb && k % 2 == 0) /* a row that is active */
        i = idx[(k / 2) % cnt[0]] * L->n_out + k % L->n_out;
      int last = l == m->net[0].n_layers - 1, n_tok0 = 0, col = -1;
      if (rel && last && !isb && k % 2 == 0) { /* a distance of head 0 */
        n_tok0 = kt_repr_n_tok(&m->repr, kt_repr_head_voice(0));
        col = n_tok0 + (int)(kt_rng_next(&r) % KT_NREL);
        i = (int)(kt_rng_next(&r) % (uint64_t)L->n_in) * L->n_out + col;
      }
      float *p = isb ? &L->b[i] : &L->w[i];
      float ana = isb ? G->b[i] : G->w[i];
      float save = *p;
      *p = save + (float)eps;
      double lp = kt_train_loss_grad(m, idx, cnt, maxa, tgt, ref, bw, NB, NULL);
      *p = save - (float)eps;
      double lm = kt_train_loss_grad(m, idx, cnt, maxa, tgt, ref, bw, NB, NULL);
      *p = save;
      double num = (lp - lm) / (2 * eps);
      ++checked;
      rel_checked += col >= 0 && fabs(ana) > 1e-6;
      if (fabs(num - ana) > 2e-3 + 2e-2 * fabs(num)) {
        ++bad;
        fprintf(stderr, "layer %d %s %d: numeric %g analytic %g\n", l,
                isb ? "bias" : "weight", i, num, (double)ana);
      }
    }
  }
  CHECK(bad <= checked / 50, "%d of %d gradient entries off", bad, checked);
  CHECK(checked >= 150, "checked %d", checked);
  CHECK(!rel || rel_checked >= 3, "only %d distance weights with a gradient",
        rel_checked);
  kt_dataset_free(&ds);
  kt_model_free(m);
  kt_model_free(g);
  synth_chorale_free(&c[0]);
  synth_chorale_free(&c[1]);
}

/* Extra options for train_to_s (the regularizers, relative heads and the
 * bass head's weight at inversions). */
static float g_in_drop, g_smooth, g_bass_inv = 1.0f;
static int g_rel, g_inverted; /* g_inverted: the second half of every bar
                                 is the tonic triad over its third */

static int train_to_s(const char *path, int arch, uint64_t seed, int augment,
                      int sounding, double *first, double *last)
{
  enum { NC = 6 };
  kt_chorale c[NC];
  for (int i = 0; i < NC; ++i)
    synth_chorale_rests(&c[i], 64, (i * 5) % 12, 100 + (uint64_t)i, 0);
  static const int i6[KT_NVOICES] = {52, 60, 67, 72}; /* B T A S */
  for (int i = 0; g_inverted && i < NC; ++i)
    for (int t = 8; t < c[i].n_slices; t += t % 16 == 15 ? 9 : 1)
      for (int v = 0; v < KT_NVOICES; ++v)
        c[i].v[v][t].pitch = (int8_t)(i6[v] + c[i].tonic);
  kt_train_opts o;
  kt_train_opts_default(&o);
  o.arch = arch;
  o.window = arch == KT_ARCH_LIVE ? 8 : 8;
  o.lookahead = arch == KT_ARCH_LIVE ? 2 : 0;
  o.feedback = arch == KT_ARCH_LIVE ? 2 : 0;
  o.hidden[0] = 16;
  o.hidden[1] = 12;
  o.epochs = 6;
  o.batch = 16;
  o.lr = 3e-3f;
  o.seed = seed;
  o.augment = augment;
  o.sounding = sounding;
  o.l2 = 1e-5f;
  o.early_stop = 0;
  o.in_dropout = g_in_drop;
  o.label_smooth = g_smooth;
  o.bass_inv = g_bass_inv;
  if (g_rel) {
    o.tgt_sound = 1;
    o.rel_out = KT_REL_DIST;
  }
  kt_curve_pt cv[6];
  int nc = 0, be = 0;
  char err[256];
  kt_model *m =
      kt_train(&o, c, NC - 1, c + NC - 1, 1, cv, &nc, &be, err, sizeof err);
  int rc = -1;
  if (m && kt_model_save(m, path, err, sizeof err) == 0)
    rc = 0;
  else
    fprintf(stderr, "train arch %d: %s\n", arch, err);
  if (first && nc > 0) *first = cv[0].train_loss;
  if (last && nc > 0) *last = cv[nc - 1].train_loss;
  kt_model_free(m);
  for (int i = 0; i < NC; ++i)
    synth_chorale_free(&c[i]);
  return rc;
}

static int train_to(const char *path, int arch, uint64_t seed, int augment,
                    double *first, double *last)
{
  return train_to_s(path, arch, seed, augment, 0, first, last);
}

/* --augment near: the chorale as written plus its shifts by -2, -1, +1, +2
 * semitones (written pitches, key_norm 0); valid and test sets get none. */
static void near_copies(void)
{
  kt_chorale c;
  synth_chorale_rests(&c, 32, 7, 5, 0);
  kt_repr r;
  memset(&r, 0, sizeof r);
  r.arch = KT_ARCH_LIVE;
  r.window = 4;
  r.feedback = 2;
  kt_dataset_ranges(&c, 1, KT_AUG_NEAR, 0, &r);
  char err[128];
  CHECK(kt_repr_valid(&r, err, sizeof err), "%s", err);
  kt_dataset ds;
  CHECK(kt_dataset_build(&ds, &r, &c, 1, KT_AUG_NEAR, 0, err, sizeof err) == 0,
        "%s", err);
  CHECK(ds.n_seq == 5 && ds.n_ex == 5 * c.n_slices, "%d copies, %d examples",
        ds.n_seq, ds.n_ex);
  static const int shift[5] = {0, -2, -1, 1, 2};
  for (int s = 0; s < ds.n_seq && s < 5; ++s)
    for (int t = 0; t < c.n_slices; ++t) {
      int p = c.v[KT_SOPRANO][t].pitch;
      CHECK(ds.seq[s].sop[t] == (p < 0 ? KT_REST : p + shift[s]) &&
                ds.seq[s].kshift[t] == 0,
            "copy %d slice %d", s, t);
    }
  int lo = 127;
  for (int t = 0; t < c.n_slices; ++t)
    if (c.v[KT_BASS][t].pitch >= 0 && c.v[KT_BASS][t].pitch < lo)
      lo = c.v[KT_BASS][t].pitch;
  CHECK(r.lo[KT_BASS] == lo - 2, "ranges cover the shifts: %d vs %d",
        r.lo[KT_BASS], lo - 2);
  CHECK(kt_aug_eval(KT_AUG_NEAR) == KT_AUG_NONE, "valid/test: as written");
  kt_dataset_free(&ds);

  /* --near 3: seven copies, -3..+3, and the ranges cover them */
  kt_dataset_ranges(&c, 1, KT_AUG_NEAR, 3, &r);
  CHECK(r.lo[KT_BASS] == lo - 3, "span 3 ranges: %d vs %d", r.lo[KT_BASS],
        lo - 3);
  CHECK(kt_dataset_build(&ds, &r, &c, 1, KT_AUG_NEAR, 3, err, sizeof err) == 0,
        "%s", err);
  CHECK(ds.n_seq == 7, "%d copies", ds.n_seq);
  static const int shift3[7] = {0, -3, -2, -1, 1, 2, 3};
  for (int s = 0; s < ds.n_seq && s < 7; ++s)
    for (int t = 0; t < c.n_slices; ++t) {
      int p = c.v[KT_SOPRANO][t].pitch;
      CHECK(ds.seq[s].sop[t] == (p < 0 ? KT_REST : p + shift3[s]),
            "span 3: copy %d slice %d", s, t);
    }
  kt_dataset_free(&ds);
  CHECK(kt_near_span(0) == KT_AUG_NEAR_MAX &&
            kt_near_span(9) == KT_NEAR_SPAN_MAX,
        "span defaults and bound");
  synth_chorale_free(&c);
}

/* kt_dataset_inverted: Bach's chord at the slice has another root than
 * the bass (the style statistics' labels), in every moved copy. */
static void inversions(void)
{
  kt_chorale c;
  synth_chorale_rests(&c, 16, 0, 9, 0);
  static const int8_t chords[][4] = {
      /* bass, tenor, alto, soprano; want */
      {48, 60, 67, 76}, /* C major, root in the bass: 0 */
      {52, 60, 67, 72}, /* C major over E: 1 */
      {53, 62, 67, 71}, /* G7 over F: 1 */
      {-1, 60, 67, 76}, /* the bass rests: 0 */
      {48, 60, 61, 62}, /* C C# D: no chord: 0 */
      {45, 60, 64, 69}, /* A minor, root in the bass: 0 */
      {48, 57, 64, 69}, /* A minor over C: 1 */
  };
  static const int want[] = {0, 1, 1, 0, 0, 0, 1};
  int nk = (int)(sizeof want / sizeof want[0]);
  for (int t = 0; t < nk; ++t)
    for (int v = 0; v < KT_NVOICES; ++v)
      c.v[v][t].pitch = chords[t][v];
  kt_repr r;
  memset(&r, 0, sizeof r);
  r.arch = KT_ARCH_LIVE;
  r.window = 4;
  kt_dataset_ranges(&c, 1, KT_AUG_NEAR, 2, &r);
  char err[128];
  kt_dataset ds;
  CHECK(kt_dataset_build(&ds, &r, &c, 1, KT_AUG_NEAR, 2, err, sizeof err) == 0,
        "%s", err);
  int seen = 0;
  for (int i = 0; i < ds.n_ex; ++i)
    if (ds.ex[i].t < nk) {
      ++seen;
      CHECK(kt_dataset_inverted(&ds, &ds.ex[i]) == want[ds.ex[i].t],
            "copy %d slice %d: inverted %d", ds.ex[i].seq, ds.ex[i].t,
            kt_dataset_inverted(&ds, &ds.ex[i]));
    }
  CHECK(seen == 5 * nk, "%d examples checked", seen);
  kt_dataset_free(&ds);
  synth_chorale_free(&c);
}

/* --target sound: every slice's target names the pitch the voice sounds
 * (held slices too; hold never), and the trainer's free-running rollout
 * marks an onset exactly where the pitch changes, as kt_decode plays it. */
static void sound_targets(void)
{
  kt_chorale c[2];
  synth_chorale_rests(&c[0], 32, 0, 3, 0);
  synth_chorale_rests(&c[1], 32, 2, 4, 0);
  kt_train_opts o;
  kt_train_opts_default(&o);
  o.window = 2;
  o.feedback = 0;
  o.hidden[0] = 6;
  o.hidden[1] = 5;
  o.epochs = 1;
  o.augment = KT_AUG_NONE;
  o.tgt_sound = 1;
  kt_curve_pt cv[1];
  int nc, be;
  char err[256];
  kt_model *m = kt_train(&o, c, 2, c, 1, cv, &nc, &be, err, sizeof err);
  CHECK(m && m->repr.tgt_sound == 1, "%s", m ? "tgt_sound not set" : err);
  if (!m) return;
  kt_rng s = {11}; /* random weights: a rollout that moves */
  for (int l = 0; l < m->net[0].n_layers; ++l) {
    kt_layer *L = &m->net[0].layer[l];
    for (int i = 0; i < L->n_in * L->n_out; ++i)
      L->w[i] = (float)(kt_rng_unit(&s) - 0.5) * 4.0f;
  }
  for (int ts = 0; ts < 2; ++ts) {
    kt_repr r = m->repr;
    r.tgt_sound = ts;
    kt_dataset ds;
    CHECK(kt_dataset_build(&ds, &r, c, 2, KT_AUG_NONE, 0, err, sizeof err) == 0,
          "%s", err);
    int32_t idx[256];
    int holds = 0, bad = 0;
    for (int i = 0; i < ds.n_ex; ++i) {
      int tgt[3];
      const kt_example *e = &ds.ex[i];
      kt_dataset_example(&ds, e, 0, 0, 0, NULL, idx, tgt);
      for (int h = 0; h < 3; ++h) {
        int v = kt_repr_head_voice(h);
        int p = c[e->seq].v[v][e->t].pitch;
        holds += tgt[h] == KT_TOK_HOLD;
        bad += ts && tgt[h] != kt_repr_tok_from_slice(&r, v, p, 1);
      }
    }
    CHECK(ts ? holds == 0 && bad == 0 : holds == 3 * 2 * 24,
          "tgt_sound %d: %d hold targets, %d not the sounding pitch", ts, holds,
          bad);
    if (ts) {
      kt_dataset_rollout(&ds, m);
      int changes = 0;
      for (int q = 0; q < ds.n_seq; ++q)
        for (int t = 1; t < ds.seq[q].n; ++t)
          for (int h = 0; h < 3; ++h) {
            int moved = ds.seq[q].own_p[h][t] != ds.seq[q].own_p[h][t - 1];
            changes += moved;
            CHECK(ds.seq[q].own_on[h][t] == moved,
                  "rollout seq %d slice %d head %d: onset %d, moved %d", q, t,
                  h, ds.seq[q].own_on[h][t], moved);
          }
      CHECK(changes > 0, "the rollout never changes pitch");
    }
    kt_dataset_free(&ds);
  }
  kt_model_free(m);
  synth_chorale_free(&c[0]);
  synth_chorale_free(&c[1]);
}

/* 1 if two files hold the same bytes, 0 if not, -1 if one is unreadable. */
static int same_file(const char *p, const char *q)
{
  size_t lp, lq;
  unsigned char *a = kt_test_slurp(p, &lp), *b = kt_test_slurp(q, &lq);
  int r = !a || !b ? -1 : lp == lq && !memcmp(a, b, lp);
  free(a);
  free(b);
  return r;
}

int main(void)
{
  gradcheck(0, 0);
  gradcheck(1, 0);
  gradcheck(0, 1);
  gradcheck(1, 1);
  near_copies();
  inversions();
  sound_targets();

  double a0 = 0, a1 = 0;
  CHECK(train_to("tt_a.kmod", KT_ARCH_LIVE, 42, KT_AUG_KEY, &a0, &a1) == 0,
        "train a");
  CHECK(a1 < a0, "loss did not go down: %g -> %g", a0, a1);
  CHECK(train_to("tt_b.kmod", KT_ARCH_LIVE, 42, KT_AUG_KEY, NULL, NULL) == 0,
        "train b");
  CHECK(train_to("tt_c.kmod", KT_ARCH_LIVE, 43, KT_AUG_KEY, NULL, NULL) == 0,
        "train c");
  CHECK(same_file("tt_a.kmod", "tt_b.kmod") == 1, "same seed, different bytes");
  CHECK(same_file("tt_a.kmod", "tt_c.kmod") == 0, "seed has no effect");
  /* Input dropout, label smoothing and heads that score distances below
     the melody: deterministic for a seed, a different model, and the loss
     still goes down. */
  g_in_drop = 0.2f;
  g_smooth = 0.1f;
  g_rel = 1;
  double r0 = 0, r1 = 0;
  CHECK(train_to("tt_r1.kmod", KT_ARCH_LIVE, 42, KT_AUG_KEY, &r0, &r1) == 0,
        "train with the options");
  CHECK(r1 < r0, "loss did not go down: %g -> %g", r0, r1);
  CHECK(train_to("tt_r2.kmod", KT_ARCH_LIVE, 42, KT_AUG_KEY, NULL, NULL) == 0,
        "train with the options again");
  g_in_drop = g_smooth = 0;
  g_rel = 0;
  CHECK(same_file("tt_r1.kmod", "tt_r2.kmod") == 1,
        "options: same seed, different bytes");
  CHECK(same_file("tt_r1.kmod", "tt_a.kmod") == 0, "options change nothing");
  size_t l1;
  unsigned char *r1b = kt_test_slurp("tt_r1.kmod", &l1);
  CHECK(r1b && l1 > 12 && r1b[8] == 6, "a rel_out model is written as v6");
  free(r1b);
  /* --bass-inv on chorales with inversions: deterministic, and a
     different model from the same chorales' at 1 */
  g_inverted = 1;
  CHECK(train_to("tt_i0.kmod", KT_ARCH_LIVE, 42, KT_AUG_KEY, NULL, NULL) == 0,
        "train on inversions");
  g_bass_inv = 3.0f;
  CHECK(train_to("tt_i1.kmod", KT_ARCH_LIVE, 42, KT_AUG_KEY, &r0, &r1) == 0,
        "train with --bass-inv");
  CHECK(r1 < r0, "--bass-inv: loss did not go down: %g -> %g", r0, r1);
  CHECK(train_to("tt_i2.kmod", KT_ARCH_LIVE, 42, KT_AUG_KEY, NULL, NULL) == 0,
        "train with --bass-inv again");
  g_bass_inv = 1.0f;
  g_inverted = 0;
  CHECK(same_file("tt_i1.kmod", "tt_i2.kmod") == 1,
        "--bass-inv: same seed, different bytes");
  CHECK(same_file("tt_i1.kmod", "tt_i0.kmod") == 0,
        "--bass-inv changes nothing");

  int archs[4] = {KT_ARCH_LIVE, KT_ARCH_FORWARDBACH, KT_ARCH_FORWARD3BACH,
                  KT_ARCH_CHORD};
  int augs[4] = {KT_AUG_ALL12, KT_AUG_NONE, KT_AUG_KEY, KT_AUG_KEY};
  for (int i = 0; i < 4; ++i) {
    CHECK(train_to("tt_d.kmod", archs[i], 1, augs[i], NULL, NULL) == 0,
          "arch %d", archs[i]);
    kt_model *m = NULL;
    char err[256];
    CHECK(kt_model_load_file("tt_d.kmod", &m, err, sizeof err) == 0,
          "arch %d reload: %s", archs[i], err);
    if (m)
      CHECK(m->repr.arch == archs[i] &&
                m->n_nets == (archs[i] == KT_ARCH_FORWARD3BACH ? 3 : 1),
            "arch %d nets %d", archs[i], m->n_nets);
    kt_model_free(m);
  }
  /* sounding-pitch inputs and near shifts: a live model trains, the file
     says so and loads */
  {
    double s0 = 0, s1 = 0;
    CHECK(train_to_s("tt_d.kmod", KT_ARCH_LIVE, 7, KT_AUG_NEAR, 1, &s0, &s1) ==
              0,
          "train sounding");
    CHECK(s1 < s0, "sounding: loss did not go down: %g -> %g", s0, s1);
    kt_model *m = NULL;
    char err[256];
    CHECK(kt_model_load_file("tt_d.kmod", &m, err, sizeof err) == 0, "%s", err);
    CHECK(m && m->repr.sounding == 1 && m->repr.key_norm == 0 &&
              m->net[0].layer[0].n_in == kt_repr_n_inputs(&m->repr),
          "sounding model");
    /* trained on moved copies: the engine averages over the same moves */
    CHECK(m && m->repr.shift_avg == KT_AUG_NEAR_MAX, "near: shift_avg %d",
          m ? m->repr.shift_avg : -1);
    kt_model_free(m);
  }
  /* the averaging follows the augmentation unless asked for */
  {
    kt_chorale ch;
    synth_chorale_rests(&ch, 64, 0, 7, 0);
    kt_train_opts o;
    kt_train_opts_default(&o);
    o.arch = KT_ARCH_LIVE;
    static const struct {
      int augment, ask, want;
    } cases[] = {{KT_AUG_NEAR, -1, KT_AUG_NEAR_MAX},
                 {KT_AUG_NEAR, 0, 0},
                 {KT_AUG_NONE, -1, 0},
                 {KT_AUG_SIGLAB, -1, 0},
                 {KT_AUG_NONE, 1, 1}};
    for (int i = 0; i < 5; ++i) {
      o.augment = cases[i].augment;
      o.shift_avg = cases[i].ask;
      kt_repr r;
      char err[256];
      CHECK(kt_train_repr(&o, &ch, 1, &r, err, sizeof err) == 0, "%s", err);
      CHECK(r.shift_avg == cases[i].want, "augment %d, asked %d: %d",
            cases[i].augment, cases[i].ask, r.shift_avg);
    }
    synth_chorale_free(&ch);
  }
  remove("tt_a.kmod");
  remove("tt_b.kmod");
  remove("tt_c.kmod");
  remove("tt_d.kmod");
  remove("tt_r1.kmod");
  remove("tt_r2.kmod");
  remove("tt_i0.kmod");
  remove("tt_i1.kmod");
  remove("tt_i2.kmod");
  DONE();
}
