/* tests/nn/test_distil.c -- distillation (kantor train --distil-from): the
 * teacher's targets are the engine's slice scores (its ensemble's mean,
 * averaged over its shift_avg moves, normalized), the moved inputs are the
 * engine's passes, a teacher of another representation or with fed-back
 * voices is refused, and training towards Bach's token only (distil_hard
 * 1) is bitwise the training without a teacher. */
#include "train.h"
#include "../check.h"
#include "synth_chorale.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { NC = 5 };
static kt_chorale g_c[NC];

/* The shipped models' options, small: sounding-pitch heads, no feedback,
 * key context, moves -2..+2 (shift_avg 2). */
static void opts(kt_train_opts *o, uint64_t seed)
{
  kt_train_opts_default(o);
  o->arch = KT_ARCH_LIVE;
  o->window = 6;
  o->lookahead = 1;
  o->feedback = 0;
  o->tgt_sound = 1;
  o->key_ctx = 1;
  o->augment = KT_AUG_NEAR;
  o->near_span = 2;
  o->hidden[0] = 12;
  o->hidden[1] = 10;
  o->epochs = 3;
  o->batch = 16;
  o->lr = 3e-3f;
  o->early_stop = 0;
  o->seed = seed;
}

static kt_model *train(const kt_train_opts *o)
{
  kt_curve_pt cv[8];
  int nc = 0, be = 0;
  char err[256];
  kt_model *m =
      kt_train(o, g_c, NC - 1, g_c + NC - 1, 1, cv, &nc, &be, err, sizeof err);
  CHECK(m != NULL, "train: %s", err);
  return m;
}

static int same_weights(const kt_model *a, const kt_model *b)
{
  if (a->n_nets != b->n_nets) return 0;
  for (int n = 0; n < a->n_nets; ++n) {
    if (a->net[n].n_layers != b->net[n].n_layers) return 0;
    for (int l = 0; l < a->net[n].n_layers; ++l) {
      const kt_layer *x = &a->net[n].layer[l], *y = &b->net[n].layer[l];
      if (x->n_in != y->n_in || x->n_out != y->n_out ||
          memcmp(x->w, y->w, sizeof(float) * (size_t)x->n_in * x->n_out) ||
          memcmp(x->b, y->b, sizeof(float) * (size_t)x->n_out))
        return 0;
    }
  }
  return 1;
}

/* The teacher's slice scores computed here the long way: one pass per
 * move (kt_model_live_logits), each head's log-probabilities moved back,
 * the mean over the moves that have the token, normalized. */
static void by_hand(const kt_model *t, const kt_dataset *ds, int i, double *out)
{
  const kt_repr *r = &t->repr;
  int n = r->shift_avg, sw = kt_repr_n_out_live(r);
  float *scratch = malloc(kt_model_scratch_floats(t) * sizeof(float));
  float *lg = malloc((size_t)t->n_out_total * sizeof(float));
  int32_t idx[512];
  double acc[512];
  int cnt[512];
  for (int j = 0; j < sw; ++j) {
    acc[j] = 0;
    cnt[j] = 0;
  }
  for (int mv = -n; mv <= n; ++mv) {
    int ref, k = kt_dataset_example_moved(ds, &ds->ex[i], mv, idx, &ref);
    kt_model_live_logits(t, idx, k, ref, scratch, lg);
    for (int h = 0, off = 0; h < 3; ++h) {
      int nt = kt_repr_n_tok(r, kt_repr_head_voice(h));
      double mx = -1e30, s = 0;
      for (int j = 0; j < nt; ++j)
        mx = lg[off + j] > mx ? lg[off + j] : mx;
      for (int j = 0; j < nt; ++j)
        s += exp(lg[off + j] - mx);
      for (int j = 0; j < nt; ++j) {
        int b = j < 2 ? j : j - mv; /* a pitch moves back */
        if (j >= 2 && (b < 2 || b >= nt)) continue;
        acc[off + b] += lg[off + j] - mx - log(s);
        cnt[off + b]++;
      }
      off += nt;
    }
  }
  for (int h = 0, off = 0; h < 3; ++h) {
    int nt = kt_repr_n_tok(r, kt_repr_head_voice(h));
    double mx = -1e30, s = 0;
    for (int j = 0; j < nt; ++j) {
      out[off + j] = cnt[off + j] ? acc[off + j] / cnt[off + j] : -1e9;
      mx = out[off + j] > mx ? out[off + j] : mx;
    }
    for (int j = 0; j < nt; ++j)
      s += exp(out[off + j] - mx);
    for (int j = 0; j < nt; ++j)
      out[off + j] = exp(out[off + j] - mx) / s;
    off += nt;
  }
  free(scratch);
  free(lg);
}

static void targets(const kt_model *teacher)
{
  char err[256];
  kt_dataset ds;
  CHECK(kt_dataset_build(&ds, &teacher->repr, g_c, NC - 1, KT_AUG_NEAR, 2, err,
                         sizeof err) == 0,
        "%s", err);
  int sw = kt_repr_n_out_live(&teacher->repr);
  CHECK(sw <= 512, "heads %d", sw);
  float *soft = malloc((size_t)ds.n_ex * sw * sizeof(float));
  CHECK(kt_train_distil_targets(teacher, &ds, -1, soft) == 0, "targets");
  int32_t a[512], b[512];
  int tgt[3], bad_in = 0, bad_p = 0, bad_sum = 0, moved_differs = 0;
  double want[512], worst = 0;
  for (int i = 0; i < ds.n_ex; ++i) {
    int ref, ka = kt_dataset_example(&ds, &ds.ex[i], 0, 0, 0, NULL, a, tgt);
    int kb = kt_dataset_example_moved(&ds, &ds.ex[i], 0, b, &ref);
    bad_in += ka != kb || memcmp(a, b, sizeof(int32_t) * (size_t)ka) ||
              ref != kt_dataset_ref(&ds, &ds.ex[i]);
    int kc = kt_dataset_example_moved(&ds, &ds.ex[i], 1, b, &ref);
    moved_differs += kc != ka || memcmp(a, b, sizeof(int32_t) * (size_t)ka);
    const float *row = soft + (size_t)i * sw;
    for (int h = 0, off = 0; h < 3; ++h) {
      int nt = kt_repr_n_tok(&teacher->repr, kt_repr_head_voice(h));
      double s = 0;
      for (int j = 0; j < nt; ++j) {
        bad_p += !(row[off + j] >= 0 && row[off + j] <= 1);
        s += row[off + j];
      }
      bad_sum += fabs(s - 1) > 1e-4;
      off += nt;
    }
    if (i % 7 == 0) {
      by_hand(teacher, &ds, i, want);
      for (int j = 0; j < sw; ++j) {
        double d = fabs(want[j] - row[j]);
        worst = d > worst ? d : worst;
      }
    }
  }
  CHECK(bad_in == 0, "%d examples: the move 0 is not kt_dataset_example's",
        bad_in);
  CHECK(moved_differs > ds.n_ex / 2, "a move of 1 changes %d of %d inputs",
        moved_differs, ds.n_ex);
  CHECK(bad_p == 0 && bad_sum == 0,
        "%d entries not probabilities, %d heads "
        "not summing to 1",
        bad_p, bad_sum);
  CHECK(worst < 1e-4, "targets differ from the averaging by hand by %g", worst);
  /* no moves: the softmax of the ensemble's scores */
  CHECK(kt_train_distil_targets(teacher, &ds, 0, soft) == 0, "targets, no moves");
  float *scratch = malloc(kt_model_scratch_floats(teacher) * sizeof(float));
  float *lg = malloc((size_t)teacher->n_out_total * sizeof(float));
  worst = 0;
  for (int i = 0; i < ds.n_ex; i += 5) {
    int k = kt_dataset_example(&ds, &ds.ex[i], 0, 0, 0, NULL, a, tgt);
    kt_model_live_logits(teacher, a, k, kt_dataset_ref(&ds, &ds.ex[i]), scratch,
                         lg);
    for (int h = 0, off = 0; h < 3; ++h) {
      int nt = kt_repr_n_tok(&teacher->repr, kt_repr_head_voice(h));
      double s = 0;
      for (int j = 0; j < nt; ++j)
        s += exp(lg[off + j]);
      for (int j = 0; j < nt; ++j) {
        double d = fabs(exp(lg[off + j]) / s - soft[(size_t)i * sw + off + j]);
        worst = d > worst ? d : worst;
      }
      off += nt;
    }
  }
  CHECK(worst < 1e-5, "no moves: targets differ from the softmax by %g", worst);
  free(scratch);
  free(lg);
  free(soft);
  kt_dataset_free(&ds);
}

/* kt_train_distil_temper: T = 1 leaves the targets bitwise; T = 2 keeps
 * each head a distribution, in the same order, flatter. */
static void tempered(const kt_model *teacher)
{
  kt_repr r = teacher->repr;
  r.shift_avg = 0;
  kt_dataset ds;
  char err[256];
  CHECK(kt_dataset_build(&ds, &r, g_c, NC, KT_AUG_NEAR, 2, err, sizeof err) ==
            0,
        "%s", err);
  int sw = kt_repr_n_out_live(&r), n = ds.n_ex < 50 ? ds.n_ex : 50;
  float *a = malloc((size_t)ds.n_ex * sw * sizeof(float));
  float *b = malloc((size_t)ds.n_ex * sw * sizeof(float));
  CHECK(a && b && kt_train_distil_targets(teacher, &ds, -1, a) == 0, "targets");
  memcpy(b, a, (size_t)n * sw * sizeof(float));
  kt_train_distil_temper(&r, b, n, 1.0f);
  CHECK(!memcmp(a, b, (size_t)n * sw * sizeof(float)), "T = 1 moved them");
  kt_train_distil_temper(&r, b, n, 2.0f);
  int flatter = 0, heads = 0;
  for (int i = 0; i < n; ++i)
    for (int h = 0, off = 0; h < KT_NHEADS_LIVE; ++h) {
      int nt = kt_repr_n_tok(&r, kt_repr_head_voice(h));
      const float *p = a + (size_t)i * sw + off, *q = b + (size_t)i * sw + off;
      double s = 0, z = 0, pmax = 0, qmax = 0;
      for (int j = 0; j < nt; ++j)
        z += sqrt((double)p[j]);
      for (int j = 0; j < nt; ++j) {
        s += q[j];
        if (p[j] > pmax) pmax = p[j];
        if (q[j] > qmax) qmax = q[j];
        for (int k = 0; k < nt; ++k)
          CHECK(!(p[j] > p[k]) || q[j] >= q[k], "order changed");
        CHECK(fabs(q[j] - sqrt((double)p[j]) / z) < 1e-5,
              "not p^(1/2) renormalized: %g against %g", q[j],
              sqrt((double)p[j]) / z);
      }
      CHECK(fabs(s - 1.0) < 1e-4, "head %d of example %d sums to %g", h, i, s);
      flatter += qmax < pmax - 1e-6;
      ++heads;
      off += nt;
    }
  CHECK(flatter > heads / 2, "T = 2 flattened %d of %d heads", flatter, heads);
  free(a);
  free(b);
  kt_dataset_free(&ds);
}

int main(void)
{
  for (int i = 0; i < NC; ++i)
    synth_chorale_rests(&g_c[i], 72, (i * 5) % 12, 200 + (uint64_t)i, 29);
  kt_train_opts o;

  /* the teacher: an ensemble of two nets, averaged over moves -2..+2 */
  opts(&o, 1);
  kt_model *t1 = train(&o);
  opts(&o, 2);
  kt_model *t2 = train(&o);
  if (!t1 || !t2) return 1;
  const kt_model *pair[2] = {t1, t2};
  kt_model *teacher = kt_model_stack(pair, 2);
  CHECK(teacher && teacher->n_nets == 2 && teacher->repr.shift_avg == 2,
        "teacher");
  if (!teacher) return 1;
  targets(teacher);

  /* the student: one net, no averaging; deterministic; towards Bach's
     token only it is the net trained without a teacher */
  opts(&o, 5);
  o.teacher = teacher;
  kt_model *s1 = train(&o), *s2 = train(&o);
  CHECK(s1 && s1->n_nets == 1 && s1->repr.shift_avg == 0,
        "student: one net, shift_avg 0");
  CHECK(s1 && s2 && same_weights(s1, s2), "student: same seed, other weights");
  o.distil_hard = 1;
  kt_model *h1 = train(&o);
  opts(&o, 5);
  o.shift_avg = 0;
  kt_model *plain = train(&o);
  CHECK(h1 && plain && same_weights(h1, plain),
        "distil_hard 1 is not the training without a teacher");
  CHECK(s1 && plain && !same_weights(s1, plain), "the teacher changes nothing");
  o.teacher = teacher;
  o.distil_hard = 0.5f;
  kt_model *mix = train(&o);
  CHECK(mix && s1 && !same_weights(mix, s1) && !same_weights(mix, plain),
        "distil_hard 0.5 is one of the ends");
  /* a temperature: another student; towards Bach's token only it is still
     the net trained without a teacher (the soft term weighs 0) */
  o.distil_hard = 0;
  o.distil_temp = 2.0f;
  kt_model *hot = train(&o);
  CHECK(hot && s1 && !same_weights(hot, s1), "distil_temp 2 changes nothing");
  o.distil_hard = 1;
  kt_model *hot1 = train(&o);
  CHECK(hot1 && plain && same_weights(hot1, plain),
        "distil_hard 1 at distil_temp 2 is not the training without a "
        "teacher");
  o.distil_temp = 1.0f;
  o.distil_hard = 0;
  tempered(teacher);

  /* refused: another window, another range, fed-back voices */
  char err[256];
  kt_repr r = teacher->repr;
  r.shift_avg = 0;
  CHECK(kt_train_distil_check(teacher, &r, err, sizeof err) == 0, "%s", err);
  r.window += 1;
  CHECK(kt_train_distil_check(teacher, &r, err, sizeof err) != 0 &&
            strstr(err, "window"),
        "another window accepted: %s", err);
  r = teacher->repr;
  r.lo[KT_BASS] -= 1;
  CHECK(kt_train_distil_check(teacher, &r, err, sizeof err) != 0,
        "another range accepted");
  opts(&o, 3);
  o.feedback = 2;
  kt_model *fb = train(&o);
  if (fb) {
    CHECK(kt_train_distil_check(fb, &fb->repr, err, sizeof err) != 0 &&
              strstr(err, "feeds back"),
          "a teacher with feedback accepted: %s", err);
    opts(&o, 3);
    o.feedback = 2;
    o.teacher = fb;
    kt_curve_pt cv[8];
    int nc, be;
    CHECK(kt_train(&o, g_c, NC - 1, g_c + NC - 1, 1, cv, &nc, &be, err,
                   sizeof err) == NULL &&
              strstr(err, "feeds back"),
          "kt_train took a teacher with feedback");
  }

  /* a teacher that hears further ahead than its student: lookahead 1 into
     0.  Its targets are its own on the same examples, built with its
     lookahead; a student longer than its teacher is refused */
  r = teacher->repr;
  r.shift_avg = 0;
  r.lookahead = 0;
  CHECK(kt_train_distil_check(teacher, &r, err, sizeof err) == 0, "%s", err);
  r.lookahead = 2;
  CHECK(kt_train_distil_check(teacher, &r, err, sizeof err) != 0 &&
            strstr(err, "lookahead"),
        "a student hearing further than its teacher accepted: %s", err);
  r.lookahead = 0;
  kt_dataset d0, d1;
  CHECK(kt_dataset_build(&d0, &r, g_c, NC - 1, KT_AUG_NEAR, 2, err,
                         sizeof err) == 0,
        "%s", err);
  CHECK(kt_dataset_build(&d1, &teacher->repr, g_c, NC - 1, KT_AUG_NEAR, 2, err,
                         sizeof err) == 0,
        "%s", err);
  int sw = kt_repr_n_out_live(&r);
  float *f0 = malloc((size_t)d0.n_ex * sw * sizeof(float));
  float *f1 = malloc((size_t)d1.n_ex * sw * sizeof(float));
  CHECK(d0.n_ex == d1.n_ex && d0.n_ex > 0, "examples %d / %d", d0.n_ex,
        d1.n_ex);
  CHECK(kt_train_distil_targets_at(teacher, &d0, g_c, NC - 1, KT_AUG_NEAR, 2,
                                   -1, f0, err, sizeof err) == 0,
        "%s", err);
  CHECK(kt_train_distil_targets(teacher, &d1, -1, f1) == 0, "targets");
  CHECK(d0.n_ex == d1.n_ex &&
            !memcmp(f0, f1, (size_t)d0.n_ex * sw * sizeof(float)),
        "a longer teacher's targets are not its own on its examples");
  CHECK(kt_train_distil_targets_at(teacher, &d0, g_c, NC - 2, KT_AUG_NEAR, 2,
                                   -1, f0, err, sizeof err) != 0 &&
            strstr(err, "examples"),
        "other chorales' examples accepted: %s", err);
  free(f0);
  free(f1);
  kt_dataset_free(&d0);
  kt_dataset_free(&d1);
  opts(&o, 5);
  o.lookahead = 0;
  o.shift_avg = 0;
  kt_model *plain0 = train(&o);
  o.teacher = teacher;
  kt_model *s0 = train(&o);
  CHECK(s0 && s0->repr.lookahead == 0 && plain0 && !same_weights(s0, plain0),
        "a student of a longer teacher: lookahead 0, the teacher's mark");

  kt_model *all[] = {t1,  t2, teacher, s1, s2,  h1,  plain,
                     mix, fb, plain0,  s0, hot, hot1};
  for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i)
    kt_model_free(all[i]);
  for (int i = 0; i < NC; ++i)
    synth_chorale_free(&g_c[i]);
  DONE();
}
