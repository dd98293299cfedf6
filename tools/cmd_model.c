/* tools/cmd_model.c -- `kantor model`: what a model file holds (version,
 * representation, nets, worst-case cost per slice against the plugin's
 * budget), and the same nets written again to run another way: int8
 * (--quant), another averaging (--shift-avg) or some of an ensemble's
 * nets (--nets).  The weights are copied as they are. */
#include "cmds.h"
#include "engine.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
  fprintf(f,
          "usage: kantor model FILE [--quant float|int8] [--shift-avg N]\n"
          "                         [--nets LIST] [-o OUT]\n"
          "Prints what the model file holds and its worst-case cost per\n"
          "slice against the plugin's budget (a costlier model is refused\n"
          "by the plugin and by render/eval --model).  With -o, writes the\n"
          "same weights to OUT (never half-written) with the changes asked:\n"
          "--quant int8 has the engine run it with 8-bit weights and\n"
          "activations (nn/q8.h), float as written; --shift-avg N (0..%d)\n"
          "averages it over the melody moved by -N..+N; --nets 2 or 1,2\n"
          "keeps those nets of an ensemble (counted from 1).\n",
          KT_MAX_SHIFT_AVG);
}

static void describe(const char *path, const kt_model *m, uint32_t version)
{
  const kt_repr *r = &m->repr;
  printf("%s: version %u, %s, window %d, lookahead %d, feedback %d, "
         "shift_avg %d, %s\n",
         path, version, r->arch == KT_ARCH_LIVE ? "live" : "offline", r->window,
         r->lookahead, r->feedback, r->shift_avg, r->quant ? "int8" : "float");
  for (int n = 0; n < m->n_nets; ++n) {
    const kt_net *net = &m->net[n];
    printf("  net %d:", n + 1);
    for (int l = 0; l < net->n_layers; ++l)
      printf("%s%d", l ? " x " : " ", net->layer[l].n_in);
    printf(" x %d\n", net->layer[net->n_layers - 1].n_out);
  }
  if (r->arch == KT_ARCH_LIVE) {
    uint64_t c = kt_engine_model_cost(m), b = kt_engine_cost_budget();
    printf("  worst case per slice: %.2f M multiply-adds (float "
           "equivalent); the budget %.2f M: %s\n",
           (double)c * 1e-6, (double)b * 1e-6,
           b == 0 || c <= b ? "runs in the plugin" : "too costly, refused");
  }
}

/* The version a model file says (0 if unreadable). */
static uint32_t file_version(const char *path)
{
  FILE *f = fopen(path, "rb");
  unsigned char h[12] = {0};
  uint32_t v = 0;
  if (f && fread(h, 1, 12, f) == 12)
    v = (uint32_t)h[8] | (uint32_t)h[9] << 8 | (uint32_t)h[10] << 16 |
        (uint32_t)h[11] << 24;
  if (f) fclose(f);
  return v;
}

int kt_cmd_model(int argc, char **argv)
{
  const char *in = NULL, *out = NULL, *nets = NULL;
  int quant = -1, shift = -1;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      usage(stdout);
      return KT_EXIT_OK;
    } else if (!strcmp(a, "-o") && v) {
      out = v;
      ++i;
    } else if (!strcmp(a, "--quant") && v) {
      if (!strcmp(v, "int8"))
        quant = 1;
      else if (!strcmp(v, "float"))
        quant = 0;
      else {
        fprintf(stderr, "kantor model: --quant wants float or int8, not '%s'\n",
                v);
        return KT_EXIT_USAGE;
      }
      ++i;
    } else if (!strcmp(a, "--shift-avg") && v) {
      char *end;
      long n = strtol(v, &end, 10);
      if (*end || end == v || n < 0 || n > KT_MAX_SHIFT_AVG) {
        fprintf(stderr, "kantor model: --shift-avg wants 0..%d, not '%s'\n",
                KT_MAX_SHIFT_AVG, v);
        return KT_EXIT_USAGE;
      }
      shift = (int)n;
      ++i;
    } else if (!strcmp(a, "--nets") && v) {
      nets = v;
      ++i;
    } else if (a[0] == '-' || in) {
      fprintf(stderr, "kantor model: unexpected argument '%s'\n", a);
      usage(stderr);
      return KT_EXIT_USAGE;
    } else
      in = a;
  }
  if (!in) {
    usage(stderr);
    return KT_EXIT_USAGE;
  }
  if (!out && (quant >= 0 || shift >= 0 || nets)) {
    fprintf(stderr, "kantor model: --quant, --shift-avg and --nets need -o "
                    "OUT\n");
    return KT_EXIT_USAGE;
  }
  char err[512];
  kt_model *m = NULL;
  if (kt_model_load_file(in, &m, err, sizeof err)) {
    fprintf(stderr, "kantor model: %s\n", err);
    return KT_EXIT_FAIL;
  }
  if (!out) {
    describe(in, m, file_version(in));
    kt_model_free(m);
    return KT_EXIT_OK;
  }
  int rc = KT_EXIT_FAIL;
  kt_model *w = NULL;
  if (m->repr.arch != KT_ARCH_LIVE) {
    fprintf(stderr,
            "kantor model: %s: --quant, --shift-avg and --nets are for live "
            "models\n",
            in);
    goto done;
  }
  kt_repr r = m->repr;
  if (quant >= 0) r.quant = quant;
  if (shift >= 0) r.shift_avg = shift;
  /* the nets kept, in order */
  const kt_model *one[KT_MAX_NETS];
  kt_model part[KT_MAX_NETS];
  int keep[KT_MAX_NETS], n_keep = 0;
  if (nets) {
    for (const char *p = nets; *p;) {
      char *end;
      long k = strtol(p, &end, 10);
      if (end == p || k < 1 || k > m->n_nets || n_keep == KT_MAX_NETS ||
          (*end && *end != ',')) {
        fprintf(stderr,
                "kantor model: --nets '%s': want net numbers 1..%d, comma "
                "separated\n",
                nets, m->n_nets);
        rc = KT_EXIT_USAGE;
        goto done;
      }
      keep[n_keep++] = (int)k - 1;
      p = *end ? end + 1 : end;
    }
  } else
    for (int n = 0; n < m->n_nets; ++n)
      keep[n_keep++] = n;
  for (int k = 0; k < n_keep; ++k) { /* views of one net each (no copy) */
    part[k] = *m;
    part[k].repr = r;
    part[k].repr.quant = 0; /* stacked as floats, quantized once below */
    part[k].n_nets = 1;
    part[k].net[0] = m->net[keep[k]];
    part[k].qmem = NULL;
    one[k] = &part[k];
  }
  w = kt_model_stack(one, n_keep);
  if (!w) {
    fprintf(stderr, "kantor model: %s: cannot copy the nets\n", in);
    goto done;
  }
  w->repr.quant = r.quant;
  char rerr[160];
  if (!kt_repr_valid(&w->repr, rerr, sizeof rerr)) {
    fprintf(stderr, "kantor model: %s\n", rerr);
    goto done;
  }
  if (kt_model_save(w, out, err, sizeof err)) {
    fprintf(stderr, "kantor model: %s\n", err);
    goto done;
  }
  kt_model *back = NULL;
  if (kt_model_load_file(out, &back, err, sizeof err)) {
    fprintf(stderr, "kantor model: %s\n", err);
    goto done;
  }
  describe(out, back, file_version(out));
  kt_model_free(back);
  rc = KT_EXIT_OK;
done:
  kt_model_free(w);
  kt_model_free(m);
  return rc;
}
