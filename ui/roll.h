/* ui/roll.h -- the picture of the Kantor UI, without any window system: a
 * piano roll of the last four bars (melody, alto, tenor and bass in their
 * colours, bar lines, the current slice), the detected key and the current
 * chord, and the controls (temperature, key, mode, lookahead, alto / tenor
 * / bass on-off).  It draws on any cairo_t -- the X11 window of
 * ui/kantor_ui.c, or an image surface in the tests -- and turns mouse input
 * into parameter changes that the shell writes to the plugin's ports.
 *
 * The state is what the plugin's notify port sent (kt_slice_view per
 * decided sixteenth) plus the control values the host reported. */
#ifndef KT_ROLL_H
#define KT_ROLL_H

#include "params.h" /* kt_param, kt_slice_view: no engine */

#include <cairo.h>
#include <stdint.h>

#define KT_ROLL_HIST 256 /* slices kept (a power of two, >= 4 bars) */
#define KT_ROLL_BARS 4   /* bars shown */

typedef struct {
  kt_slice_view s[KT_ROLL_HIST]; /* slice i at i % KT_ROLL_HIST */
  int64_t last;                  /* newest slice index, -1 none */
  int key, chord;                /* detected key (-1 unknown), chord class */
  float param[KT_NPARAMS];       /* the plugin's controls, as last known */
  int drag;                      /* the control being dragged, 0 none */
} kt_roll;

/* Part colours as 0xRRGGBB: melody, alto, tenor, bass (as tools/svg.c). */
extern const uint32_t kt_roll_colour[4];

void kt_roll_init(kt_roll *r); /* empty roll, controls at their defaults */
/* A decided slice (newest last; older indices rewrite their column, an
 * index far behind the newest one means the plugin was reset). */
void kt_roll_push(kt_roll *r, const kt_slice_view *v, int key, int chord);

void kt_roll_draw(const kt_roll *r, cairo_t *cr, double w, double h);

/* Geometry of a w x h picture, for the tests: the cell of `pitch` at slice
 * `index` (1 if on screen) and the box of the key / chord text. */
int kt_roll_cell(const kt_roll *r, double w, double h, int64_t index, int pitch,
                 double box[4]);
void kt_roll_text_box(double w, double h, double box[4]);
void kt_roll_area(double w, double h, double box[4]); /* the roll itself */
/* The control of parameter p (1), or 0 if the UI has none for it. */
int kt_roll_control_box(double w, double h, kt_param p, double box[4]);

/* Mouse at (x, y) of a w x h picture; button 1 left, 3 right, 4/5 wheel
 * up/down.  Each returns the number of parameter changes (0..1) stored in
 * *p and *v, already applied to r->param. */
int kt_roll_press(kt_roll *r, double w, double h, double x, double y,
                  int button, kt_param *p, float *v);
int kt_roll_motion(kt_roll *r, double w, double h, double x, double y,
                   kt_param *p, float *v);
void kt_roll_release(kt_roll *r);

#endif
