/* plugin/kantor_lv2.c -- the MIDI plugin: MIDI melody in, melody and three
 * voices out.  The shared LV2 glue (glue.h) around the engine
 * (dsp/engine.h), plus the `notify` port that feeds the UI (ui/): one
 * kantor:Slice per decided sixteenth (kantor_uris.h), forged into the host's
 * buffer in run() -- nothing allocated, and the plugin runs the same whether
 * the port is connected or not. */
#include "glue.h"

#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>

typedef struct {
  kt_lv2 g; /* first: the shared interfaces cast the handle to a kt_lv2 */
  LV2_Atom_Sequence *notify;
  LV2_Atom_Forge nforge;
  LV2_URID atom_Int, kantor_Slice, kantor_index, kantor_data;
  int64_t notified; /* slices before this one were sent */
} kt_midi_pl;

static LV2_Handle instantiate(const LV2_Descriptor *desc, double rate,
                              const char *bundle_path,
                              const LV2_Feature *const *features)
{
  (void)desc;
  (void)bundle_path;
  kt_midi_pl *p =
      (kt_midi_pl *)kt_lv2_new(sizeof(kt_midi_pl), rate, features, 0);
  if (!p) return NULL;
  LV2_URID_Map *map = p->g.map;
  lv2_atom_forge_init(&p->nforge, map);
  p->atom_Int = map->map(map->handle, LV2_ATOM__Int);
  p->kantor_Slice = map->map(map->handle, KT_SLICE_URI);
  p->kantor_index = map->map(map->handle, KT_SLICE_INDEX_URI);
  p->kantor_data = map->map(map->handle, KT_SLICE_DATA_URI);
  return (LV2_Handle)p;
}

static void connect_port(LV2_Handle h, uint32_t port, void *data)
{
  kt_midi_pl *p = (kt_midi_pl *)h;
  if (!kt_lv2_connect(&p->g, port, data) && port == KT_PORT_NOTIFY)
    p->notify = (LV2_Atom_Sequence *)data;
}

static void activate(LV2_Handle h)
{
  kt_midi_pl *p = (kt_midi_pl *)h;
  kt_lv2_activate(&p->g);
  p->notified = 0;
}

/* Slices from..to-1 as kantor:Slice objects at frame (as many as fit). */
static void notify_slices(kt_midi_pl *p, int64_t from, int64_t to,
                          uint32_t frame) KT_RT
{
  LV2_Atom_Forge *f = &p->nforge;
  const kt_engine *e = p->g.sh.engine;
  int32_t d[KT_NOTE_N];
  d[KT_NOTE_KEY] = kt_engine_key(e);
  d[KT_NOTE_CHORD] = kt_engine_chord(e);
  for (int64_t s = from < 0 ? 0 : from; s < to; ++s) {
    kt_slice_view v;
    if (!kt_engine_slice(e, s, &v)) continue;
    /* event header + object + index + data vector, padded */
    uint32_t need = (uint32_t)(sizeof(LV2_Atom_Event) + 80 + sizeof d);
    if (f->offset + need > f->size) return;
    d[KT_NOTE_BAR_POS] = v.bar_pos;
    d[KT_NOTE_BAR_LEN] = v.bar_len;
    for (int i = 0; i < 4; ++i)
      d[KT_NOTE_MELODY + i] = v.pitch[i];
    d[KT_NOTE_ONSET] = (int32_t)v.onset;
    LV2_Atom_Forge_Frame obj;
    lv2_atom_forge_frame_time(f, frame);
    lv2_atom_forge_object(f, &obj, 0, p->kantor_Slice);
    lv2_atom_forge_key(f, p->kantor_index);
    lv2_atom_forge_long(f, v.index);
    lv2_atom_forge_key(f, p->kantor_data);
    lv2_atom_forge_vector(f, sizeof(int32_t), p->atom_Int, KT_NOTE_N, d);
    lv2_atom_forge_pop(f, &obj);
  }
}

static void run(LV2_Handle h, uint32_t n_samples) KT_RT
{
  kt_midi_pl *p = (kt_midi_pl *)h;
  const int resend = kt_lv2_asked(&p->g, p->g.in);
  /* notify is the lv2:control output: the glue writes the model's
   * patch:Set there (at frame 0), the slices follow; unconnected, the
   * patch:Set goes on midi_out */
  LV2_Atom_Forge_Frame seq;
  int have_notify = 0;
  if (p->notify && p->notify->atom.size >= sizeof(LV2_Atom_Sequence)) {
    lv2_atom_forge_set_buffer(&p->nforge, (uint8_t *)p->notify,
                              p->notify->atom.size);
    have_notify = lv2_atom_forge_sequence_head(&p->nforge, &seq, 0) != 0;
    if (!have_notify) p->notify->atom.size = 0;
  }
  p->g.ctl = have_notify ? &p->nforge : NULL;
  kt_lv2_run(&p->g, n_samples);
  p->g.ctl = NULL;

  kt_engine_state st;
  kt_engine_get_state(p->g.sh.engine, &st);
  int64_t from = p->notified;
  if (st.decided > p->notified) p->notified = st.decided;
  if (!have_notify) return;
  /* the slices decided in this block, at its first boundary */
  uint32_t frame = st.boundaries > 0 && st.boundary_frame[0] < n_samples
                       ? st.boundary_frame[0]
                       : 0;
  if (resend) from = p->notified - KT_NOTE_RESEND;
  notify_slices(p, from, p->notified, frame);
  lv2_atom_forge_pop(&p->nforge, &seq);
}

static void deactivate(LV2_Handle h)
{
  kt_lv2_deactivate((kt_lv2 *)h);
}

static void cleanup(LV2_Handle h)
{
  kt_lv2_free((kt_lv2 *)h);
}

static const LV2_Descriptor descriptor = {
    KT_PLUGIN_URI, instantiate, connect_port, activate,
    run,           deactivate,  cleanup,      kt_lv2_extension_data};

LV2_SYMBOL_EXPORT const LV2_Descriptor *lv2_descriptor(uint32_t index)
{
  return index == 0 ? &descriptor : NULL;
}
