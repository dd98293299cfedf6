/* nn/offline.c -- the model code only the tools and the trainer use, kept
 * out of the plugin's library (kantor_nn_core): the offline architectures'
 * input (kt_repr_encode_window), live ensembles (kt_model_stack) and writing a
 * model file (kt_model_save). */
#include "encode.h"
#include "model.h"
#include "model_fmt.h"
#include "q8.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kt_repr_encode_window(const kt_repr *r, const int8_t *sop_pitch,
                     const uint8_t *sop_onset, int32_t *idx)
{
  return kt_repr_encode_sop(r, sop_pitch, sop_onset, r->window, idx, 0);
}

kt_model *kt_model_stack(const kt_model *const *ms, int n)
{
  if (n < 1) return NULL;
  int n_layers[KT_MAX_NETS], n_heads[KT_MAX_NETS];
  int sizes[KT_MAX_NETS][KT_MAX_LAYERS + 1];
  int heads[KT_MAX_NETS][KT_MAX_HEADS];
  const kt_net *src[KT_MAX_NETS];
  int total = 0;
  for (int k = 0; k < n; ++k) {
    const kt_model *a = ms[k];
    if (a->repr.arch != KT_ARCH_LIVE ||
        memcmp(&a->repr, &ms[0]->repr, sizeof a->repr) != 0 ||
        a->n_nets > KT_MAX_NETS - total)
      return NULL;
    for (int j = 0; j < a->n_nets; ++j, ++total) {
      const kt_net *net = &a->net[j];
      src[total] = net;
      n_layers[total] = net->n_layers;
      n_heads[total] = net->n_heads;
      sizes[total][0] = net->layer[0].n_in;
      for (int l = 0; l < net->n_layers; ++l)
        sizes[total][l + 1] = net->layer[l].n_out;
      memcpy(heads[total], net->head_size, sizeof(int) * (size_t)net->n_heads);
    }
  }
  kt_model *m = kt_model_new(&ms[0]->repr, total, n_layers,
                             (const int(*)[KT_MAX_LAYERS + 1])sizes, n_heads,
                             (const int(*)[KT_MAX_HEADS])heads);
  if (!m) return NULL;
  for (int k = 0; k < total; ++k)
    for (int l = 0; l < n_layers[k]; ++l) {
      const kt_layer *s = &src[k]->layer[l];
      kt_layer *d = &m->net[k].layer[l];
      memcpy(d->w, s->w, sizeof(float) * (size_t)s->n_in * s->n_out);
      memcpy(d->b, s->b, sizeof(float) * (size_t)s->n_out);
    }
  if (m->repr.quant &&
      kt_q8_quantize(m, ms[0]->qmem ? ms[0]->q_isa : KT_Q8_ISA_AUTO)) {
    kt_model_free(m);
    return NULL;
  }
  return m;
}

/* ---- save ---- */

/* The mirror of model_io.c's repr_from_ints (the reader's). */
static void repr_to_ints(const kt_repr *r, int32_t *v)
{
  int k = 0;
  v[k++] = r->arch;
  v[k++] = r->window;
  v[k++] = r->lookahead;
  v[k++] = r->feedback;
  v[k++] = r->key_norm;
  for (int i = 0; i < KT_NVOICES; ++i)
    v[k++] = r->lo[i];
  for (int i = 0; i < KT_NVOICES; ++i)
    v[k++] = r->hi[i];
  v[k++] = r->chord_len;
  v[k++] = r->key_ctx;
  v[k++] = r->sounding;
  v[k++] = r->shift_avg;
  v[k++] = r->tgt_sound;
  v[k++] = r->rel_out;
  v[k++] = r->rel_in;
  v[k++] = r->quant;
}

static void put_u32(unsigned char **p, uint32_t v)
{
  (*p)[0] = (unsigned char)v;
  (*p)[1] = (unsigned char)(v >> 8);
  (*p)[2] = (unsigned char)(v >> 16);
  (*p)[3] = (unsigned char)(v >> 24);
  *p += 4;
}

static void put_f32(unsigned char **p, float f)
{
  uint32_t u;
  memcpy(&u, &f, 4);
  put_u32(p, u);
}

int kt_model_save(const kt_model *m, const char *path, char *err, size_t errlen)
{
  /* the oldest version that can hold the model: v1 files stay v1 */
  int version =
      m->repr.quant                                                        ? 7
      : m->repr.rel_out || m->repr.rel_in                                  ? 6
      : m->repr.tgt_sound                                                  ? 5
      : m->repr.shift_avg                                                  ? 4
      : m->repr.sounding                                                   ? 3
      : m->repr.key_ctx || (m->repr.arch == KT_ARCH_LIVE && m->n_nets > 1) ? 2
                                                                           : 1;
  int nf = kt_model_repr_fields((uint32_t)version);
  size_t hdr = 8 + 4 + 4 + 4 * (size_t)nf + 4, wf = 0;
  for (int n = 0; n < m->n_nets; ++n) {
    const kt_net *net = &m->net[n];
    hdr += 4 + 4 * (size_t)(net->n_layers + 1) + 4 + 4 * (size_t)net->n_heads;
    for (int l = 0; l < net->n_layers; ++l)
      wf += (size_t)net->layer[l].n_in * net->layer[l].n_out +
            net->layer[l].n_out;
  }
  size_t len = hdr + wf * 4 + 4;
  unsigned char *buf = malloc(len), *p = buf;
  if (!buf) {
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  memcpy(p, KT_MODEL_MAGIC, 8);
  p += 8;
  put_u32(&p, (uint32_t)version);
  put_u32(&p, (uint32_t)hdr);
  int32_t rv[KT_REPR_FIELDS];
  repr_to_ints(&m->repr, rv);
  for (int i = 0; i < nf; ++i)
    put_u32(&p, (uint32_t)rv[i]);
  put_u32(&p, (uint32_t)m->n_nets);
  for (int n = 0; n < m->n_nets; ++n) {
    const kt_net *net = &m->net[n];
    put_u32(&p, (uint32_t)net->n_layers);
    put_u32(&p, (uint32_t)net->layer[0].n_in);
    for (int l = 0; l < net->n_layers; ++l)
      put_u32(&p, (uint32_t)net->layer[l].n_out);
    put_u32(&p, (uint32_t)net->n_heads);
    for (int h = 0; h < net->n_heads; ++h)
      put_u32(&p, (uint32_t)net->head_size[h]);
  }
  for (int n = 0; n < m->n_nets; ++n) {
    const kt_net *net = &m->net[n];
    for (int l = 0; l < net->n_layers; ++l) {
      const kt_layer *L = &net->layer[l];
      size_t nw = (size_t)L->n_in * L->n_out;
      for (size_t i = 0; i < nw; ++i)
        put_f32(&p, L->w[i]);
      for (int i = 0; i < L->n_out; ++i)
        put_f32(&p, L->b[i]);
    }
  }
  put_u32(&p, kt_model_crc32(buf, len - 4));

  size_t plen = strlen(path);
  char *tmp = malloc(plen + 5);
  if (!tmp) {
    free(buf);
    snprintf(err, errlen, "%s: out of memory", path);
    return -1;
  }
  memcpy(tmp, path, plen);
  memcpy(tmp + plen, ".tmp", 5);
  int rc = -1;
  FILE *f = fopen(tmp, "wb");
  if (!f) {
    snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
  } else {
    size_t w = fwrite(buf, 1, len, f);
    int ce = fclose(f);
    if (w != len || ce != 0) {
      snprintf(err, errlen, "%s: write failed", tmp);
      remove(tmp);
    } else if (rename(tmp, path) != 0) {
      snprintf(err, errlen, "%s: rename to %s failed: %s", tmp, path,
               strerror(errno));
      remove(tmp);
    } else {
      rc = 0;
    }
  }
  free(tmp);
  free(buf);
  return rc;
}
