/* plugin/kantor_lv2.h -- what the MIDI plugin and its UI (ui/) agree on:
 * port indices (glue.h, and the notify port) and the notify message.
 *
 * For each slice it decides, the plugin writes one kantor:Slice object to
 * the `notify` output port (at the block's first boundary frame):
 *   kantor:index  atom:Long  slice index since activation
 *   kantor:data   atom:Vector of atom:Int, KT_NOTE_N values (kt_note_field)
 * A patch:Get on the control port makes the plugin send the last
 * KT_NOTE_RESEND slices again (a UI that just opened asks for them). */
#ifndef KT_KANTOR_LV2_H
#define KT_KANTOR_LV2_H

#include "glue.h" /* the shared ports, KT_PLUGIN_URI */

#define KT_UI_URI KT_PLUGIN_URI "#ui"
#define KT_SLICE_URI KT_PLUGIN_URI "#Slice"
#define KT_SLICE_INDEX_URI KT_PLUGIN_URI "#index"
#define KT_SLICE_DATA_URI KT_PLUGIN_URI "#data"

/* The MIDI plugin's own ports, after the shared ones. */
enum { KT_PORT_NOTIFY = KT_PL_NPORTS, KT_NPORTS };

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
