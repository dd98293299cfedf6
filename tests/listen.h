/* tests/listen.h -- the latency the engine should report at lookahead L,
 * computed here from engine.h's constants (not asked of the engine): L
 * slices and the listen time, min(KT_LISTEN_S, KT_LISTEN_SLICES of a
 * slice), 0 at L0.  Shared by the engine, LV2 and CLAP host tests. */
#ifndef KT_TESTS_LISTEN_H
#define KT_TESTS_LISTEN_H

#include "engine.h"

#include <math.h>

/* frames, for slices of `slice` frames at `rate` */
static inline int kt_test_listen(int lookahead, double rate, double slice)
{
  if (lookahead <= 0) return 0;
  double w = KT_LISTEN_S * rate, s = KT_LISTEN_SLICES * slice;
  return (int)lround(w < s ? w : s);
}

static inline int kt_test_latency(int lookahead, double rate, double slice)
{
  return (int)lround(lookahead * slice) +
         kt_test_listen(lookahead, rate, slice);
}

#endif
