/* dsp/params.c -- the parameter table: one source for the engine defaults,
 * the LV2 ports (ttl generated from it), the CLI and the tests. */
#include "engine.h"

#include <stddef.h>

static const kt_param_info kt_params[KT_NPARAMS] = {
  [KT_P_ENABLED] = {"enabled", "Enabled", 0, 1, 1, 1, 1},
  [KT_P_TEMPERATURE] = {"temperature", "Temperature", 0, 2, 0, 0, 0},
  [KT_P_SEED] = {"seed", "Seed", 0, 65535, 1, 1, 0},
  [KT_P_KEY] = {"key", "Key", -1, 11, -1, 1, 0},
  [KT_P_MODE] = {"mode", "Mode", 0, 1, 0, 1, 0},
  [KT_P_LOOKAHEAD] = {"lookahead", "Lookahead", 0, 8, 0, 1, 0},
  [KT_P_GUARD] = {"guard", "Voice-leading guard", 0, 1, 1, 1, 1},
  [KT_P_ALTO_ON] = {"alto", "Alto", 0, 1, 1, 1, 1},
  [KT_P_TENOR_ON] = {"tenor", "Tenor", 0, 1, 1, 1, 1},
  [KT_P_BASS_ON] = {"bass", "Bass", 0, 1, 1, 1, 1},
  [KT_P_VEL_MODE] = {"velocity_mode", "Velocity mode", 0, 1, 0, 1, 0},
  [KT_P_VELOCITY] = {"velocity", "Fixed velocity", 1, 127, 80, 1, 0},
  [KT_P_CH_ALTO] = {"alto_channel", "Alto channel", 1, 16, 2, 1, 0},
  [KT_P_CH_TENOR] = {"tenor_channel", "Tenor channel", 1, 16, 3, 1, 0},
  [KT_P_CH_BASS] = {"bass_channel", "Bass channel", 1, 16, 4, 1, 0},
  [KT_P_CH_IN] = {"input_channel", "Input channel", 0, 16, 0, 1, 0},
  [KT_P_PASSTHRU] = {"passthrough", "Melody pass-through", 0, 1, 1, 1, 1},
  [KT_P_GRACE_MS] = {"grace", "Grace window", 0, 50, 12, 0, 0},
  [KT_P_BPM] = {"bpm", "Free-run tempo", 20, 300, 100, 0, 0},
  [KT_P_ALTO_LO] = {"alto_low", "Alto lowest", 36, 96, 53, 1, 0},
  [KT_P_ALTO_HI] = {"alto_high", "Alto highest", 36, 96, 74, 1, 0},
  [KT_P_TENOR_LO] = {"tenor_low", "Tenor lowest", 28, 84, 48, 1, 0},
  [KT_P_TENOR_HI] = {"tenor_high", "Tenor highest", 28, 84, 69, 1, 0},
  [KT_P_BASS_LO] = {"bass_low", "Bass lowest", 21, 72, 36, 1, 0},
  [KT_P_BASS_HI] = {"bass_high", "Bass highest", 21, 72, 64, 1, 0},
};

const kt_param_info *kt_param_get_info(kt_param p)
{
  if ((int)p < 0 || p >= KT_NPARAMS)
    return NULL;
  return &kt_params[p];
}
