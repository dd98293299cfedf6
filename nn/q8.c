/* nn/q8.c -- int8 inference (see q8.h): quantizing a model's weights at
 * load time, and the audio-thread kernels. */
#include "q8.h"
#include "simd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) &&        \
    !defined(KT_NO_CLONES)
#define KT_Q8_X86 1
#include <immintrin.h>
#endif
#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__)) &&       \
    !defined(KT_NO_CLONES)
#define KT_Q8_ARM 1 /* Advanced SIMD is part of every AArch64 CPU */
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#define KT_HWCAP_ASIMDDP (1ul << 20) /* Linux's HWCAP_ASIMDDP: sdot, udot */
#endif
#endif

/* ---- load time ---- */

int kt_q8_isa_pick(int isa)
{
  /* for measuring the other kernels on one machine (bench, tests) */
  const char *env = isa == KT_Q8_ISA_AUTO ? getenv("KANTOR_Q8_ISA") : NULL;
  if (env && !strcmp(env, "c")) isa = KT_Q8_C;
  if (env && !strcmp(env, "ssse3")) isa = KT_Q8_SSSE3;
  if (env && !strcmp(env, "avx2")) isa = KT_Q8_AVX2;
  if (env && !strcmp(env, "avxvnni")) isa = KT_Q8_AVXVNNI;
  if (env && !strcmp(env, "neon")) isa = KT_Q8_NEON;
  if (env && !strcmp(env, "neondot")) isa = KT_Q8_NEONDOT;
#ifdef KT_Q8_X86
  __builtin_cpu_init();
  int vnni = __builtin_cpu_supports("avx512f") &&
             __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vnni");
  int avx2 = __builtin_cpu_supports("avx2");
  int avxvnni = avx2 && __builtin_cpu_supports("avxvnni");
  int ssse3 = __builtin_cpu_supports("ssse3");
  if (isa == KT_Q8_ISA_AUTO || isa == KT_Q8_NEON || isa == KT_Q8_NEONDOT)
    isa = KT_Q8_VNNI;
  if (isa == KT_Q8_VNNI && !vnni) isa = KT_Q8_AVXVNNI;
  if (isa == KT_Q8_AVXVNNI && !avxvnni) isa = KT_Q8_AVX2;
  if (isa == KT_Q8_AVX2 && !avx2) isa = KT_Q8_SSSE3;
  if (isa == KT_Q8_SSSE3 && !ssse3) isa = KT_Q8_C;
  return isa;
#elif defined(KT_Q8_ARM)
  if (isa == KT_Q8_C) return KT_Q8_C;
#ifdef KT_HWCAP_ASIMDDP
  if ((isa == KT_Q8_ISA_AUTO || isa == KT_Q8_NEONDOT) &&
      (getauxval(AT_HWCAP) & KT_HWCAP_ASIMDDP))
    return KT_Q8_NEONDOT;
#endif
  return KT_Q8_NEON;
#else
  (void)isa;
  return KT_Q8_C;
#endif
}

const char *kt_q8_isa_name(int isa)
{
  return isa == KT_Q8_VNNI      ? "AVX-512 VNNI"
         : isa == KT_Q8_AVXVNNI ? "AVX-VNNI"
         : isa == KT_Q8_AVX2    ? "AVX2"
         : isa == KT_Q8_SSSE3   ? "SSSE3"
         : isa == KT_Q8_NEON    ? "NEON"
         : isa == KT_Q8_NEONDOT ? "NEON dot product"
                                : "C";
}

/* n rounded up to a multiple of 64 (each block on its own cache lines) */
static size_t up64(size_t n)
{
  return (n + 63) / 64 * 64;
}

int kt_q8_quantize(kt_model *m, int isa)
{
  /* the layout follows the kernel: plain C reads every layer by rows */
  int pick = kt_q8_isa_pick(isa);
  size_t total = 0;
  for (int n = 0; n < m->n_nets; ++n)
    for (int l = 0; l < m->net[n].n_layers; ++l) {
      const kt_layer *L = &m->net[n].layer[l];
      total += up64(kt_q8_in_bytes(L->n_in) * (size_t)L->n_out);
      total += up64((size_t)L->n_out * sizeof(float));
    }
  unsigned char *mem = aligned_alloc(64, total ? total : 64);
  if (!mem) return -1;
  memset(mem, 0, total);
  unsigned char *p = mem;
  for (int n = 0; n < m->n_nets; ++n)
    for (int l = 0; l < m->net[n].n_layers; ++l) {
      kt_layer *L = &m->net[n].layer[l];
      int8_t *q = (int8_t *)p;
      p += up64(kt_q8_in_bytes(L->n_in) * (size_t)L->n_out);
      float *s = (float *)(void *)p;
      p += up64((size_t)L->n_out * sizeof(float));
      for (int o = 0; o < L->n_out; ++o) {
        float mx = 0.0f;
        for (int i = 0; i < L->n_in; ++i) {
          float v = fabsf(L->w[(size_t)i * (size_t)L->n_out + o]);
          mx = v > mx ? v : mx;
        }
        s[o] = mx / 127.0f; /* 0 for a column of zeros or of subnormals */
        for (int i = 0; i < L->n_in; ++i) {
          float v = s[o] > 0.0f ? L->w[(size_t)i * (size_t)L->n_out + o] / s[o]
                                : 0.0f;
          long r = lrintf(v);
          r = r > 127 ? 127 : r < -127 ? -127 : r;
          if (l == 0 || pick == KT_Q8_C) /* rows, a listed / nonzero one
                                              at a time */
            q[(size_t)i * (size_t)L->n_out + (size_t)o] = (int8_t)r;
          else /* pairs of inputs, read a listed pair at a time */
            q[((size_t)(i / 2) * (size_t)L->n_out + (size_t)o) * 2 + i % 2] =
                (int8_t)r;
        }
      }
      L->q = q;
      L->qs = s;
    }
  free(m->qmem);
  m->qmem = mem;
  m->q_isa = pick;
  return 0;
}

/* ---- audio thread ---- */

/* The one-hot layer's sums: acc[o] = sum over the listed rows below n_in
 * of q[row][o], outputs [o0, n_out). */
KT_CLONES static void rows_c(const int8_t *restrict q, int n_in, int n_out,
                             int o0, const int32_t *restrict idx, int n_idx,
                             int32_t *restrict acc) KT_RT;
static void rows_c(const int8_t *restrict q, int n_in, int n_out, int o0,
                   const int32_t *restrict idx, int n_idx,
                   int32_t *restrict acc)
{
  for (int o = o0; o < n_out; ++o)
    acc[o] = 0;
  for (int k = 0; k < n_idx; ++k) {
    if ((uint32_t)idx[k] >= (uint32_t)n_in) continue;
    const int8_t *r = q + (size_t)idx[k] * (size_t)n_out;
    for (int o = o0; o < n_out; ++o)
      acc[o] += r[o];
  }
}

/* 16-bit sums of at most KT_Q8_CHUNK rows cannot overflow (256 * 127 <
 * 32768); longer lists go by chunks, added up in 32 bits. */
#define KT_Q8_CHUNK 256

#ifdef KT_Q8_X86

/* The listed rows' sums for outputs [o, o + 32 nv): nv (a constant where
 * it is called, so the accumulators stay in registers) vectors of 32
 * 16-bit sums. */
static inline __attribute__((always_inline, target("avx512f,avx512bw"))) void
rows512_tile(const int8_t *restrict q, size_t stride, int n_in,
             const int32_t *restrict idx, int n_idx, int32_t *restrict acc,
             int o, int nv) KT_RT
{
  for (int k0 = 0; k0 < n_idx || k0 == 0; k0 += KT_Q8_CHUNK) {
    __m512i a[16];
    for (int j = 0; j < nv; ++j)
      a[j] = _mm512_setzero_si512();
    int k1 = n_idx - k0 < KT_Q8_CHUNK ? n_idx : k0 + KT_Q8_CHUNK;
    for (int k = k0; k < k1; ++k) {
      if ((uint32_t)idx[k] >= (uint32_t)n_in) continue;
      const int8_t *r = q + (size_t)idx[k] * stride + o;
      for (int j = 0; j < nv; ++j)
        a[j] = _mm512_add_epi16(a[j], _mm512_cvtepi8_epi16(_mm256_loadu_si256(
                                          (const __m256i *)(r + 32 * j))));
    }
    for (int j = 0; j < nv; ++j) {
      __m512i lo = _mm512_cvtepi16_epi32(_mm512_castsi512_si256(a[j]));
      __m512i hi = _mm512_cvtepi16_epi32(_mm512_extracti64x4_epi64(a[j], 1));
      int32_t *d = acc + o + 32 * j;
      if (k0) {
        lo = _mm512_add_epi32(lo, _mm512_loadu_si512(d));
        hi = _mm512_add_epi32(hi, _mm512_loadu_si512(d + 16));
      }
      _mm512_storeu_si512(d, lo);
      _mm512_storeu_si512(d + 16, hi);
    }
  }
}

/* 512 outputs per sweep of the list, then 32.  Returns the first output
 * not done. */
__attribute__((target("avx512f,avx512bw"))) static int
rows_avx512(const int8_t *restrict q, int n_in, int n_out,
            const int32_t *restrict idx, int n_idx, int32_t *restrict acc) KT_RT
{
  int o = 0;
  for (; o + 512 <= n_out; o += 512)
    rows512_tile(q, (size_t)n_out, n_in, idx, n_idx, acc, o, 16);
  for (; o + 32 <= n_out; o += 32)
    rows512_tile(q, (size_t)n_out, n_in, idx, n_idx, acc, o, 1);
  return o;
}

/* rows512_tile on AVX2 without vpmovsxbw (whose one port bounds it): a
 * row's 32 bytes are added as 16 words, after flipping the sign bit of
 * each even byte (b0 + 128, 0..255), into W, and the words shifted right
 * arithmetically (the odd bytes, b1) into H.  With n <= 256 rows, H = sum
 * b1 fits 16 bits and W - 256 H = sum (b0 + 128) fits 16 unsigned bits:
 * the even outputs are that - 128 n, the odd ones H, exactly.  nv (a
 * constant where it is called) vectors of 32 outputs. */
static inline __attribute__((always_inline, target("avx2"))) void
rows256_tile(const int8_t *restrict q, size_t stride, int n_in,
             const int32_t *restrict idx, int n_idx, int32_t *restrict acc,
             int o, int nv) KT_RT
{
  const __m256i flip = _mm256_set1_epi16(0x0080);
  for (int k0 = 0; k0 < n_idx || k0 == 0; k0 += KT_Q8_CHUNK) {
    __m256i w[8], h[8];
    for (int j = 0; j < nv; ++j)
      w[j] = h[j] = _mm256_setzero_si256();
    int k1 = n_idx - k0 < KT_Q8_CHUNK ? n_idx : k0 + KT_Q8_CHUNK, n = 0;
    for (int k = k0; k < k1; ++k) {
      if ((uint32_t)idx[k] >= (uint32_t)n_in) continue;
      ++n;
      const int8_t *r = q + (size_t)idx[k] * stride + o;
      for (int j = 0; j < nv; ++j) {
        __m256i v = _mm256_xor_si256(
            _mm256_loadu_si256((const __m256i *)(r + 32 * j)), flip);
        w[j] = _mm256_add_epi16(w[j], v);
        h[j] = _mm256_add_epi16(h[j], _mm256_srai_epi16(v, 8));
      }
    }
    const __m256i off = _mm256_set1_epi32(128 * n);
    for (int j = 0; j < nv; ++j) {
      /* the even outputs' sums + 128 n, 16 bits unsigned */
      __m256i lo = _mm256_sub_epi16(w[j], _mm256_slli_epi16(h[j], 8));
      __m256i e0 = _mm256_sub_epi32(
          _mm256_cvtepu16_epi32(_mm256_castsi256_si128(lo)), off);
      __m256i e1 = _mm256_sub_epi32(
          _mm256_cvtepu16_epi32(_mm256_extracti128_si256(lo, 1)), off);
      __m256i d0 = _mm256_cvtepi16_epi32(_mm256_castsi256_si128(h[j]));
      __m256i d1 = _mm256_cvtepi16_epi32(_mm256_extracti128_si256(h[j], 1));
      /* interleave: outputs 0-15 from e0/d0, 16-31 from e1/d1 */
      __m256i a0 = _mm256_unpacklo_epi32(e0, d0),
              a1 = _mm256_unpackhi_epi32(e0, d0);
      __m256i b0 = _mm256_unpacklo_epi32(e1, d1),
              b1 = _mm256_unpackhi_epi32(e1, d1);
      __m256i out[4] = {_mm256_permute2x128_si256(a0, a1, 0x20),
                        _mm256_permute2x128_si256(a0, a1, 0x31),
                        _mm256_permute2x128_si256(b0, b1, 0x20),
                        _mm256_permute2x128_si256(b0, b1, 0x31)};
      int32_t *d = acc + o + 32 * j;
      for (int t = 0; t < 4; ++t) {
        if (k0)
          out[t] = _mm256_add_epi32(
              out[t], _mm256_loadu_si256((const __m256i *)(d + 8 * t)));
        _mm256_storeu_si256((__m256i *)(d + 8 * t), out[t]);
      }
    }
  }
}

/* 256 outputs per sweep, then 32. */
__attribute__((target("avx2"))) static int
rows_avx2(const int8_t *restrict q, int n_in, int n_out,
          const int32_t *restrict idx, int n_idx, int32_t *restrict acc) KT_RT
{
  int o = 0;
  for (; o + 256 <= n_out; o += 256)
    rows256_tile(q, (size_t)n_out, n_in, idx, n_idx, acc, o, 8);
  for (; o + 32 <= n_out; o += 32)
    rows256_tile(q, (size_t)n_out, n_in, idx, n_idx, acc, o, 1);
  return o;
}

/* rows256_tile on 128 bits (SSE2; the x86 CPUs without AVX2): nv vectors
 * of 16 outputs; the 16-bit words widened by unpacking (no pmovzx). */
static inline __attribute__((always_inline)) void
rows128_tile(const int8_t *restrict q, size_t stride, int n_in,
             const int32_t *restrict idx, int n_idx, int32_t *restrict acc,
             int o, int nv) KT_RT
{
  const __m128i flip = _mm_set1_epi16(0x0080), zero = _mm_setzero_si128();
  for (int k0 = 0; k0 < n_idx || k0 == 0; k0 += KT_Q8_CHUNK) {
    __m128i w[4], h[4];
    for (int j = 0; j < nv; ++j)
      w[j] = h[j] = _mm_setzero_si128();
    int k1 = n_idx - k0 < KT_Q8_CHUNK ? n_idx : k0 + KT_Q8_CHUNK, n = 0;
    for (int k = k0; k < k1; ++k) {
      if ((uint32_t)idx[k] >= (uint32_t)n_in) continue;
      ++n;
      const int8_t *r = q + (size_t)idx[k] * stride + o;
      for (int j = 0; j < nv; ++j) {
        __m128i v =
            _mm_xor_si128(_mm_loadu_si128((const __m128i *)(r + 16 * j)), flip);
        w[j] = _mm_add_epi16(w[j], v);
        h[j] = _mm_add_epi16(h[j], _mm_srai_epi16(v, 8));
      }
    }
    const __m128i off = _mm_set1_epi32(128 * n);
    for (int j = 0; j < nv; ++j) {
      __m128i lo = _mm_sub_epi16(w[j], _mm_slli_epi16(h[j], 8));
      __m128i e0 = _mm_sub_epi32(_mm_unpacklo_epi16(lo, zero), off);
      __m128i e1 = _mm_sub_epi32(_mm_unpackhi_epi16(lo, zero), off);
      __m128i d0 = _mm_srai_epi32(_mm_unpacklo_epi16(h[j], h[j]), 16);
      __m128i d1 = _mm_srai_epi32(_mm_unpackhi_epi16(h[j], h[j]), 16);
      __m128i out[4] = {_mm_unpacklo_epi32(e0, d0), _mm_unpackhi_epi32(e0, d0),
                        _mm_unpacklo_epi32(e1, d1), _mm_unpackhi_epi32(e1, d1)};
      int32_t *d = acc + o + 16 * j;
      for (int t = 0; t < 4; ++t) {
        if (k0)
          out[t] = _mm_add_epi32(out[t],
                                 _mm_loadu_si128((const __m128i *)(d + 4 * t)));
        _mm_storeu_si128((__m128i *)(d + 4 * t), out[t]);
      }
    }
  }
}

/* 64 outputs per sweep, then 16. */
static int rows_sse2(const int8_t *restrict q, int n_in, int n_out,
                     const int32_t *restrict idx, int n_idx,
                     int32_t *restrict acc) KT_RT
{
  int o = 0;
  for (; o + 64 <= n_out; o += 64)
    rows128_tile(q, (size_t)n_out, n_in, idx, n_idx, acc, o, 4);
  for (; o + 16 <= n_out; o += 16)
    rows128_tile(q, (size_t)n_out, n_in, idx, n_idx, acc, o, 1);
  return o;
}
#endif

/* x[i] = (int)(y[i] * inv + 0.5f), element-wise: the same at any width */
KT_CLONES static void quant_acts(const float *restrict y, int n, float inv,
                                 uint8_t *restrict x) KT_RT;
static void quant_acts(const float *restrict y, int n, float inv,
                       uint8_t *restrict x)
{
  for (int i = 0; i < n; ++i) {
    /* clamped before the conversion: not a number (an infinite activation
       of a model with extreme weights, times 0) counts 0 */
    float f = y[i] * inv + 0.5f;
    f = f > 0.0f ? f : 0.0f;
    f = f < 127.0f ? f : 127.0f;
    x[i] = (uint8_t)(int)f;
  }
}

/* The pairs of inputs x[2k], x[2k + 1] not both 0, into grp; returned:
 * how many (branch-free: which pairs are zero is data, and a mispredicted
 * branch per pair costs more than the store) */
static int nonzero_pairs(const uint8_t *restrict x, size_t n2, size_t g,
                         int32_t *restrict grp, int ng) KT_RT
{
  for (; g < n2; ++g) {
    grp[ng] = (int32_t)g;
    ng += (x[2 * g] | x[2 * g + 1]) != 0;
  }
  return ng;
}

#ifdef KT_Q8_X86
/* nonzero_pairs 32 pairs at a time: a mask of the nonzero ones, their
 * numbers compressed into grp 16 at a time */
__attribute__((target("avx512f,avx512bw,popcnt"))) static int
list_pairs_avx512(const uint8_t *restrict x, size_t n2,
                  int32_t *restrict grp) KT_RT
{
  int ng = 0;
  size_t g = 0;
  __m512i num =
      _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i sixteen = _mm512_set1_epi32(16);
  for (; g + 32 <= n2; g += 32) {
    __m512i v = _mm512_loadu_si512(x + 2 * g);
    __mmask32 nz = _mm512_test_epi16_mask(v, v);
    _mm512_mask_compressstoreu_epi32(grp + ng, (__mmask16)nz, num);
    ng += __builtin_popcount(nz & 0xffffu);
    num = _mm512_add_epi32(num, sixteen);
    _mm512_mask_compressstoreu_epi32(grp + ng, (__mmask16)(nz >> 16), num);
    ng += __builtin_popcount(nz >> 16);
    num = _mm512_add_epi32(num, sixteen);
  }
  return nonzero_pairs(x, n2, g, grp, ng);
}

/* The same on AVX2: a mask of 32 pairs, its set bits written one by one */
__attribute__((target("avx2,bmi"))) static int
list_pairs_avx2(const uint8_t *restrict x, size_t n2,
                int32_t *restrict grp) KT_RT
{
  int ng = 0;
  size_t g = 0;
  const __m256i zero = _mm256_setzero_si256();
  for (; g + 32 <= n2; g += 32) {
    __m256i a = _mm256_cmpeq_epi16(
        _mm256_loadu_si256((const __m256i *)(x + 2 * g)), zero);
    __m256i b = _mm256_cmpeq_epi16(
        _mm256_loadu_si256((const __m256i *)(x + 2 * g + 32)), zero);
    /* packs interleaves a's and b's 128-bit lanes: put them back in order */
    __m256i z = _mm256_permute4x64_epi64(_mm256_packs_epi16(a, b), 0xd8);
    uint32_t nz = ~(uint32_t)_mm256_movemask_epi8(z);
    while (nz) {
      grp[ng++] = (int32_t)(g + (size_t)__builtin_ctz(nz));
      nz &= nz - 1;
    }
  }
  return nonzero_pairs(x, n2, g, grp, ng);
}
#endif

#ifdef KT_Q8_ARM
/* quant_acts on NEON, 16 at a time: the same multiply, then add (not
 * fused), then the clamp (fmaxnm against 0 takes a NaN to 0, as the
 * definition does) and the truncation; the tail by the definition. */
static void quant_acts_neon(const float *restrict y, int n, float inv,
                            uint8_t *restrict x) KT_RT
{
  const float32x4_t vi = vdupq_n_f32(inv), half = vdupq_n_f32(0.5f),
                    zero = vdupq_n_f32(0.0f), top = vdupq_n_f32(127.0f);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    uint16x8_t h[2];
    for (int j = 0; j < 2; ++j) {
      uint32x4_t u[2];
      for (int t = 0; t < 2; ++t) {
        float32x4_t f =
            vaddq_f32(vmulq_f32(vld1q_f32(y + i + 8 * j + 4 * t), vi), half);
        u[t] = vcvtq_u32_f32(vminnmq_f32(vmaxnmq_f32(f, zero), top));
      }
      h[j] = vcombine_u16(vmovn_u32(u[0]), vmovn_u32(u[1]));
    }
    vst1q_u8(x + i, vcombine_u8(vmovn_u16(h[0]), vmovn_u16(h[1])));
  }
  quant_acts(y + i, n - i, inv, x + i);
}

/* nonzero_pairs 16 pairs at a time: a lane of all ones per nonzero pair,
 * narrowed to bytes, weighted by its bit and added up into a 16-bit mask */
static int list_pairs_neon(const uint8_t *restrict x, size_t n2,
                           int32_t *restrict grp) KT_RT
{
  static const uint8_t bit[16] = {1, 2, 4, 8, 16, 32, 64, 128,
                                  1, 2, 4, 8, 16, 32, 64, 128};
  const uint8x16_t w = vld1q_u8(bit);
  int ng = 0;
  size_t g = 0;
  for (; g + 16 <= n2; g += 16) {
    uint16x8_t a = vreinterpretq_u16_u8(vld1q_u8(x + 2 * g));
    uint16x8_t b = vreinterpretq_u16_u8(vld1q_u8(x + 2 * g + 16));
    uint8x16_t nz =
        vcombine_u8(vmovn_u16(vtstq_u16(a, a)), vmovn_u16(vtstq_u16(b, b)));
    uint8x16_t m = vandq_u8(nz, w);
    uint32_t bits = (uint32_t)vaddv_u8(vget_low_u8(m)) |
                    (uint32_t)vaddv_u8(vget_high_u8(m)) << 8;
    while (bits) {
      grp[ng++] = (int32_t)(g + (size_t)__builtin_ctz(bits));
      bits &= bits - 1;
    }
  }
  return nonzero_pairs(x, n2, g, grp, ng);
}

/* kt_q8_max's eight running maxima over x[0, n - n % 8) on NEON: each
 * lane's x > a ? x : a by a compare and a select (fmax differs where a
 * NaN is); returns where the tail starts. */
static int max8_neon(const float *restrict x, int n, float *restrict a) KT_RT
{
  float32x4_t a0 = vdupq_n_f32(x[0]), a1 = a0;
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    float32x4_t v0 = vld1q_f32(x + i), v1 = vld1q_f32(x + i + 4);
    a0 = vbslq_f32(vcgtq_f32(v0, a0), v0, a0);
    a1 = vbslq_f32(vcgtq_f32(v1, a1), v1, a1);
  }
  vst1q_f32(a, a0);
  vst1q_f32(a + 4, a1);
  return i;
}
#endif

KT_CLONES float kt_q8_max(const float *restrict x, int n)
{
  float a[8];
  int i = 0;
#ifdef KT_Q8_ARM
  i = max8_neon(x, n, a);
#else
  for (int j = 0; j < 8; ++j)
    a[j] = x[0];
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j)
      a[j] = x[i + j] > a[j] ? x[i + j] : a[j];
#endif
  for (int j = 0; i < n; ++i, ++j)
    a[j] = x[i] > a[j] ? x[i] : a[j];
  float r = a[0];
  for (int j = 1; j < 8; ++j)
    r = a[j] > r ? a[j] : r;
  return r;
}

int kt_q8_acts(const kt_model *m, const float *y, int n, uint8_t *x,
               int32_t *grp, float *a)
{
  size_t nb = kt_q8_in_bytes(n);
  float mx = kt_q8_max(y, n); /* y >= 0: ReLU outputs */
  if (!(mx > 0.0f)) { /* all zero (or NaN): nothing flows on */
    *a = 0.0f;
    return 0;
  }
#ifdef KT_Q8_ARM
  quant_acts_neon(y, n, 127.0f / mx, x);
#else
  quant_acts(y, n, 127.0f / mx, x);
#endif
  for (size_t i = (size_t)n; i < nb; ++i)
    x[i] = 0;
  *a = mx / 127.0f;
#ifdef KT_Q8_X86
  if (m->q_isa == KT_Q8_VNNI) return list_pairs_avx512(x, nb / 2, grp);
  if (m->q_isa == KT_Q8_AVX2 || m->q_isa == KT_Q8_AVXVNNI)
    return list_pairs_avx2(x, nb / 2, grp);
#elif defined(KT_Q8_ARM)
  if (m->q_isa == KT_Q8_NEON || m->q_isa == KT_Q8_NEONDOT)
    return list_pairs_neon(x, nb / 2, grp);
#else
  (void)m;
#endif
  return nonzero_pairs(x, nb / 2, 0, grp, 0);
}

/* The outputs [o0, n_out) the vector kernels leave, from the listed pairs
 * (layer stored by pairs): acc[o] = sum of their products */
static void pair_tail(const int8_t *restrict q, int n_out, int o0,
                      const uint8_t *restrict x, const int32_t *restrict grp,
                      int ng, int32_t *restrict acc) KT_RT
{
  for (int o = o0; o < n_out; ++o)
    acc[o] = 0;
  for (int k = 0; k < ng; ++k) {
    const uint8_t *xv = x + 2 * (size_t)grp[k];
    const int8_t *r = q + (size_t)grp[k] * (size_t)n_out * 2;
    for (int o = o0; o < n_out; ++o)
      acc[o] += xv[0] * r[2 * o] + xv[1] * r[2 * o + 1];
  }
}

/* A vector kernel's dispatcher: name(q, n_out, x, grp, ng, acc) runs
 * tile(q, stride, x, grp, ng, acc, o, nv) -- nv vectors of w outputs, a
 * constant in each call so that the tile's accumulators stay in registers
 * -- with nv = NV while NV w outputs fit, then NV / 2, NV / 4, ... 1 once
 * each for what is left (NV a power of two, at most 8).  Returns the first
 * output not done (pair_tail does the rest).  A macro, not a function: each
 * dispatcher is compiled for its own instruction set (attr), into which its
 * tile is inlined. */
#define KT_Q8_DOTS(name, attr, tile, w, NV)                                    \
  attr static int name(const int8_t *restrict q, int n_out,                    \
                       const uint8_t *restrict x, const int32_t *restrict grp, \
                       int ng, int32_t *restrict acc) KT_RT                    \
  {                                                                            \
    size_t st = (size_t)n_out * 2;                                             \
    int o = 0;                                                                 \
    for (; o + (NV) * (w) <= n_out; o += (NV) * (w))                           \
      tile(q, st, x, grp, ng, acc, o, (NV));                                   \
    if ((NV) > 4 && o + 4 * (w) <= n_out) {                                    \
      tile(q, st, x, grp, ng, acc, o, 4);                                      \
      o += 4 * (w);                                                            \
    }                                                                          \
    if ((NV) > 2 && o + 2 * (w) <= n_out) {                                    \
      tile(q, st, x, grp, ng, acc, o, 2);                                      \
      o += 2 * (w);                                                            \
    }                                                                          \
    if ((NV) > 1 && o + (w) <= n_out) {                                        \
      tile(q, st, x, grp, ng, acc, o, 1);                                      \
      o += (w);                                                                \
    }                                                                          \
    return o;                                                                  \
  }

/* Plain C (layers stored by rows): acc[o] = sum over the nonzero x[i] of
 * x[i] q[i][o], a row at a time (a loop the compiler vectorizes) */
KT_CLONES static void dot_rows(const int8_t *restrict q, int n_in, int n_out,
                               const uint8_t *restrict x,
                               int32_t *restrict acc) KT_RT;
static void dot_rows(const int8_t *restrict q, int n_in, int n_out,
                     const uint8_t *restrict x, int32_t *restrict acc)
{
  for (int o = 0; o < n_out; ++o)
    acc[o] = 0;
  for (int i = 0; i < n_in; ++i) {
    if (!x[i]) continue;
    int32_t v = x[i];
    const int8_t *r = q + (size_t)i * (size_t)n_out;
    for (int o = 0; o < n_out; ++o)
      acc[o] += v * r[o];
  }
}

/* The listed pairs k and k + 1 (or k alone, the other times 0): their
 * inputs (xq << 16 | xp, each x[2g] | x[2g + 1] << 8) and weights */
static inline __attribute__((always_inline)) uint32_t
pair_at(const int8_t *base, size_t stride, const uint8_t *restrict x,
        const int32_t *restrict grp, int ng, int k, const int8_t **rp,
        const int8_t **rq) KT_RT
{
  int k2 = k + 1 < ng ? k + 1 : k;
  uint16_t xp, xq = 0;
  memcpy(&xp, x + 2 * (size_t)grp[k], 2);
  if (k2 != k) memcpy(&xq, x + 2 * (size_t)grp[k2], 2);
  *rp = base + (size_t)grp[k] * stride;
  *rq = base + (size_t)grp[k2] * stride;
  return (uint32_t)xp | (uint32_t)xq << 16;
}

#ifdef KT_Q8_X86
/* The vector kernels (a later layer stored by pairs of inputs, q[(k *
 * n_out + o) * 2 + j] = q[2k + j][o]) take the listed pairs two at a time:
 * a pair whose two inputs are 0 is skipped, which skips more than groups
 * of four would (about 35 % of the pairs are listed, 55 % of the groups of
 * four: ReLU outputs are mostly 0).  Each loads the two pairs' weights of
 * an output, then:
 * - vpdpbusd (AVX-512 VNNI, AVX-VNNI): vpunpck puts them side by side, and
 *   vpdpbusd adds their four products to the output's 32-bit sum;
 * - AVX2: vpmaddubsw gives each pair's sum of two products in 16 bits
 *   (exact: |x0 q0 + x1 q1| <= 2 * 127 * 127 < 32768), vpunpck puts the two
 *   sums side by side, vpmaddwd adds them in 32 bits;
 * - SSSE3 (x86 without AVX2): the same on 128 bits.
 * An odd pair out goes with itself, times 0.  vpunpck works within 128-bit
 * lanes, so the accumulators hold outputs 0-3, 8-11, ... (lo) and 4-7,
 * 12-15, ... (hi), put in order once at the end.  A tile's nv is a
 * constant where it is called, so that the accumulators stay in registers.
 * (Measured against groups of four, bench_infer L4's decision: AVX-512
 * VNNI 18.5 -> 17.1 us, AVX-VNNI 24.5 -> 22.0, AVX2 24.9 -> 22.8; MODEL.md,
 * "The teacher back, int8".) */

/* AVX-512 VNNI: outputs [o, o + 32 nv) */
static inline
    __attribute__((always_inline, target("avx512f,avx512bw,avx512vnni"))) void
    pairs512_tile(const int8_t *restrict q, size_t stride,
                  const uint8_t *restrict x, const int32_t *restrict grp,
                  int ng, int32_t *restrict acc, int o, int nv) KT_RT
{
  __m512i lo[8], hi[8];
  for (int j = 0; j < nv; ++j)
    lo[j] = hi[j] = _mm512_setzero_si512();
  for (int k = 0; k < ng; k += 2) {
    const int8_t *rp, *rq;
    uint32_t xv = pair_at(q + (size_t)o * 2, stride, x, grp, ng, k, &rp, &rq);
    __m512i b = _mm512_set1_epi32((int)xv);
    for (int j = 0; j < nv; ++j) {
      __m512i wp = _mm512_loadu_si512(rp + 64 * j);
      __m512i wq = _mm512_loadu_si512(rq + 64 * j);
      lo[j] = _mm512_dpbusd_epi32(lo[j], b, _mm512_unpacklo_epi16(wp, wq));
      hi[j] = _mm512_dpbusd_epi32(hi[j], b, _mm512_unpackhi_epi16(wp, wq));
    }
  }
  /* 128-bit lanes: lo = outputs 0-3 8-11 16-19 24-27, hi = 4-7 12-15 ... */
  const __m512i i0 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);
  const __m512i i1 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);
  for (int j = 0; j < nv; ++j) {
    int32_t *d = acc + o + 32 * j;
    _mm512_storeu_si512(d, _mm512_permutex2var_epi64(lo[j], i0, hi[j]));
    _mm512_storeu_si512(d + 16, _mm512_permutex2var_epi64(lo[j], i1, hi[j]));
  }
}

/* 256-bit accumulators in order: outputs 0-15 of each vector */
static inline __attribute__((always_inline, target("avx2"))) void
store256_pairs(const __m256i *lo, const __m256i *hi, int32_t *restrict acc,
               int o, int nv) KT_RT
{
  for (int j = 0; j < nv; ++j) {
    int32_t *d = acc + o + 16 * j;
    _mm256_storeu_si256((__m256i *)d,
                        _mm256_permute2x128_si256(lo[j], hi[j], 0x20));
    _mm256_storeu_si256((__m256i *)(d + 8),
                        _mm256_permute2x128_si256(lo[j], hi[j], 0x31));
  }
}

/* AVX-VNNI: outputs [o, o + 16 nv) */
static inline __attribute__((always_inline, target("avx2,avxvnni"))) void
pairs256_tile_vnni(const int8_t *restrict q, size_t stride,
                   const uint8_t *restrict x, const int32_t *restrict grp,
                   int ng, int32_t *restrict acc, int o, int nv) KT_RT
{
  __m256i lo[4], hi[4];
  for (int j = 0; j < nv; ++j)
    lo[j] = hi[j] = _mm256_setzero_si256();
  for (int k = 0; k < ng; k += 2) {
    const int8_t *rp, *rq;
    uint32_t xv = pair_at(q + (size_t)o * 2, stride, x, grp, ng, k, &rp, &rq);
    __m256i b = _mm256_set1_epi32((int)xv);
    for (int j = 0; j < nv; ++j) {
      __m256i wp = _mm256_loadu_si256((const __m256i *)(rp + 32 * j));
      __m256i wq = _mm256_loadu_si256((const __m256i *)(rq + 32 * j));
      lo[j] = _mm256_dpbusd_avx_epi32(lo[j], b, _mm256_unpacklo_epi16(wp, wq));
      hi[j] = _mm256_dpbusd_avx_epi32(hi[j], b, _mm256_unpackhi_epi16(wp, wq));
    }
  }
  store256_pairs(lo, hi, acc, o, nv);
}

/* AVX2: outputs [o, o + 16 nv) */
static inline __attribute__((always_inline, target("avx2"))) void
pairs256_tile_avx2(const int8_t *restrict q, size_t stride,
                   const uint8_t *restrict x, const int32_t *restrict grp,
                   int ng, int32_t *restrict acc, int o, int nv) KT_RT
{
  __m256i lo[4], hi[4];
  const __m256i one = _mm256_set1_epi16(1);
  for (int j = 0; j < nv; ++j)
    lo[j] = hi[j] = _mm256_setzero_si256();
  for (int k = 0; k < ng; k += 2) {
    const int8_t *rp, *rq;
    uint32_t xv = pair_at(q + (size_t)o * 2, stride, x, grp, ng, k, &rp, &rq);
    __m256i bp = _mm256_set1_epi16((short)(xv & 0xffffu));
    __m256i bq = _mm256_set1_epi16((short)(xv >> 16));
    for (int j = 0; j < nv; ++j) {
      __m256i sp = _mm256_maddubs_epi16(
          bp, _mm256_loadu_si256((const __m256i *)(rp + 32 * j)));
      __m256i sq = _mm256_maddubs_epi16(
          bq, _mm256_loadu_si256((const __m256i *)(rq + 32 * j)));
      lo[j] = _mm256_add_epi32(
          lo[j], _mm256_madd_epi16(_mm256_unpacklo_epi16(sp, sq), one));
      hi[j] = _mm256_add_epi32(
          hi[j], _mm256_madd_epi16(_mm256_unpackhi_epi16(sp, sq), one));
    }
  }
  store256_pairs(lo, hi, acc, o, nv);
}

/* SSSE3: pairs256_tile_avx2 on 128 bits, outputs [o, o + 8 nv); no lanes
 * to put in order (lo = outputs 0-3, hi = 4-7 of each vector) */
static inline __attribute__((always_inline, target("ssse3"))) void
pairs128_tile_ssse3(const int8_t *restrict q, size_t stride,
                    const uint8_t *restrict x, const int32_t *restrict grp,
                    int ng, int32_t *restrict acc, int o, int nv) KT_RT
{
  __m128i lo[4], hi[4];
  const __m128i one = _mm_set1_epi16(1);
  for (int j = 0; j < nv; ++j)
    lo[j] = hi[j] = _mm_setzero_si128();
  for (int k = 0; k < ng; k += 2) {
    const int8_t *rp, *rq;
    uint32_t xv = pair_at(q + (size_t)o * 2, stride, x, grp, ng, k, &rp, &rq);
    __m128i bp = _mm_set1_epi16((short)(xv & 0xffffu));
    __m128i bq = _mm_set1_epi16((short)(xv >> 16));
    for (int j = 0; j < nv; ++j) {
      __m128i sp = _mm_maddubs_epi16(
          bp, _mm_loadu_si128((const __m128i *)(rp + 16 * j)));
      __m128i sq = _mm_maddubs_epi16(
          bq, _mm_loadu_si128((const __m128i *)(rq + 16 * j)));
      lo[j] =
          _mm_add_epi32(lo[j], _mm_madd_epi16(_mm_unpacklo_epi16(sp, sq), one));
      hi[j] =
          _mm_add_epi32(hi[j], _mm_madd_epi16(_mm_unpackhi_epi16(sp, sq), one));
    }
  }
  for (int j = 0; j < nv; ++j) {
    int32_t *d = acc + o + 8 * j;
    _mm_storeu_si128((__m128i *)d, lo[j]);
    _mm_storeu_si128((__m128i *)(d + 4), hi[j]);
  }
}

/* The dispatchers (KT_Q8_DOTS above): AVX-512 VNNI 256 outputs per sweep
 * of the list, then 128, 64, 32; the 256-bit kernels 64, then 32, 16; SSSE3
 * 32, then 16, 8. */
KT_Q8_DOTS(dot_vnni, __attribute__((target("avx512f,avx512bw,avx512vnni"))),
           pairs512_tile, 32, 8)
KT_Q8_DOTS(dot_avxvnni, __attribute__((target("avx2,avxvnni"))),
           pairs256_tile_vnni, 16, 4)
KT_Q8_DOTS(dot_ssse3, __attribute__((target("ssse3"))), pairs128_tile_ssse3, 8,
           4)
KT_Q8_DOTS(dot_avx2, __attribute__((target("avx2"))), pairs256_tile_avx2, 16, 4)
#endif

#ifdef KT_Q8_ARM
/* NEON (AArch64), 128 bits.  The one-hot layer: each listed row's bytes
 * added into 16-bit sums (saddw; at most KT_Q8_CHUNK rows, exact), nv
 * vectors of 16 outputs, then widened into the 32-bit sums. */
static inline __attribute__((always_inline)) void
rows_neon_tile(const int8_t *restrict q, size_t stride, int n_in,
               const int32_t *restrict idx, int n_idx, int32_t *restrict acc,
               int o, int nv) KT_RT
{
  for (int k0 = 0; k0 < n_idx || k0 == 0; k0 += KT_Q8_CHUNK) {
    int16x8_t s[8]; /* nv <= 4 */
    for (int j = 0; j < 2 * nv; ++j)
      s[j] = vdupq_n_s16(0);
    int k1 = n_idx - k0 < KT_Q8_CHUNK ? n_idx : k0 + KT_Q8_CHUNK;
    for (int k = k0; k < k1; ++k) {
      if ((uint32_t)idx[k] >= (uint32_t)n_in) continue;
      const int8_t *r = q + (size_t)idx[k] * stride + o;
      for (int j0 = 0; j0 < nv; j0 += 4) {
        int8x16_t v[4];
        if (nv >= 4) { /* 64 bytes in one load */
          int8x16x4_t l = vld1q_s8_x4(r + 16 * j0);
          v[0] = l.val[0], v[1] = l.val[1], v[2] = l.val[2], v[3] = l.val[3];
        } else
          v[0] = vld1q_s8(r + 16 * j0);
        for (int j = j0; j < nv && j < j0 + 4; ++j) {
          s[2 * j] = vaddw_s8(s[2 * j], vget_low_s8(v[j - j0]));
          s[2 * j + 1] = vaddw_high_s8(s[2 * j + 1], v[j - j0]);
        }
      }
    }
    for (int j = 0; j < nv; ++j) {
      int32x4_t out[4] = {
          vmovl_s16(vget_low_s16(s[2 * j])), vmovl_high_s16(s[2 * j]),
          vmovl_s16(vget_low_s16(s[2 * j + 1])), vmovl_high_s16(s[2 * j + 1])};
      int32_t *d = acc + o + 16 * j;
      for (int t = 0; t < 4; ++t) {
        if (k0) out[t] = vaddq_s32(out[t], vld1q_s32(d + 4 * t));
        vst1q_s32(d + 4 * t, out[t]);
      }
    }
  }
}

/* 64 outputs per sweep, then 16. */
static int rows_neon(const int8_t *restrict q, int n_in, int n_out,
                     const int32_t *restrict idx, int n_idx,
                     int32_t *restrict acc) KT_RT
{
  int o = 0;
  for (; o + 64 <= n_out; o += 64)
    rows_neon_tile(q, (size_t)n_out, n_in, idx, n_idx, acc, o, 4);
  for (; o + 16 <= n_out; o += 16)
    rows_neon_tile(q, (size_t)n_out, n_in, idx, n_idx, acc, o, 1);
  return o;
}

/* A later layer (stored by pairs), outputs [o, o + 8 nv), a listed pair at
 * a time: smull multiplies its weights by its two inputs (x <= 127 is a
 * signed byte too; each product fits 16 bits), sadalp adds each output's
 * two products into its 32-bit sum. */
static inline __attribute__((always_inline)) void
pairs_neon_tile(const int8_t *restrict q, size_t stride,
                const uint8_t *restrict x, const int32_t *restrict grp, int ng,
                int32_t *restrict acc, int o, int nv) KT_RT
{
  int32x4_t a[16];
  for (int j = 0; j < 2 * nv; ++j)
    a[j] = vdupq_n_s32(0);
  for (int k = 0; k < ng; ++k) {
    uint16_t xp;
    memcpy(&xp, x + 2 * (size_t)grp[k], 2);
    const int8x16_t b = vreinterpretq_s8_u16(vdupq_n_u16(xp));
    const int8_t *r = q + (size_t)o * 2 + (size_t)grp[k] * stride;
    for (int j = 0; j < nv; ++j) {
      int8x16_t w = vld1q_s8(r + 16 * j);
      a[2 * j] =
          vpadalq_s16(a[2 * j], vmull_s8(vget_low_s8(w), vget_low_s8(b)));
      a[2 * j + 1] = vpadalq_s16(a[2 * j + 1], vmull_high_s8(w, b));
    }
  }
  for (int j = 0; j < 2 * nv; ++j)
    vst1q_s32(acc + o + 4 * j, a[j]);
}

/* 64 outputs per sweep of the list, then 32, 16, 8 */
KT_Q8_DOTS(dot_neon, , pairs_neon_tile, 8, 8)

/* With the dot product instructions (Armv8.2+): two listed pairs at a
 * time, as the x86 vpdpbusd kernels take them.  zip1 / zip2 of their
 * weights' 16-bit lanes put each output's four bytes side by side (outputs
 * 0-3, then 4-7, of the 8 a vector holds), and sdot adds their products
 * with the four inputs (x <= 127: signed bytes) into its 32-bit sum. */
#define KT_NEONDOT __attribute__((target("arch=armv8.2-a+dotprod")))
static inline __attribute__((always_inline)) KT_NEONDOT void
pairs_neondot_tile(const int8_t *restrict q, size_t stride,
                   const uint8_t *restrict x, const int32_t *restrict grp,
                   int ng, int32_t *restrict acc, int o, int nv) KT_RT
{
  int32x4_t a[16];
  for (int j = 0; j < 2 * nv; ++j)
    a[j] = vdupq_n_s32(0);
  for (int k = 0; k < ng; k += 2) {
    const int8_t *rp, *rq;
    uint32_t xv = pair_at(q + (size_t)o * 2, stride, x, grp, ng, k, &rp, &rq);
    const int8x16_t b = vreinterpretq_s8_u32(vdupq_n_u32(xv));
    for (int j = 0; j < nv; ++j) {
      int16x8_t wp = vreinterpretq_s16_s8(vld1q_s8(rp + 16 * j));
      int16x8_t wq = vreinterpretq_s16_s8(vld1q_s8(rq + 16 * j));
      a[2 * j] =
          vdotq_s32(a[2 * j], vreinterpretq_s8_s16(vzip1q_s16(wp, wq)), b);
      a[2 * j + 1] =
          vdotq_s32(a[2 * j + 1], vreinterpretq_s8_s16(vzip2q_s16(wp, wq)), b);
    }
  }
  for (int j = 0; j < 2 * nv; ++j)
    vst1q_s32(acc + o + 4 * j, a[j]);
}

KT_Q8_DOTS(dot_neondot, KT_NEONDOT, pairs_neondot_tile, 8, 8)
#endif

/* y[o] = b[o] + ((float)acc[o] * s[o]) * a, then ReLU: element-wise */
KT_CLONES static void finish(const int32_t *restrict acc,
                             const float *restrict b, const float *restrict s,
                             float a, int n, int relu, float *restrict y) KT_RT;
static void finish(const int32_t *restrict acc, const float *restrict b,
                   const float *restrict s, float a, int n, int relu,
                   float *restrict y)
{
  if (relu)
    for (int o = 0; o < n; ++o) {
      float v = b[o] + ((float)acc[o] * s[o]) * a;
      y[o] = v > 0.0f ? v : 0.0f;
    }
  else
    for (int o = 0; o < n; ++o)
      y[o] = b[o] + ((float)acc[o] * s[o]) * a;
}

void kt_q8_layer0(const kt_model *m, const kt_layer *L, const int32_t *idx,
                  int n_idx, int relu, int32_t *acc, float *y)
{
  int o = 0;
#ifdef KT_Q8_X86
  if (m->q_isa == KT_Q8_VNNI)
    o = rows_avx512(L->q, L->n_in, L->n_out, idx, n_idx, acc);
  else if (m->q_isa == KT_Q8_AVX2 || m->q_isa == KT_Q8_AVXVNNI)
    o = rows_avx2(L->q, L->n_in, L->n_out, idx, n_idx, acc);
  else if (m->q_isa == KT_Q8_SSSE3)
    o = rows_sse2(L->q, L->n_in, L->n_out, idx, n_idx, acc);
#elif defined(KT_Q8_ARM)
  if (m->q_isa == KT_Q8_NEON || m->q_isa == KT_Q8_NEONDOT)
    o = rows_neon(L->q, L->n_in, L->n_out, idx, n_idx, acc);
#else
  (void)m;
#endif
  if (o < L->n_out) rows_c(L->q, L->n_in, L->n_out, o, idx, n_idx, acc);
  finish(acc, L->b, L->qs, 1.0f, L->n_out, relu, y);
}

void kt_q8_layer(const kt_model *m, const kt_layer *L, const uint8_t *x,
                 const int32_t *grp, int ng, float a, int relu, int32_t *acc,
                 float *y)
{
  int o = 0;
#ifdef KT_Q8_X86
  if (m->q_isa == KT_Q8_VNNI)
    o = dot_vnni(L->q, L->n_out, x, grp, ng, acc);
  else if (m->q_isa == KT_Q8_AVXVNNI)
    o = dot_avxvnni(L->q, L->n_out, x, grp, ng, acc);
  else if (m->q_isa == KT_Q8_AVX2)
    o = dot_avx2(L->q, L->n_out, x, grp, ng, acc);
  else if (m->q_isa == KT_Q8_SSSE3)
    o = dot_ssse3(L->q, L->n_out, x, grp, ng, acc);
#elif defined(KT_Q8_ARM)
  if (m->q_isa == KT_Q8_NEON)
    o = dot_neon(L->q, L->n_out, x, grp, ng, acc);
  else if (m->q_isa == KT_Q8_NEONDOT)
    o = dot_neondot(L->q, L->n_out, x, grp, ng, acc);
#endif
  if (m->q_isa == KT_Q8_C) /* every layer by rows */
    dot_rows(L->q, L->n_in, L->n_out, x, acc);
  else if (o < L->n_out)
    pair_tail(L->q, L->n_out, o, x, grp, ng, acc);
  finish(acc, L->b, L->qs, a, L->n_out, relu, y);
}

/* ---- the heads' arithmetic for int8 models ----
 * exp and log in float from their own polynomials, element-wise over
 * arrays (vectorized; the same at every width, no FMA), and a maximum:
 * bitwise the same on every CPU, and a few times cheaper than libm's
 * double exp and log per token. */

/* 16 lanes: one AVX-512 register, two AVX2 ones (the same per lane) */
typedef float kt_q8_v8 __attribute__((vector_size(64)));
typedef int32_t kt_q8_v8i __attribute__((vector_size(64)));
#define KT_Q8_LANES 16
#define V8F(c) ((kt_q8_v8){c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c})
#define V8I(c) ((kt_q8_v8i){c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c})
/* m ? a : b per lane (m: all ones or zeros) */
#define sel8(m, a, b)                                                          \
  ((kt_q8_v8)(((kt_q8_v8i)(a) & (m)) | ((kt_q8_v8i)(b) & ~(m))))

/* y[0..16) = exp(x[0..16)) (functions of pointers: no vector in the ABI) */
static inline __attribute__((always_inline)) void exp8(const float *xp,
                                                       float *yp)
{
  kt_q8_v8 x;
  memcpy(&x, xp, sizeof x);
  x = sel8(x < V8F(-87.0f), V8F(-87.0f), x);
  x = sel8(x > V8F(88.0f), V8F(88.0f), x);
  /* x = n ln2 + r, |r| <= ln2 / 2; n rounded to nearest by adding 1.5 *
     2^23, whose float then holds n in its low mantissa bits */
  kt_q8_v8 t = x * V8F(1.44269504f) + V8F(12582912.0f);
  kt_q8_v8 n = t - V8F(12582912.0f);
  kt_q8_v8 r = (x - n * V8F(0.693359375f)) + n * V8F(2.12194440e-4f);
  kt_q8_v8 p = V8F(1.0f) + r +
               r * r *
                   (V8F(5.0000001201e-1f) +
                    r * (V8F(1.6666665459e-1f) +
                         r * (V8F(4.1665795894e-2f) +
                              r * (V8F(8.3334519073e-3f) +
                                   r * (V8F(1.3981999507e-3f) +
                                        r * V8F(1.9875691500e-4f))))));
  kt_q8_v8i e = (((kt_q8_v8i)t - V8I(0x4B400000)) + V8I(127)) << 23;
  p *= (kt_q8_v8)e; /* Cephes' expf, 2^n from its exponent bits */
  memcpy(yp, &p, sizeof p);
}

static inline __attribute__((always_inline)) void log8(const float *xp,
                                                       float *yp)
{
  kt_q8_v8 x;
  memcpy(&x, xp, sizeof x);
  /* below the least normal (or not a number): its log */
  x = sel8(x >= V8F(1.17549435e-38f), x, V8F(1.17549435e-38f));
  kt_q8_v8i b = (kt_q8_v8i)x;
  kt_q8_v8i e = ((b >> 23) & V8I(0xff)) - V8I(127);
  kt_q8_v8 m = (kt_q8_v8)((b & V8I(0x007fffff)) | V8I(0x3f800000));
  kt_q8_v8i big = m > V8F(1.41421356f); /* -1 where true */
  m = sel8(big, m * V8F(0.5f), m);
  e -= big;
  /* log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| <= 0.172 */
  kt_q8_v8 s = (m - V8F(1.0f)) / (m + V8F(1.0f)), s2 = s * s;
  kt_q8_v8 l =
      V8F(2.0f) * s *
      (V8F(1.0f) + s2 * (V8F(0.333333343f) +
                         s2 * (V8F(0.2f) + s2 * (V8F(0.142857149f) +
                                                 s2 * V8F(0.111111112f)))));
  l += __builtin_convertvector(e, kt_q8_v8) * V8F(0.693147182f);
  memcpy(yp, &l, sizeof l);
}

/* KT_Q8_LANES at a time, the tail through a padded copy: every element
 * sees the same operations. */
KT_CLONES void kt_q8_exp(const float *x, float *y, int n)
{
  int i = 0;
  for (; i + KT_Q8_LANES <= n; i += KT_Q8_LANES)
    exp8(x + i, y + i);
  if (i < n) {
    float t[KT_Q8_LANES] = {0};
    memcpy(t, x + i, sizeof(float) * (size_t)(n - i));
    exp8(t, t);
    memcpy(y + i, t, sizeof(float) * (size_t)(n - i));
  }
}

KT_CLONES void kt_q8_log(const float *x, float *y, int n)
{
  int i = 0;
  for (; i + KT_Q8_LANES <= n; i += KT_Q8_LANES)
    log8(x + i, y + i);
  if (i < n) {
    float t[KT_Q8_LANES];
    for (int j = 0; j < KT_Q8_LANES; ++j)
      t[j] = 1.0f;
    memcpy(t, x + i, sizeof(float) * (size_t)(n - i));
    log8(t, t);
    memcpy(y + i, t, sizeof(float) * (size_t)(n - i));
  }
}
