/* nn/offline.c -- the model code only the tools and the trainer use, kept
 * out of the plugin's library (kantor_nn_core): the offline architectures'
 * input (kt_encode_window) and live ensembles (kt_model_stack). */
#include "encode.h"
#include "model.h"

#include <string.h>

int kt_encode_window(const kt_repr *r, const int8_t *sop_pitch,
                     const uint8_t *sop_onset, int32_t *idx)
{
  return kt_encode_sop(r, sop_pitch, sop_onset, r->window, idx, 0);
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
  return m;
}
