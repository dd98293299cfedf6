/* nn/rng.h -- the one pseudo-random generator: splitmix64 (Steele, Lea and
 * Flood 2014), small and fast enough for a draw per dropout unit, the same
 * sequence on every platform.  The engine's sampling (dsp/decode.c) seeds
 * it from the seed parameter (kt_rng_seed); the trainer sets the state
 * itself (kt_rng r = {seed ^ ...}).  Inline: the trainer's dropout masks
 * draw one number per active unit. */
#ifndef KT_RNG_H
#define KT_RNG_H

#include "rt.h"

#include <math.h>
#include <stdint.h>

typedef struct {
  uint64_t s;
} kt_rng;

/* The state of a seed, spread over the 64 bits (nearby seeds, unrelated
 * sequences). */
static inline void kt_rng_seed(kt_rng *r, uint64_t seed) KT_RT
{
  r->s = seed * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
}

static inline uint64_t kt_rng_next(kt_rng *r) KT_RT
{
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform in [0, 1) (53 bits). */
static inline double kt_rng_unit(kt_rng *r) KT_RT
{
  return (double)(kt_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in (0, 1): the middle of the same 2^53 cells, never 0 or 1. */
static inline double kt_rng_open_unit(kt_rng *r) KT_RT
{
  return ((double)(kt_rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

/* Standard Gumbel noise: -log(-log(u)), u in (0, 1). */
static inline float kt_rng_gumbel(kt_rng *r) KT_RT
{
  return -(float)log(-log(kt_rng_open_unit(r)));
}

#endif
