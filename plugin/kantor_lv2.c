/* plugin/kantor_lv2.c -- the MIDI plugin: MIDI melody in, melody and three
 * voices out.  All of it is the shared LV2 glue (glue.h) around the engine
 * (dsp/engine.h); this file only names the plugin. */
#include "glue.h"

#include <lv2/core/lv2.h>

static LV2_Handle instantiate(const LV2_Descriptor *desc, double rate,
                              const char *bundle_path,
                              const LV2_Feature *const *features)
{
  (void)desc;
  (void)bundle_path;
  return (LV2_Handle)kt_pl_new(sizeof(kt_pl), rate, features, 0);
}

static void connect_port(LV2_Handle h, uint32_t port, void *data)
{
  kt_pl_connect((kt_pl *)h, port, data);
}

static void activate(LV2_Handle h)
{
  kt_pl_activate((kt_pl *)h);
}

static void run(LV2_Handle h, uint32_t n_samples) KT_RT
{
  kt_pl_run((kt_pl *)h, n_samples);
}

static void deactivate(LV2_Handle h)
{
  kt_pl_deactivate((kt_pl *)h);
}

static void cleanup(LV2_Handle h)
{
  kt_pl_free((kt_pl *)h);
}

static const LV2_Descriptor descriptor = {
    KT_PLUGIN_URI, instantiate, connect_port, activate,
    run,           deactivate,  cleanup,      kt_pl_extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
  return index == 0 ? &descriptor : NULL;
}
