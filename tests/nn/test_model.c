/* tests/nn/test_model.c -- model file round trip, the loader rejecting
 * damaged files with a message, forward against a naive dense reference,
 * the embedded table. */
#include "model.h"
#include "../check.h"
#include "../embedded.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF /* the reference must not fuse either */
#endif

static uint64_t rng = 99;
static float frand(void)
{
  uint64_t z = (rng += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (float)((z ^ (z >> 31)) >> 40) / (float)(1 << 24) * 2.0f - 1.0f;
}

/* rel_out / rel_in: a sounding-pitch model (tgt_sound, shift_avg 2) with
 * those representation fields. */
static kt_model *make_model_rel(int nl, const int *hidden, int key_ctx,
                                int sounding, int rel_out, int rel_in)
{
  kt_repr r;
  memset(&r, 0, sizeof r);
  r.key_ctx = key_ctx;
  r.sounding = sounding;
  if (rel_out || rel_in) {
    r.tgt_sound = 1;
    r.shift_avg = 2;
    r.rel_out = rel_out;
    r.rel_in = rel_in;
  }
  r.arch = KT_ARCH_LIVE;
  r.window = 4;
  r.lookahead = 1;
  r.feedback = 2;
  r.key_norm = 1;
  int lo[4] = {36, 45, 53, 58}, hi[4] = {60, 67, 72, 79};
  memcpy(r.lo, lo, sizeof lo);
  memcpy(r.hi, hi, sizeof hi);
  int sizes[1][KT_MAX_LAYERS + 1], heads[1][KT_MAX_HEADS];
  int n_layers = nl, n_heads = 3;
  sizes[0][0] = kt_repr_n_inputs(&r);
  for (int l = 0; l < nl - 1; ++l)
    sizes[0][l + 1] = hidden[l];
  int tot = 0;
  for (int h = 0; h < 3; ++h)
    tot += heads[0][h] = kt_repr_n_head(&r, kt_repr_head_voice(h));
  sizes[0][nl] = tot;
  kt_model *m =
      kt_model_new(&r, 1, &n_layers, (const int(*)[KT_MAX_LAYERS + 1]) sizes,
                   &n_heads, (const int(*)[KT_MAX_HEADS])heads);
  for (int l = 0; m && l < nl; ++l) {
    kt_layer *L = &m->net[0].layer[l];
    for (int i = 0; i < L->n_in * L->n_out; ++i)
      L->w[i] = frand() * 0.5f;
    for (int i = 0; i < L->n_out; ++i)
      L->b[i] = frand() * 0.1f;
  }
  return m;
}

static kt_model *make_model_ks(int nl, const int *hidden, int key_ctx,
                               int sounding)
{
  return make_model_rel(nl, hidden, key_ctx, sounding, 0, 0);
}

/* repr.rel_out: the token logits are the net's token outputs plus, for a
 * pitch, the output of its distance below the soprano and of its pitch
 * class; an ensemble averages the combined heads. */
static void test_rel_logits(void)
{
  int hid[1] = {7};
  kt_model *m = make_model_rel(2, hid, 0, 0, KT_REL_DIST | KT_REL_PC, 1);
  CHECK(m != NULL, "rel model");
  if (!m) return;
  const kt_repr *r = &m->repr;
  const kt_model *two[2] = {m, m};
  kt_model *ens = kt_model_stack(two, 2);
  size_t sf = kt_model_scratch_floats(ens);
  float *sc = malloc(sf * sizeof(float));
  float raw[KT_LIVE_MAX_RAW * 2], out[KT_LIVE_MAX_RAW * 2],
      eo[KT_LIVE_MAX_RAW * 2];
  int32_t idx[3] = {1, 5, 9};
  const int ref = 70; /* soprano B flat 4 */
  kt_model_forward(m, idx, 3, sc, raw);
  kt_model_live_logits(m, idx, 3, ref, sc, out);
  kt_model_live_logits(ens, idx, 3, ref, sc, eo);
  int ro = 0, co = 0, seen_dist = 0;
  for (int h = 0; h < 3; ++h) {
    int v = kt_repr_head_voice(h), nt = kt_repr_n_tok(r, v);
    CHECK(kt_repr_n_head(r, v) == nt + KT_NREL + 12, "head %d width", h);
    double lse = 0;
    for (int j = 0; j < nt; ++j)
      lse += exp(out[co + j]);
    for (int j = 0; j < nt; ++j) {
      float want = raw[ro + j];
      if (j >= 2) {
        int p = r->lo[v] + j - 2, d = ref - p;
        if (d >= KT_REL_MIN && d < KT_REL_MIN + KT_NREL) {
          want += raw[ro + nt + d - KT_REL_MIN];
          ++seen_dist;
        }
        want += raw[ro + nt + KT_NREL + p % 12];
      }
      CHECK(out[co + j] == want, "head %d tok %d: %g, want %g", h, j,
            out[co + j], want);
      CHECK(fabs(eo[co + j] - (out[co + j] - log(lse))) < 1e-4,
            "ensemble of one net twice, head %d tok %d", h, j);
    }
    ro += kt_repr_n_head(r, v);
    co += nt;
  }
  CHECK(seen_dist > 30, "%d pitches with a distance term", seen_dist);
  /* no soprano: the pitch-class term only */
  kt_model_live_logits(m, idx, 3, KT_REST, sc, out);
  int v = kt_repr_head_voice(0), nt = kt_repr_n_tok(r, v);
  CHECK(out[2] == raw[2] + raw[nt + KT_NREL + r->lo[v] % 12],
        "rest: no distance term");
  free(sc);
  kt_model_free(ens);
  kt_model_free(m);
}

static void put32(unsigned char *p, uint32_t v)
{
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

static void recrc(unsigned char *b, size_t len)
{
  put32(b + len - 4, kt_model_crc32(b, len - 4));
}

static int rejects(const unsigned char *b, size_t len, const char *what,
                   const char *needle)
{
  kt_model *m = NULL;
  char err[256] = "";
  int rc = kt_model_load_mem(b, len, &m, err, sizeof err);
  if (rc == 0 || m != NULL || !err[0]) {
    fprintf(stderr, "%s: accepted (rc %d)\n", what, rc);
    kt_model_free(m);
    return 0;
  }
  if (needle && !strstr(err, needle)) {
    fprintf(stderr, "%s: message '%s' lacks '%s'\n", what, err, needle);
    return 0;
  }
  return 1;
}

/* Saves k, checks the file says `version`, and that the same bytes
 * labelled one version older are refused (a field short); returns the
 * model loaded back (NULL on failure). */
static kt_model *reload_as(const kt_model *k, const char *path, int version)
{
  char err[256];
  size_t kl = 0;
  kt_model *k2 = NULL;
  CHECK(k && kt_model_save(k, path, err, sizeof err) == 0, "%s", err);
  unsigned char *kb = kt_test_slurp(path, &kl);
  CHECK(kb && kl > 12 && kb[8] == version, "written as v%d", version);
  CHECK(kb && kt_model_load_mem(kb, kl, &k2, err, sizeof err) == 0, "%s",
        err);
  if (kb) {
    put32(kb + 8, (uint32_t)version - 1);
    recrc(kb, kl);
    CHECK(rejects(kb, kl, "older label", NULL), "v%d body labelled v%d",
          version, version - 1);
  }
  free(kb);
  return k2;
}

/* The kernel's definition in scalar float: bias, then the active rows of
 * the first layer added in list order, then for each later layer the
 * nonzero activations in ascending order, value * weight added one at a
 * time; ReLU x > 0 ? x : 0.  kt_model_forward must match it bit for bit
 * (whatever vector width it runs at), so a model gives the same output on
 * every machine. */
static int forward_bitwise(const kt_model *m, const int32_t *idx, int n_idx,
                           const float *out)
{
  const kt_net *net = &m->net[0];
  float *a = calloc(KT_MAX_WIDTH, sizeof(float));
  float *y = calloc(KT_MAX_WIDTH, sizeof(float));
  int ok = 1;
  for (int l = 0; l < net->n_layers; ++l) {
    const kt_layer *L = &net->layer[l];
    for (int o = 0; o < L->n_out; ++o) {
      float s = L->b[o];
      if (l == 0) {
        for (int k = 0; k < n_idx; ++k)
          if (idx[k] >= 0 && idx[k] < L->n_in)
            s += L->w[(size_t)idx[k] * L->n_out + o];
      } else {
        for (int i = 0; i < L->n_in; ++i)
          if (a[i] != 0.0f) s += a[i] * L->w[(size_t)i * L->n_out + o];
      }
      y[o] = l < net->n_layers - 1 ? (s > 0.0f ? s : 0.0f) : s;
    }
    memcpy(a, y, (size_t)L->n_out * sizeof(float));
  }
  const kt_layer *last = &net->layer[net->n_layers - 1];
  if (memcmp(a, out, (size_t)last->n_out * sizeof(float)) != 0) ok = 0;
  free(a);
  free(y);
  return ok;
}

/* A batch of passes (a slice's shifted passes) gives each pass bitwise
 * what it gives alone: kt_model_forward_batch and, for live models,
 * kt_model_live_logits_batch, for 1..KT_MAX_BATCH passes of different
 * inputs (ascending as kt_repr_encode_live writes them, or in any order, with
 * repeats and out-of-range rows). */
static void check_batch(const kt_model *m, const char *what)
{
  size_t sf = kt_model_scratch_floats(m), no = (size_t)m->n_out_total + 16;
  float *sc = malloc(KT_MAX_BATCH * sf * sizeof(float));
  float *one = malloc(sf * sizeof(float));
  float *ob = malloc(KT_MAX_BATCH * no * sizeof(float));
  float *os = malloc(no * sizeof(float));
  int32_t idx[KT_MAX_BATCH][64];
  int n_idx[KT_MAX_BATCH], ref[KT_MAX_BATCH];
  const int32_t *ip[KT_MAX_BATCH];
  float *op[KT_MAX_BATCH];
  int n_in = m->net[0].layer[0].n_in, live = m->repr.arch == KT_ARCH_LIVE;
  for (int np = 1; np <= KT_MAX_BATCH; ++np)
    for (int it = 0; it < 3; ++it) {
      for (int p = 0; p < np; ++p) {
        int k = 0;
        for (int j = 0; j < 30 + p; ++j) {
          int32_t r =
              (int32_t)((frand() + 1.0f) * 0.5f * (float)(n_in + 8)) - 4;
          if (it == 0) r = (int32_t)((j * n_in) / (30 + p)) + p % 3;
          idx[p][k++] = r;
        }
        n_idx[p] = k;
        ref[p] = 60 + p;
        ip[p] = idx[p];
        op[p] = ob + (size_t)p * no;
      }
      for (int live_pass = 0; live_pass <= live; ++live_pass) {
        if (live_pass)
          kt_model_live_logits_batch(m, np, ip, n_idx, ref, sc, op);
        else
          kt_model_forward_batch(m, np, ip, n_idx, sc, op);
        for (int p = 0; p < np; ++p) {
          if (live_pass)
            kt_model_live_logits(m, idx[p], n_idx[p], ref[p], one, os);
          else
            kt_model_forward(m, idx[p], n_idx[p], one, os);
          size_t cmpn = live_pass ? (size_t)kt_repr_n_out_live(&m->repr)
                                  : (size_t)m->n_out_total;
          CHECK(!memcmp(os, op[p], cmpn * sizeof(float)),
                "%s: pass %d of a batch of %d differs from it alone (%s)", what,
                p, np, live_pass ? "live logits" : "forward");
        }
      }
    }
  free(sc);
  free(one);
  free(ob);
  free(os);
}

static void check_bitwise(const kt_model *m, const char *what)
{
  float *scratch = malloc(kt_model_scratch_floats(m) * sizeof(float));
  float *out = malloc((size_t)m->n_out_total * sizeof(float));
  int n_in = m->net[0].layer[0].n_in;
  for (int it = 0; it < 20; ++it) {
    int32_t idx[64];
    int k = 0;
    for (int j = 0; j < 40 + it; ++j) /* includes out-of-range entries */
      idx[k++] = (int32_t)((frand() + 1.0f) * 0.5f * (float)(n_in + 8)) - 4;
    kt_model_forward(m, idx, k, scratch, out);
    CHECK(forward_bitwise(m, idx, k, out),
          "%s: forward differs from the scalar definition (input %d)", what,
          it);
  }
  free(scratch);
  free(out);
  check_batch(m, what);
}

static kt_model *make_model(int nl, const int *hidden)
{
  return make_model_ks(nl, hidden, 0, 0);
}

int main(void)
{
  test_rel_logits();
  char err[256];
  CHECK(kt_model_crc32("123456789", 9) == 0xCBF43926u, "crc32 check value");

  int hid[2] = {7, 5};
  kt_model *m = make_model(3, hid);
  CHECK(m != NULL, "model_new");
  const char *path = "test_model_tmp.kmod";
  CHECK(kt_model_save(m, path, err, sizeof err) == 0, "%s", err);
  size_t len = 0;
  unsigned char *buf = kt_test_slurp(path, &len);
  CHECK(buf && len > 100, "saved file");
  FILE *t = fopen("test_model_tmp.kmod.tmp", "rb");
  CHECK(t == NULL, "temporary file left behind");
  if (t) fclose(t);

  /* round trip: same weights, same bytes when saved again */
  kt_model *m2 = NULL;
  CHECK(kt_model_load_file(path, &m2, err, sizeof err) == 0, "%s", err);
  if (m2) {
    CHECK(memcmp(&m2->repr, &m->repr, sizeof m->repr) == 0, "repr");
    CHECK(m2->n_out_total == m->n_out_total, "n_out");
    for (int l = 0; l < 3; ++l) {
      kt_layer *a = &m->net[0].layer[l], *b = &m2->net[0].layer[l];
      CHECK(a->n_in == b->n_in && a->n_out == b->n_out, "layer %d shape", l);
      CHECK(!memcmp(a->w, b->w, sizeof(float) * a->n_in * a->n_out),
            "layer %d weights", l);
      CHECK(!memcmp(a->b, b->b, sizeof(float) * a->n_out), "biases %d", l);
    }
    CHECK(kt_model_save(m2, "test_model_tmp2.kmod", err, sizeof err) == 0, "%s",
          err);
    size_t len2;
    unsigned char *b2 = kt_test_slurp("test_model_tmp2.kmod", &len2);
    CHECK(b2 && len2 == len && !memcmp(buf, b2, len), "resave identical");
    free(b2);
    remove("test_model_tmp2.kmod");
  }

  /* without key_ctx the file stays version 1; with it, version 2 */
  CHECK(len > 12 && buf[8] == 1, "a model without key_ctx is written as v1");
  {
    kt_model *k = make_model_ks(3, hid, 1, 0);
    CHECK(k && kt_model_save(k, path, err, sizeof err) == 0, "%s", err);
    size_t kl = 0;
    unsigned char *kb = kt_test_slurp(path, &kl);
    CHECK(kb && kl > 12 && kb[8] == 2, "key_ctx model written as v2");
    kt_model *k2 = NULL;
    CHECK(kb && kt_model_load_mem(kb, kl, &k2, err, sizeof err) == 0, "%s",
          err);
    CHECK(k2 && k2->repr.key_ctx == 1 &&
              k2->net[0].layer[0].n_in == k->net[0].layer[0].n_in,
          "key_ctx round trip");
    kt_model_free(k2);
    free(kb);
    kt_model_free(k);
    /* sounding-pitch inputs: version 3, wider first layer, round trip; the
       same bytes labelled v2 are one field short and refused */
    k = make_model_ks(3, hid, 0, 1);
    k2 = reload_as(k, path, 3);
    CHECK(k2 && k2->repr.sounding == 1 && k2->repr.key_ctx == 0 &&
              k2->net[0].layer[0].n_in == kt_repr_n_inputs(&k->repr) &&
              k2->net[0].layer[0].n_in > m->net[0].layer[0].n_in,
          "sounding round trip");
    kt_model_free(k2);
    kt_model_free(k);
    /* averaging over moved melodies: version 4, the same net; labelled v3
       it is one field short and refused; out of range refused */
    k = make_model_ks(3, hid, 0, 0);
    if (k) k->repr.shift_avg = 2;
    k2 = reload_as(k, path, 4);
    CHECK(k2 && k2->repr.shift_avg == 2 && k2->repr.sounding == 0 &&
              k2->net[0].layer[0].n_in == m->net[0].layer[0].n_in,
          "shift_avg round trip");
    kt_model_free(k2);
    if (k) k->repr.shift_avg = KT_MAX_SHIFT_AVG + 1;
    CHECK(k && kt_model_save(k, path, err, sizeof err) == 0, "%s", err);
    kb = kt_test_slurp(path, &kl);
    CHECK(kb && rejects(kb, kl, "shift_avg 4", "shift_avg"),
          "shift_avg out of range refused");
    free(kb);
    kt_model_free(k);
    /* heads naming the sounding pitch: version 5; labelled v4 it is one
       field short and refused; a value other than 0 or 1 refused */
    k = make_model_ks(3, hid, 0, 0);
    if (k) k->repr.shift_avg = 2, k->repr.tgt_sound = 1;
    k2 = reload_as(k, path, 5);
    CHECK(k2 && k2->repr.tgt_sound == 1 && k2->repr.shift_avg == 2 &&
              k2->net[0].layer[0].n_in == m->net[0].layer[0].n_in,
          "tgt_sound round trip");
    kt_model_free(k2);
    if (k) k->repr.tgt_sound = 3;
    CHECK(k && kt_model_save(k, path, err, sizeof err) == 0, "%s", err);
    kb = kt_test_slurp(path, &kl);
    CHECK(kb && rejects(kb, kl, "tgt_sound 3", "tgt_sound"),
          "tgt_sound 3 refused");
    free(kb);
    kt_model_free(k);
    /* distances below the soprano, pitch classes, melody intervals:
       version 6, wider heads and inputs; labelled v5 refused; rel_out
       outside 0..3 or without tgt_sound refused */
    k = make_model_rel(3, hid, 0, 0, KT_REL_DIST | KT_REL_PC, 1);
    k2 = reload_as(k, path, 6);
    CHECK(k2 && k2->repr.rel_out == 3 && k2->repr.rel_in == 1 &&
              k2->net[0].head_size[0] ==
                  kt_repr_n_tok(&k2->repr, KT_ALTO) + KT_NREL + 12 &&
              k2->net[0].layer[0].n_in > m->net[0].layer[0].n_in,
          "rel_out / rel_in round trip");
    kt_model_free(k2);
    if (k) k->repr.rel_out = 4;
    CHECK(k && kt_model_save(k, path, err, sizeof err) == 0, "%s", err);
    kb = kt_test_slurp(path, &kl);
    CHECK(kb && rejects(kb, kl, "rel_out 4", "rel_out"), "rel_out 4 refused");
    free(kb);
    if (k) k->repr.rel_out = 1, k->repr.tgt_sound = 0;
    CHECK(k && kt_model_save(k, path, err, sizeof err) == 0, "%s", err);
    kb = kt_test_slurp(path, &kl);
    CHECK(kb && rejects(kb, kl, "rel_out, attack tokens", "tgt_sound"),
          "rel_out without tgt_sound refused");
    free(kb);
    kt_model_free(k);
    CHECK(kt_model_save(m, path, err, sizeof err) == 0, "%s", err);
  }

  /* key_norm 2 (key signature to C's): no new field, still version 1, the
     same bytes as the key_norm 1 file but for that field and the CRC */
  {
    kt_model *k = make_model_ks(3, hid, 0, 0);
    CHECK(k && kt_model_save(k, path, err, sizeof err) == 0, "%s", err);
    size_t l1 = 0, l2 = 0;
    unsigned char *b1 = kt_test_slurp(path, &l1);
    if (k) k->repr.key_norm = 2;
    CHECK(k && kt_model_save(k, path, err, sizeof err) == 0, "%s", err);
    unsigned char *b2 = kt_test_slurp(path, &l2);
    CHECK(b1 && b2 && l1 == l2 && l2 > 40 && b2[8] == 1,
          "key_norm 2 model written as v1 of the same size");
    size_t diff = 0;
    for (size_t i = 0; b1 && b2 && i < l1 && l1 == l2; ++i)
      if (b1[i] != b2[i] && i != 32 && i + 4 < l1) ++diff;
    CHECK(b1 && b2 && l1 == l2 && b1[32] == 1 && b2[32] == 2 && diff == 0,
          "key_norm 2 differs only in its field (byte 32) and the CRC");
    kt_model *k2 = NULL;
    CHECK(b2 && kt_model_load_mem(b2, l2, &k2, err, sizeof err) == 0, "%s",
          err);
    CHECK(k2 && k && !memcmp(&k2->repr, &k->repr, sizeof k->repr) &&
              k2->repr.key_norm == 2,
          "key_norm 2 round trip");
    kt_repr bad = k ? k->repr : (kt_repr){0};
    bad.key_norm = 3;
    CHECK(!kt_repr_valid(&bad, err, sizeof err), "key_norm 3 accepted");
    kt_model_free(k2);
    free(b1);
    free(b2);
    kt_model_free(k);
    CHECK(kt_model_save(m, path, err, sizeof err) == 0, "%s", err);
  }

  /* damaged files */
  unsigned char *c = malloc(len + 8);
  CHECK(rejects(buf, 0, "empty", "short"), "empty file");
  for (size_t cut = 1; cut < len; cut += (cut < 200 ? 1 : 97))
    if (!rejects(buf, cut, "truncated", NULL)) {
      CHECK(0, "truncated to %zu accepted", cut);
      break;
    }
  CHECK(rejects(buf, len - 1, "truncated", "truncated"), "truncated msg");
  memcpy(c, buf, len);
  memset(c + len, 0, 8);
  CHECK(rejects(c, len + 4, "trailing", "trailing"), "trailing bytes");
  for (size_t bit = 0; bit < len * 8; bit += 37) {
    memcpy(c, buf, len);
    c[bit / 8] ^= (unsigned char)(1u << (bit % 8));
    if (!rejects(c, len, "bit flip", NULL)) {
      CHECK(0, "bit flip at bit %zu accepted", bit);
      break;
    }
  }
  memcpy(c, buf, len);
  c[len / 2] ^= 0x10;
  CHECK(rejects(c, len, "flip", "CRC"), "bit flip in weights -> CRC");
  memcpy(c, buf, len);
  put32(c + 8, KT_MODEL_VERSION + 1);
  recrc(c, len);
  CHECK(rejects(c, len, "version", "version"), "future version");
  put32(c + 8, 0);
  recrc(c, len);
  CHECK(rejects(c, len, "version", "version"), "version 0");
  /* a v1 body labelled v2: one representation field short */
  put32(c + 8, 2);
  recrc(c, len);
  CHECK(rejects(c, len, "v1 as v2", NULL), "v1 body as v2");
  memcpy(c, buf, len);
  c[0] = 'X';
  CHECK(rejects(c, len, "magic", "magic"), "bad magic");
  /* wrong size: first hidden width 7 -> 8 (valid CRC, sizes mismatch) */
  memcpy(c, buf, len);
  size_t off_sizes = 8 + 4 + 4 + 14 * 4 + 4 + 4; /* after n_layers */
  put32(c + off_sizes + 4, 8);
  recrc(c, len);
  CHECK(rejects(c, len, "wrong size", "truncated"), "wrong layer size");
  /* input size that does not match the representation */
  memcpy(c, buf, len);
  put32(c + off_sizes, 3);
  recrc(c, len);
  CHECK(rejects(c, len, "inputs", "inputs"), "wrong n_inputs");
  /* window out of bounds */
  memcpy(c, buf, len);
  put32(c + 20, 100000);
  recrc(c, len);
  CHECK(rejects(c, len, "window", "window"), "window bounds");
  /* lookahead near INT_MAX: window + lookahead must not overflow (found by
   * fuzz_model; seed tests/fuzz/corpus/model/lookahead-intmax.kmod) */
  memcpy(c, buf, len);
  put32(c + 24, 0x7fffffffu);
  recrc(c, len);
  CHECK(rejects(c, len, "lookahead", "lookahead"), "lookahead INT_MAX");
  put32(c + 24, 0x7ffffff0u);
  recrc(c, len);
  CHECK(rejects(c, len, "lookahead", "lookahead"), "lookahead INT_MAX-15");
  /* header size field */
  memcpy(c, buf, len);
  put32(c + 12, 80);
  recrc(c, len);
  CHECK(rejects(c, len, "header", "header"), "header bytes");
  /* file errors name the file */
  kt_model *bad = NULL;
  CHECK(kt_model_load_file("/nonexistent/x.kmod", &bad, err, sizeof err) &&
            strstr(err, "/nonexistent/x.kmod"),
        "missing file message '%s'", err);
  FILE *f = fopen("test_model_trunc.kmod", "wb");
  fwrite(buf, 1, len - 10, f);
  fclose(f);
  CHECK(kt_model_load_file("test_model_trunc.kmod", &bad, err, sizeof err) &&
            strstr(err, "test_model_trunc.kmod") && strstr(err, "byte"),
        "truncated file message '%s'", err);
  remove("test_model_trunc.kmod");

  /* forward vs a naive dense reference, with sparse one-hot inputs */
  size_t sf = kt_model_scratch_floats(m);
  float *scratch = malloc(sf * sizeof(float));
  float *out = malloc((size_t)m->n_out_total * sizeof(float));
  int n_in = m->net[0].layer[0].n_in;
  float *x = malloc((size_t)n_in * sizeof(float));
  for (int it = 0; it < 50; ++it) {
    int32_t idx[16];
    int k = 0;
    memset(x, 0, (size_t)n_in * sizeof(float));
    for (int i = 0; i < n_in && k < 16; ++i)
      if ((frand() + 1) * 0.5f < 12.0f / (float)n_in) {
        idx[k++] = i;
        x[i] = 1;
      }
    kt_model_forward(m, idx, k, scratch, out);
    float a[64], b[64];
    const float *in = x;
    int nin = n_in;
    float *y = a;
    for (int l = 0; l < 3; ++l) {
      kt_layer *L = &m->net[0].layer[l];
      y = (l % 2) ? b : a;
      float big[256];
      float *yy = l == 2 ? big : y;
      for (int o = 0; o < L->n_out; ++o) {
        double s = L->b[o];
        for (int i = 0; i < nin; ++i)
          s += (double)in[i] * L->w[i * L->n_out + o];
        yy[o] = (float)(l < 2 && s < 0 ? 0 : s);
      }
      if (l == 2)
        for (int o = 0; o < L->n_out; ++o)
          CHECK(fabsf(out[o] - big[o]) < 1e-4f * (1 + fabsf(big[o])),
                "forward out[%d] %g vs reference %g", o, out[o], big[o]);
      in = yy;
      nin = L->n_out;
    }
  }
  free(x);
  free(out);
  free(scratch);

  /* bit-exact against the scalar definition: widths that hit every path
   * of the kernel (64-blocks, 8-blocks, scalar tail), and the shipped
   * models */
  int widths[][3] = {{7, 5}, {64, 72}, {133, 9}, {520, 256}};
  for (int w = 0; w < 4; ++w) {
    kt_model *wm = make_model(3, widths[w]);
    CHECK(wm != NULL, "model_new %d", w);
    if (wm) check_bitwise(wm, "random model");
    kt_model_free(wm);
  }
  for (int i = 0; i < kt_model_embedded_count(); ++i) {
    size_t el;
    const void *d = kt_model_embedded_at(i, &el);
    kt_model *em = NULL;
    /* an int8 model has its own definition (tests/nn/test_q8.c); its
       batches are still each pass's */
    if (kt_model_load_mem(d, el, &em, err, sizeof err) == 0) {
      if (em->qmem)
        check_batch(em, "embedded int8 model");
      else
        check_bitwise(em, "embedded model");
    }
    kt_model_free(em);
}

  /* ensembles: stacked nets average their probabilities per head */
  {
    kt_model *mb = make_model(3, hid);
    const kt_model *pair[2] = {m, mb}, *same[2] = {m, m};
    kt_model *ens = kt_model_stack(pair, 2), *twice = kt_model_stack(same, 2);
    CHECK(ens && twice && ens->n_nets == 2, "stack");
    kt_model *kc = make_model_ks(3, hid, 1, 0);
    const kt_model *mixed[2] = {m, kc};
    CHECK(kt_model_stack(mixed, 2) == NULL, "stack of different reprs");
    kt_model_free(kc);
    if (ens) { /* an ensemble stacks too: its nets, in order, up to 4 */
      const kt_model *nest[2] = {ens, m}, *big[3] = {ens, ens, m};
      kt_model *e3 = kt_model_stack(nest, 2);
      CHECK(e3 && e3->n_nets == 3 &&
                !memcmp(e3->net[1].layer[0].w, mb->net[0].layer[0].w,
                        sizeof(float) * (size_t)mb->net[0].layer[0].n_in *
                            mb->net[0].layer[0].n_out) &&
                !memcmp(e3->net[2].layer[1].b, m->net[0].layer[1].b,
                        sizeof(float) * (size_t)m->net[0].layer[1].n_out),
            "ensemble + net stacked in order");
      CHECK(kt_model_stack(big, 3) == NULL, "more than KT_MAX_NETS nets");
      kt_model_free(e3);
    }
    if (ens && twice) {
      CHECK(kt_model_save(ens, path, err, sizeof err) == 0, "%s", err);
      size_t el = 0;
      unsigned char *eb = kt_test_slurp(path, &el);
      kt_model *e2 = NULL;
      CHECK(eb && el > 12 && eb[8] == 2, "an ensemble is written as v2");
      CHECK(eb && kt_model_load_mem(eb, el, &e2, err, sizeof err) == 0 &&
                e2->n_nets == 2,
            "ensemble round trip: %s", err);
      if (eb) { /* the same bytes labelled v1 are refused */
        put32(eb + 8, 1);
        recrc(eb, el);
        CHECK(rejects(eb, el, "ensemble v1", NULL), "v1 ensemble");
      }
      free(eb);
      kt_model_free(e2);
      size_t sf2 = kt_model_scratch_floats(ens);
      float *sc = malloc(sf2 * sizeof(float));
      float *oa = malloc((size_t)ens->n_out_total * sizeof(float));
      float *ob = malloc((size_t)ens->n_out_total * sizeof(float));
      float *o1 = malloc((size_t)m->n_out_total * sizeof(float));
      float *o2 = malloc((size_t)m->n_out_total * sizeof(float));
      int32_t idx[3] = {1, 5, 9};
      kt_model_live_logits(ens, idx, 3, KT_REST, sc, oa);
      kt_model_live_logits(twice, idx, 3, KT_REST, sc, ob);
      kt_model_forward(m, idx, 3, sc, o1);
      kt_model_forward(mb, idx, 3, sc, o2);
      int off = 0;
      for (int h = 0; h < m->net[0].n_heads; ++h) {
        int nt = m->net[0].head_size[h];
        double l1 = 0, l2 = 0;
        for (int j = 0; j < nt; ++j) {
          l1 += exp(o1[off + j]);
          l2 += exp(o2[off + j]);
        }
        for (int j = 0; j < nt; ++j) {
          double p1 = exp(o1[off + j]) / l1, p2 = exp(o2[off + j]) / l2;
          double want = log((p1 + p2) / 2);
          CHECK(fabs(oa[off + j] - want) < 1e-4, "ensemble head %d tok %d: "
                "%g vs %g", h, j, oa[off + j], want);
          CHECK(fabs(ob[off + j] - log(p1)) < 1e-4, "twice = log-softmax");
        }
        off += nt;
      }
      free(sc);
      free(oa);
      free(ob);
      free(o1);
      free(o2);
    }
    kt_model_free(ens);
    kt_model_free(twice);
    kt_model_free(mb);
  }

  /* embedded table: every entry loads and lookahead picks the nearest */
  int ne = kt_model_embedded_count();
  for (int i = 0; i < ne; ++i) {
    size_t el;
    const void *d = kt_model_embedded_at(i, &el);
    kt_model *em = NULL;
    CHECK(d && kt_model_load_mem(d, el, &em, err, sizeof err) == 0,
          "embedded %d: %s", i, err);
    if (em) CHECK(em->repr.arch == KT_ARCH_LIVE, "embedded %d not live", i);
    kt_model_free(em);
  }
  CHECK(kt_model_embedded_at(ne, NULL) == NULL, "past the end");
  if (ne > 0) {
    size_t el;
    kt_model *e0 = NULL, *e9 = NULL;
    const void *d0 = kt_test_embedded(0, &el);
    CHECK(kt_model_load_mem(d0, el, &e0, err, sizeof err) == 0, "%s", err);
    const void *d9 = kt_test_embedded(9, &el);
    CHECK(kt_model_load_mem(d9, el, &e9, err, sizeof err) == 0, "%s", err);
    if (e0 && e9)
      CHECK(e0->repr.lookahead <= e9->repr.lookahead, "nearest lookahead");
    kt_model_free(e0);
    kt_model_free(e9);
  }
  free(c);
  free(buf);
  kt_model_free(m);
  kt_model_free(m2);
  remove(path);
  DONE();
}
