/* ui/kantor_ui.c -- the LV2 UI (ui:X11UI): an X11 window with cairo-xlib
 * around ui/roll.c, which draws and handles the controls.
 *
 * The host gives a parent window (ui:parent; without it the UI opens a
 * top-level window), calls idle() on its UI thread (ui:idleInterface: X
 * events, redraw when something changed), delivers the plugin's notify
 * port (one kantor:Slice per decided sixteenth) and control values through
 * port_event().  Controls are written with write_function; on opening, a
 * patch:Get asks the plugin for the recent slices, so a UI opened in the
 * middle of a song shows the last bars at once.  The window opens at
 * 760x420 (also its window manager hints, which embedding hosts read) and
 * follows its size whoever changes it, the host or a window manager
 * (ConfigureNotify); ui:resize, deprecated in LV2, is not used.  Nothing
 * here runs in the audio thread; the plugin works the same with or
 * without this UI. */
#include "kantor_uris.h"
#include "roll.h"

#include <lv2/atom/atom.h>
#include <lv2/atom/forge.h>
#include <lv2/atom/util.h>
#include <lv2/core/lv2.h>
#include <lv2/patch/patch.h>
#include <lv2/ui/ui.h>
#include <lv2/urid/urid.h>

/* after the LV2 headers: Xlib defines Bool, a field of LV2_Atom_Forge */
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <cairo-xlib.h>
#include <cairo.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define UI_W 760
#define UI_H 420

typedef struct {
  LV2UI_Write_Function write;
  LV2UI_Controller controller;

  Display *dpy;
  Window win;
  Atom wm_delete;
  cairo_surface_t *surface;
  int w, h;
  int dirty;

  LV2_URID atom_eventTransfer, atom_Long, atom_Int, atom_Vector, patch_Get,
      kantor_Slice, kantor_index, kantor_data;
  LV2_Atom_Forge forge;

  kt_roll roll;
} kt_ui;

static void write_param(kt_ui *ui, kt_param p, float v)
{
  ui->write(ui->controller, (uint32_t)(KT_PORT_PARAM0 + p), sizeof v, 0, &v);
  ui->dirty = 1;
}

/* patch:Get on the control port: the plugin sends the recent slices. */
static void ask_history(kt_ui *ui)
{
  uint8_t buf[64];
  LV2_Atom_Forge_Frame frame;
  lv2_atom_forge_set_buffer(&ui->forge, buf, sizeof buf);
  LV2_Atom *msg =
      (LV2_Atom *)lv2_atom_forge_object(&ui->forge, &frame, 0, ui->patch_Get);
  lv2_atom_forge_pop(&ui->forge, &frame);
  if (msg)
    ui->write(ui->controller, KT_PORT_CONTROL, lv2_atom_total_size(msg),
              ui->atom_eventTransfer, msg);
}

static void set_size(kt_ui *ui, int w, int h)
{
  if (w < 1 || h < 1 || (w == ui->w && h == ui->h)) return;
  ui->w = w;
  ui->h = h;
  cairo_xlib_surface_set_size(ui->surface, w, h);
  ui->dirty = 1;
}

static void draw(kt_ui *ui)
{
  cairo_t *cr = cairo_create(ui->surface);
  cairo_push_group(cr); /* drawn off screen, shown at once: no flicker */
  kt_roll_draw(&ui->roll, cr, ui->w, ui->h);
  cairo_pop_group_to_source(cr);
  cairo_paint(cr);
  cairo_destroy(cr);
  cairo_surface_flush(ui->surface);
  XFlush(ui->dpy);
  ui->dirty = 0;
}

static void free_ui(kt_ui *ui)
{
  if (ui->surface) cairo_surface_destroy(ui->surface);
  if (ui->dpy) {
    if (ui->win) XDestroyWindow(ui->dpy, ui->win);
    XCloseDisplay(ui->dpy);
  }
  free(ui);
}

static LV2UI_Handle instantiate(const LV2UI_Descriptor *desc,
                                const char *plugin_uri, const char *bundle_path,
                                LV2UI_Write_Function write,
                                LV2UI_Controller controller,
                                LV2UI_Widget *widget,
                                const LV2_Feature *const *features)
{
  (void)desc;
  (void)bundle_path;
  if (strcmp(plugin_uri, KT_PLUGIN_URI) != 0) return NULL;
  LV2_URID_Map *map = NULL;
  void *parent = NULL;
  for (int i = 0; features && features[i]; ++i) {
    if (!strcmp(features[i]->URI, LV2_URID__map))
      map = (LV2_URID_Map *)features[i]->data;
    else if (!strcmp(features[i]->URI, LV2_UI__parent))
      parent = features[i]->data;
  }
  if (!map) return NULL;

  kt_ui *ui = calloc(1, sizeof *ui);
  if (!ui) return NULL;
  ui->write = write;
  ui->controller = controller;
  kt_roll_init(&ui->roll);
  ui->atom_eventTransfer = map->map(map->handle, LV2_ATOM__eventTransfer);
  ui->atom_Long = map->map(map->handle, LV2_ATOM__Long);
  ui->atom_Int = map->map(map->handle, LV2_ATOM__Int);
  ui->atom_Vector = map->map(map->handle, LV2_ATOM__Vector);
  ui->patch_Get = map->map(map->handle, LV2_PATCH__Get);
  ui->kantor_Slice = map->map(map->handle, KT_SLICE_URI);
  ui->kantor_index = map->map(map->handle, KT_SLICE_INDEX_URI);
  ui->kantor_data = map->map(map->handle, KT_SLICE_DATA_URI);
  lv2_atom_forge_init(&ui->forge, map);

  ui->dpy = XOpenDisplay(NULL);
  if (!ui->dpy) {
    free_ui(ui);
    return NULL;
  }
  int screen = DefaultScreen(ui->dpy);
  Window parent_win =
      parent ? (Window)(uintptr_t)parent : RootWindow(ui->dpy, screen);
  ui->w = UI_W;
  ui->h = UI_H;
  ui->win = XCreateSimpleWindow(ui->dpy, parent_win, 0, 0, UI_W, UI_H, 0, 0,
                                0x15171c);
  XSelectInput(ui->dpy, ui->win,
               ExposureMask | StructureNotifyMask | ButtonPressMask |
                   ButtonReleaseMask | Button1MotionMask);
  XSizeHints *hints = XAllocSizeHints();
  if (hints) {
    hints->flags = PMinSize | PBaseSize;
    hints->min_width = 320;
    hints->min_height = 200;
    hints->base_width = UI_W;
    hints->base_height = UI_H;
    XSetWMNormalHints(ui->dpy, ui->win, hints);
    XFree(hints);
  }
  if (!parent) { /* a window of our own: a title, and closing it */
    XStoreName(ui->dpy, ui->win, "Kantor");
    ui->wm_delete = XInternAtom(ui->dpy, "WM_DELETE_WINDOW", False);
    XSetWMProtocols(ui->dpy, ui->win, &ui->wm_delete, 1);
  }
  ui->surface = cairo_xlib_surface_create(
      ui->dpy, ui->win, DefaultVisual(ui->dpy, screen), UI_W, UI_H);
  if (cairo_surface_status(ui->surface) != CAIRO_STATUS_SUCCESS) {
    free_ui(ui);
    return NULL;
  }
  XMapRaised(ui->dpy, ui->win);
  XFlush(ui->dpy);
  *widget = (LV2UI_Widget)(uintptr_t)ui->win;
  ui->dirty = 1;
  ask_history(ui);
  return ui;
}

static void cleanup(LV2UI_Handle h)
{
  free_ui((kt_ui *)h);
}

static void slice_event(kt_ui *ui, const LV2_Atom *a, uint32_t size)
{
  if (size < sizeof(LV2_Atom) || lv2_atom_total_size(a) > size ||
      !lv2_atom_forge_is_object_type(&ui->forge, a->type) ||
      a->size < sizeof(LV2_Atom_Object_Body))
    return;
  const LV2_Atom_Object *obj = (const LV2_Atom_Object *)a;
  if (obj->body.otype != ui->kantor_Slice) return;
  const LV2_Atom *idx = NULL, *data = NULL;
  lv2_atom_object_get(obj, ui->kantor_index, &idx, ui->kantor_data, &data, 0);
  const LV2_Atom_Vector *vec = (const LV2_Atom_Vector *)data;
  if (!idx || idx->type != ui->atom_Long || idx->size < sizeof(int64_t) ||
      !vec || vec->atom.type != ui->atom_Vector ||
      vec->atom.size < sizeof vec->body + KT_NOTE_N * sizeof(int32_t) ||
      vec->body.child_type != ui->atom_Int ||
      vec->body.child_size != sizeof(int32_t))
    return;
  int32_t d[KT_NOTE_N];
  memcpy(d, vec + 1, sizeof d);
  kt_slice_view v;
  v.index = ((const LV2_Atom_Long *)idx)->body;
  v.bar_pos = d[KT_NOTE_BAR_POS];
  v.bar_len = d[KT_NOTE_BAR_LEN];
  for (int i = 0; i < 4; ++i)
    v.pitch[i] = d[KT_NOTE_MELODY + i];
  v.onset = (unsigned)d[KT_NOTE_ONSET];
  kt_roll_push(&ui->roll, &v, d[KT_NOTE_KEY], d[KT_NOTE_CHORD]);
  ui->dirty = 1;
}

static void port_event(LV2UI_Handle h, uint32_t port, uint32_t size,
                       uint32_t format, const void *buffer)
{
  kt_ui *ui = (kt_ui *)h;
  if (format == 0 && size == sizeof(float)) {
    float v = *(const float *)buffer;
    if (port >= KT_PORT_PARAM0 && port < KT_PORT_PARAM0 + KT_NPARAMS)
      ui->roll.param[port - KT_PORT_PARAM0] = v;
    else if (port == KT_PORT_KEY)
      ui->roll.key = (int)v;
    else if (port == KT_PORT_CHORD)
      ui->roll.chord = (int)v;
    else
      return;
    ui->dirty = 1;
  } else if (format == ui->atom_eventTransfer && port == KT_PORT_NOTIFY) {
    slice_event(ui, (const LV2_Atom *)buffer, size);
  }
}

static void handle_event(kt_ui *ui, const XEvent *ev)
{
  kt_param p;
  float v;
  switch (ev->type) {
  case Expose:
    if (ev->xexpose.count == 0) ui->dirty = 1;
    break;
  case ConfigureNotify:
    set_size(ui, ev->xconfigure.width, ev->xconfigure.height);
    break;
  case ButtonPress:
    if (kt_roll_press(&ui->roll, ui->w, ui->h, ev->xbutton.x, ev->xbutton.y,
                      (int)ev->xbutton.button, &p, &v))
      write_param(ui, p, v);
    break;
  case MotionNotify:
    if (kt_roll_motion(&ui->roll, ui->w, ui->h, ev->xmotion.x, ev->xmotion.y,
                       &p, &v))
      write_param(ui, p, v);
    break;
  case ButtonRelease:
    kt_roll_release(&ui->roll);
    break;
  default:
    break;
  }
}

static int idle(LV2UI_Handle h)
{
  kt_ui *ui = (kt_ui *)h;
  while (XPending(ui->dpy) > 0) {
    XEvent ev;
    XNextEvent(ui->dpy, &ev);
    if (ev.type == ClientMessage && ui->wm_delete &&
        (Atom)ev.xclient.data.l[0] == ui->wm_delete)
      return 1; /* our own window was closed: the host hides the UI */
    handle_event(ui, &ev);
  }
  if (ui->dirty) draw(ui);
  return 0;
}

static const void *extension_data(const char *uri)
{
  static const LV2UI_Idle_Interface idle_iface = {idle};
  if (!strcmp(uri, LV2_UI__idleInterface)) return &idle_iface;
  return NULL;
}

static const LV2UI_Descriptor descriptor = {KT_UI_URI, instantiate, cleanup,
                                            port_event, extension_data};

LV2_SYMBOL_EXPORT const LV2UI_Descriptor *lv2ui_descriptor(uint32_t index)
{
  return index == 0 ? &descriptor : NULL;
}
