/* nn/q8.h -- int8 inference (kt_repr.quant = 1): the same nets, each layer
 * run on 8-bit weights and 7-bit activations with 32-bit integer sums.
 *
 * A layer's weights are quantized once at load time, per output: q[i][o] =
 * round(w[i][o] / s[o]) with s[o] = max_i |w[i][o]| / 127, so q is in
 * -127..127.  Its input is quantized per pass: the one-hot input layer
 * takes each listed row's count x[i] (1, or more for a repeated row) and
 * a = 1; a later layer takes the ReLU activations y of the one before as
 * x[i] = round(y[i] / a) with a = max(y) / 127, so 0..127.  Then y[o] =
 * b[o] + ((float)sum_i x[i] q[i][o] * s[o]) * a, with ReLU on hidden
 * layers.
 *
 * The sums are integers, exact at every vector width: x86-64 CPUs with
 * AVX-512 VNNI or AVX-VNNI (vpdpbusd), AVX2 or SSSE3 (vpmaddubsw / pmaddubsw,
 * which cannot saturate with 7-bit activations: 2 * 127 * 127 < 32768),
 * AArch64 (NEON: smull, sadalp; with the dot product instructions, sdot)
 * and plain C give bitwise the same outputs;
 * the float steps are element-wise, in one order, with no FMA.  The one-hot
 * layer's weights are stored by rows (q[i * n_out + o]), a listed row's
 * added in 16 bits by the vector kernels (exact for up to 256 rows, more go
 * by chunks).  A later layer's are stored by rows for plain C,
 * which skips the inputs that are 0, and for the vector kernels in pairs of
 * inputs (q[(k * n_out + o) * 2 + j] = q[2k + j][o], inputs padded to a
 * multiple of 4 with zeros): a pair whose two inputs are 0 is skipped, and
 * two listed pairs make the four products vpdpbusd or sdot adds (q8.c). */
#ifndef KT_Q8_H
#define KT_Q8_H

#include "model.h"
#include "rt.h"
#include <stddef.h>
#include <stdint.h>

/* The kernels: KT_Q8_ISA_AUTO picks the best the CPU has. */
enum {
  KT_Q8_ISA_AUTO = -1,
  KT_Q8_C = 0,
  KT_Q8_SSSE3 = 1,   /* pmaddubsw on 128 bits (x86 without AVX2) */
  KT_Q8_AVX2 = 2,    /* vpmaddubsw */
  KT_Q8_AVXVNNI = 3, /* vpdpbusd on 256 bits (AVX-VNNI, no AVX-512) */
  KT_Q8_VNNI = 4,    /* vpdpbusd on 512 bits (AVX-512 VNNI) */
  KT_Q8_NEON = 5,    /* smull + sadalp on 128 bits (AArch64) */
  KT_Q8_NEONDOT = 6, /* sdot on 128 bits (AArch64 with the dot product
                        instructions: Armv8.2 and later, e.g. Cortex-A76) */
  KT_Q8_N = 7        /* how many kernels */
};

/* Non-RT: quantize every layer of m (allocates m->qmem) and pick the
 * kernel (isa, or the CPU's best if it is AUTO or the CPU lacks it).
 * Returns 0 on success, -1 if out of memory (m unchanged). */
int kt_q8_quantize(kt_model *m, int isa);
/* The kernel kt_q8_quantize picks for isa on this CPU (for AUTO, the
 * environment variable KANTOR_Q8_ISA=c, ssse3, avx2, avxvnni, neon or
 * neondot asks for another the CPU has: measuring). */
int kt_q8_isa_pick(int isa);
const char *kt_q8_isa_name(int isa);

/* Bytes of input buffer a layer of n_in inputs needs (n_in rounded up to
 * a multiple of 4); its pair list has half as many entries. */
static inline size_t kt_q8_in_bytes(int n_in)
{
  return ((size_t)n_in + 3) / 4 * 4;
}

/* The one-hot input layer: y[o] for o < L->n_out from the n_idx listed
 * rows (those outside 0..L->n_in - 1 ignored, a repeated one counted
 * again), ReLU if relu; acc: L->n_out int32 of room for the sums. */
void kt_q8_layer0(const kt_model *m, const kt_layer *L, const int32_t *idx,
                  int n_idx, int relu, int32_t *acc, float *y) KT_RT;
/* A hidden layer's ReLU outputs y[0..n) (>= 0) quantized into x, the
 * pairs of inputs not both 0 in grp (returned: how many; 0 if every
 * output is 0, and then x is not written), the scale in *a. */
int kt_q8_acts(const kt_model *m, const float *y, int n, uint8_t *x,
               int32_t *grp, float *a) KT_RT;
/* A later layer: y[o] for o < L->n_out from x's ng listed pairs grp and
 * its scale a, ReLU if relu; acc: L->n_out int32 of room for the sums. */
void kt_q8_layer(const kt_model *m, const kt_layer *L, const uint8_t *x,
                 const int32_t *grp, int ng, float a, int relu, int32_t *acc,
                 float *y) KT_RT;

/* The heads' arithmetic of an int8 model (its ensemble's mean and its
 * shift averaging): y = exp(x), y = log(x) element-wise (y may be x), and
 * the maximum of x[0..n) (n >= 1).  Float polynomials, the same per lane at
 * every vector width (their callers add in a fixed order): bitwise the same
 * on every CPU. */
void kt_q8_exp(const float *x, float *y, int n) KT_RT;
void kt_q8_log(const float *x, float *y, int n) KT_RT;
float kt_q8_max(const float *restrict x, int n) KT_RT;

#endif
