/* plugin/kantor_uris.h -- what the MIDI plugin and its UI (ui/) agree on,
 * and nothing else: the URIs, the port indices and the notify message.
 * (The UI needs neither the engine nor the LV2 glue: dsp/params.h gives it
 * the parameter table.)
 *
 * For each slice it decides, the plugin writes one kantor:Slice object to
 * the `notify` output port (at the block's first boundary frame):
 *   kantor:index  atom:Long  slice index since activation
 *   kantor:data   atom:Vector of atom:Int, KT_NOTE_N values (kt_note_field)
 * A patch:Get on the control port makes the plugin send the last
 * KT_NOTE_RESEND slices again (a UI that just opened asks for them). */
#ifndef KT_KANTOR_URIS_H
#define KT_KANTOR_URIS_H

#include "params.h" /* KT_NPARAMS */

#ifndef KT_PLUGIN_URI
#define KT_PLUGIN_URI "https://kantor.example.org/plugins/kantor"
#endif
#define KT_MODEL_URI KT_PLUGIN_URI "#model"
#define KT_UI_URI KT_PLUGIN_URI "#ui"
#define KT_SLICE_URI KT_PLUGIN_URI "#Slice"
#define KT_SLICE_INDEX_URI KT_PLUGIN_URI "#index"
#define KT_SLICE_DATA_URI KT_PLUGIN_URI "#data"

/* Ports every Kantor LV2 plugin has (plugin/glue.h), then the MIDI
 * plugin's own. */
enum {
  KT_PORT_CONTROL = 0,
  KT_PORT_OUT = 1,
  KT_PORT_PARAM0 = 2,
  KT_PORT_LATENCY = KT_PORT_PARAM0 + KT_NPARAMS,
  KT_PORT_KEY,
  KT_PORT_CHORD,
  KT_LV2_NPORTS, /* a plugin's own ports start here */
  KT_PORT_NOTIFY = KT_LV2_NPORTS,
  KT_NPORTS
};

typedef enum {
  KT_NOTE_BAR_POS = 0, /* sixteenths since the barline */
  KT_NOTE_BAR_LEN,     /* sixteenths per bar */
  KT_NOTE_MELODY,      /* melody pitch, -1 rest */
  KT_NOTE_ALTO,        /* sounding alto, tenor, bass, -1 silent */
  KT_NOTE_TENOR,
  KT_NOTE_BASS,
  KT_NOTE_ONSET, /* bit v: part v (melody, alto, tenor, bass) starts here */
  KT_NOTE_KEY,   /* key in use: tonic + 12 * minor, -1 not yet known */
  KT_NOTE_CHORD, /* chord class of the latest decided slice (nn/harmony.h) */
  KT_NOTE_N
} kt_note_field;

#define KT_NOTE_RESEND 128 /* slices sent again on patch:Get */

#endif
