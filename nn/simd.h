/* nn/simd.h -- KT_CLONES: compile a hot loop once per x86-64 level
 * (v4: AVX-512, v3: AVX2, baseline SSE2) and pick the CPU's at load time
 * (GNU ifunc).  Only for element-wise loops whose every lane sees the
 * same operations in the same order at any vector width: with no FMA
 * contraction (gcc -std=c11 does not contract; clang is told not to by
 * the pragma below) the results are then bitwise the same on every
 * machine, so models, trained weights and outputs do not depend on the
 * CPU.  Elsewhere (other CPUs, KT_NO_CLONES) it expands to nothing. */
#ifndef KT_SIMD_H
#define KT_SIMD_H

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) &&        \
    !defined(KT_NO_CLONES)
#define KT_CLONES                                                              \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define KT_CLONES
#endif

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#endif
