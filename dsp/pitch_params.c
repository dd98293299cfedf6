/* dsp/pitch_params.c -- the pitch tracker's parameter table (pitch.h),
 * apart from pitch.c so that ttl/ttlgen can list the ports without FFTW. */
#include "pitch.h"

#include <stddef.h>

static const kt_pitch_param_info infos[KT_NPITCH_PARAMS] = {
    {"a4", "Tuning A4", "hz", 400, 480, 440},
    {"gain", "Input gain", "db", -24, 24, 0},
    {"gate", "Input threshold", "db", -80, 0, -50},
    {"min_note", "Minimum note length", "ms", 0, 500, 40},
};

const kt_pitch_param_info *kt_pitch_param_get_info(kt_pitch_param p)
{
  return (unsigned)p < KT_NPITCH_PARAMS ? &infos[p] : NULL;
}
