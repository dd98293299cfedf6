/* nn/train/export.c -- the encoded training data as a file (format in
 * train.h), so another framework can train on exactly what kt_train sees,
 * and its reader. */
#include "train.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KT_TD_MAGIC "KTTRAIN1"
#define KT_TD_VERSION 1

typedef struct {
  unsigned char *p;
  size_t len, cap;
  int ok;
} wbuf;

static void put_u32(wbuf *b, uint32_t v)
{
  if (!b->ok) return;
  if (b->len + 4 > b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 1 << 16;
    unsigned char *np = realloc(b->p, nc);
    if (!np) {
      b->ok = 0;
      return;
    }
    b->p = np;
    b->cap = nc;
  }
  unsigned char *q = b->p + b->len;
  q[0] = (unsigned char)v;
  q[1] = (unsigned char)(v >> 8);
  q[2] = (unsigned char)(v >> 16);
  q[3] = (unsigned char)(v >> 24);
  b->len += 4;
}

static void put_f32(wbuf *b, float f)
{
  uint32_t u;
  memcpy(&u, &f, 4);
  put_u32(b, u);
}

static int write_file(const char *path, const unsigned char *p, size_t len,
                      char *err, size_t errlen)
{
  size_t n = strlen(path);
  char *tmp = malloc(n + 5);
  if (!tmp) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  memcpy(tmp, path, n);
  memcpy(tmp + n, ".tmp", 5);
  int rc = -1;
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
  } else {
    size_t w = fwrite(p, 1, len, f);
    if (fclose(f) == 0 && w == len && rename(tmp, path) == 0) {
      rc = 0;
    } else {
      snprintf(err, errlen, "%s: write failed", path);
      remove(tmp);
    }
  }
  free(tmp);
  return rc;
}

int kt_train_export(const kt_train_opts *o, const kt_chorale *train,
                    int n_train, const char *path, int *n_ex, char *err,
                    size_t errlen)
{
  kt_repr r;
  if (kt_train_repr(o, train, n_train, &r, err, errlen)) return -1;
  if (r.arch == KT_ARCH_FORWARD3BACH) {
    snprintf(err, errlen,
             "--export-data: forward3bach has three nets; "
             "export a single-net arch");
    return -1;
  }
  kt_dataset ds;
  if (kt_dataset_build(&ds, &r, train, n_train, o->augment, o->near_span, err,
                       errlen))
    return -1;
  int maxa = kt_repr_max_active(&r), nt = kt_dataset_n_targets(&r, 0);
  int32_t *idx = malloc((size_t)(maxa > 0 ? maxa : 1) * sizeof *idx);
  int *tgt = malloc((size_t)nt * sizeof *tgt);
  int *cnt = malloc((size_t)(ds.n_ex ? ds.n_ex : 1) * sizeof *cnt);
  wbuf all = {0}, ib = {0};
  all.ok = ib.ok = 1;
  int rc = -1;
  if (!idx || !tgt || !cnt) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  /* the inputs (and their count) first, targets after */
  wbuf tb = {0};
  tb.ok = 1;
  for (int i = 0; i < ds.n_ex; ++i) {
    cnt[i] = kt_dataset_example(&ds, &ds.ex[i], 0, 0, 0, NULL, idx, tgt);
    for (int k = 0; k < cnt[i]; ++k)
      put_u32(&ib, (uint32_t)idx[k]);
    for (int h = 0; h < nt; ++h)
      put_u32(&tb, (uint32_t)tgt[h]);
  }
  int hs[KT_MAX_HEADS * 2];
  for (int i = 0; i < 8; i += 4) /* the magic, as bytes */
    put_u32(&all, (uint32_t)(unsigned char)KT_TD_MAGIC[i] |
                      (uint32_t)(unsigned char)KT_TD_MAGIC[i + 1] << 8 |
                      (uint32_t)(unsigned char)KT_TD_MAGIC[i + 2] << 16 |
                      (uint32_t)(unsigned char)KT_TD_MAGIC[i + 3] << 24);
  put_u32(&all, KT_TD_VERSION);
  put_u32(&all, (uint32_t)kt_repr_n_inputs(&r));
  put_u32(&all, (uint32_t)o->n_hidden);
  for (int l = 0; l < o->n_hidden; ++l)
    put_u32(&all, (uint32_t)o->hidden[l]);
  put_u32(&all, (uint32_t)nt);
  for (int h = 0; h < nt; ++h) {
    hs[h] = r.arch == KT_ARCH_CHORD ? KT_NCHORDS
                                    : kt_repr_n_tok(&r, kt_repr_head_voice(h % 3));
    put_u32(&all, (uint32_t)hs[h]);
  }
  put_u32(&all, (uint32_t)o->batch);
  put_f32(&all, o->lr);
  put_f32(&all, o->dropout);
  put_u32(&all, (uint32_t)ds.n_ex);
  put_u32(&all, (uint32_t)(ib.len / 4));
  for (int i = 0; i < ds.n_ex; ++i)
    put_u32(&all, (uint32_t)cnt[i]);
  for (size_t i = 0; i + 4 <= ib.len && all.ok; i += 4) {
    uint32_t v;
    memcpy(&v, ib.p + i, 4); /* already little endian */
    put_u32(&all, v);
  }
  for (size_t i = 0; i + 4 <= tb.len && all.ok; i += 4) {
    uint32_t v;
    memcpy(&v, tb.p + i, 4);
    put_u32(&all, v);
  }
  free(tb.p);
  if (!all.ok || !ib.ok || !tb.ok) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  put_u32(&all, kt_model_crc32(all.p, all.len));
  if (!all.ok) {
    snprintf(err, errlen, "out of memory");
    goto done;
  }
  rc = write_file(path, all.p, all.len, err, errlen);
  if (n_ex) *n_ex = ds.n_ex;
done:
  free(all.p);
  free(ib.p);
  free(idx);
  free(tgt);
  free(cnt);
  kt_dataset_free(&ds);
  return rc;
}

/* ---- reader ---- */

typedef struct {
  const unsigned char *p;
  size_t len, off;
} rbuf;

static int get_u32(rbuf *b, uint32_t *v)
{
  if (b->off > b->len || b->len - b->off < 4) return 0;
  const unsigned char *q = b->p + b->off;
  *v = (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
       (uint32_t)q[3] << 24;
  b->off += 4;
  return 1;
}

#define FAIL(...)                                                              \
  do {                                                                         \
    char m_[256];                                                              \
    snprintf(m_, sizeof m_, __VA_ARGS__);                                      \
    snprintf(err, errlen, "%s: %s", path, m_);                                 \
    goto fail;                                                                 \
  } while (0)

/* Read the next u32 into v, or fail naming the field. */
#define GET(v, what)                                                           \
  do {                                                                         \
    if (!get_u32(&b, &(v))) FAIL("byte %zu: truncated at %s", b.off, what);    \
  } while (0)

int kt_train_data_load(const char *path, kt_train_data *d, char *err,
                       size_t errlen)
{
  memset(d, 0, sizeof *d);
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0;
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  for (;;) {
    if (len == cap) {
      size_t nc = cap ? cap * 2 : 1 << 20;
      unsigned char *nb = realloc(buf, nc);
      if (!nb) {
        fclose(f);
        FAIL("out of memory");
      }
      buf = nb;
      cap = nc;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  int ferr = ferror(f);
  fclose(f);
  if (ferr) FAIL("read error");
  rbuf b = {buf, len, 8};
  uint32_t u, crc;
  if (len < 12 || memcmp(buf, KT_TD_MAGIC, 8) != 0)
    FAIL("byte 0: not a kantor training-data file (magic %s)", KT_TD_MAGIC);
  if (len < 16) FAIL("byte %zu: truncated", len);
  crc = (uint32_t)buf[len - 4] | (uint32_t)buf[len - 3] << 8 |
        (uint32_t)buf[len - 2] << 16 | (uint32_t)buf[len - 1] << 24;
  if (crc != kt_model_crc32(buf, len - 4))
    FAIL("byte %zu: CRC mismatch: corrupted or truncated", len - 4);
  b.len = len - 4;
  GET(u, "version");
  if (u != KT_TD_VERSION)
    FAIL("byte 8: version %u, this build reads %d", u, KT_TD_VERSION);
  GET(u, "n_in");
  if (u < 1 || u > (1u << 20)) FAIL("byte %zu: n_in %u", b.off - 4, u);
  d->n_in = (int)u;
  GET(u, "n_hidden");
  if (u < 1 || u > KT_MAX_LAYERS - 1)
    FAIL("byte %zu: n_hidden %u outside 1..%d", b.off - 4, u,
         KT_MAX_LAYERS - 1);
  d->n_hidden = (int)u;
  for (int l = 0; l < d->n_hidden; ++l) {
    GET(u, "hidden sizes");
    if (u < 1 || u > KT_MAX_WIDTH)
      FAIL("byte %zu: hidden size %u outside 1..%d", b.off - 4, u,
           KT_MAX_WIDTH);
    d->hidden[l] = (int)u;
  }
  GET(u, "n_heads");
  if (u < 1 || u > KT_MAX_HEADS)
    FAIL("byte %zu: n_heads %u outside 1..%d", b.off - 4, u, KT_MAX_HEADS);
  d->n_heads = (int)u;
  int tot = 0;
  for (int h = 0; h < d->n_heads; ++h) {
    GET(u, "head sizes");
    if (u < 1 || u > KT_MAX_WIDTH) FAIL("byte %zu: head size %u", b.off - 4, u);
    d->head_size[h] = (int)u;
    tot += (int)u;
  }
  if (tot > KT_MAX_WIDTH)
    FAIL("heads sum to %d outputs (> %d)", tot, KT_MAX_WIDTH);
  GET(u, "batch");
  if (u < 1 || u > 65536) FAIL("byte %zu: batch %u", b.off - 4, u);
  d->batch = (int)u;
  GET(u, "lr");
  memcpy(&d->lr, &u, 4);
  GET(u, "dropout");
  memcpy(&d->dropout, &u, 4);
  if (!(d->lr > 0 && d->lr <= 1) || !(d->dropout >= 0 && d->dropout < 1))
    FAIL("byte %zu: lr %g / dropout %g out of range", b.off - 8, (double)d->lr,
         (double)d->dropout);
  uint32_t n_ex, n_idx;
  GET(n_ex, "n_ex");
  GET(n_idx, "n_idx");
  uint64_t need = 4ull * ((uint64_t)n_ex * (1 + (uint64_t)d->n_heads) + n_idx);
  if (need != b.len - b.off)
    FAIL("byte %zu: %u examples with %u inputs need %llu more bytes, the "
         "file has %zu",
         b.off, n_ex, n_idx, (unsigned long long)need, b.len - b.off);
  d->n_ex = (int)n_ex;
  d->n_idx = (int)n_idx;
  d->cnt = malloc((size_t)(n_ex ? n_ex : 1) * sizeof *d->cnt);
  d->off = malloc((size_t)(n_ex + 1) * sizeof *d->off);
  d->idx = malloc((size_t)(n_idx ? n_idx : 1) * sizeof *d->idx);
  d->tgt = malloc((size_t)(n_ex ? n_ex : 1) * d->n_heads * sizeof *d->tgt);
  if (!d->cnt || !d->off || !d->idx || !d->tgt) FAIL("out of memory");
  uint64_t sum = 0;
  for (uint32_t i = 0; i < n_ex; ++i) {
    GET(u, "counts");
    if (u > KT_MAX_WIDTH)
      FAIL("byte %zu: example %u: %u inputs", b.off - 4, i, u);
    d->cnt[i] = (int)u;
    d->off[i] = (int)sum;
    sum += u;
    if (d->cnt[i] > d->maxa) d->maxa = d->cnt[i];
  }
  d->off[n_ex] = (int)sum;
  if (sum != n_idx)
    FAIL("counts sum to %llu inputs, the header says %u",
         (unsigned long long)sum, n_idx);
  for (uint32_t i = 0; i < n_idx; ++i) {
    GET(u, "inputs");
    if (u >= (uint32_t)d->n_in)
      FAIL("byte %zu: input index %u outside 0..%d", b.off - 4, u, d->n_in - 1);
    d->idx[i] = (int32_t)u;
  }
  for (uint32_t i = 0; i < n_ex; ++i)
    for (int h = 0; h < d->n_heads; ++h) {
      GET(u, "targets");
      int t = (int)(int32_t)u;
      if (t < -1 || t >= d->head_size[h])
        FAIL("byte %zu: example %u head %d: target %d outside -1..%d",
             b.off - 4, i, h, t, d->head_size[h] - 1);
      d->tgt[(size_t)i * d->n_heads + h] = t;
    }
  free(buf);
  return 0;
fail:
  free(buf);
  kt_train_data_free(d);
  return -1;
}

void kt_train_data_free(kt_train_data *d)
{
  free(d->cnt);
  free(d->off);
  free(d->idx);
  free(d->tgt);
  memset(d, 0, sizeof *d);
}
