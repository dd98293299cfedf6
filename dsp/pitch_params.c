/* dsp/pitch_params.c -- the pitch tracker's parameter table (pitch.h),
 * apart from pitch.c so that ttl/ttlgen can list the ports without FFTW. */
#include "pitch.h"

#include <stddef.h>

static const kt_pitch_param_info infos[KT_NPITCH_PARAMS] = {
    {"a4", "Tuning A4", "hz", 400, 480, 440,
     "Tuning reference: the frequency of A4"},
    {"gain", "Input gain", "db", -24, 24, 0,
     "Gain applied to the input before the pitch tracker"},
    {"gate", "Input threshold", "db", -80, 0, -50,
     "Level (RMS, dBFS after the gain) a note needs to start"},
    {"min_note", "Minimum note length", "ms", 0, 500, 40,
     "Notes are never shorter: a pitch change or release waits"},
};

const kt_pitch_param_info *kt_pitch_param_get_info(kt_pitch_param p)
{
  return (unsigned)p < KT_NPITCH_PARAMS ? &infos[p] : NULL;
}
