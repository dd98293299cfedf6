/* tests/ui/test_x11ui.c -- the X11 shell (ui/kantor_ui.c) as a host drives
 * it, on $DISPLAY (jalv_ui.sh runs it under Xvfb): kantor_ui.so loaded from
 * the bundle, opened and closed again and again, embedded in a parent
 * window and on its own; it asks the plugin for the recent slices, takes
 * notify events and control values, opens at its size (760x420, in its
 * window manager hints), follows its window when the host or a window
 * manager resizes it (no ui:resize, which LV2 deprecates: a click laid out
 * for the new size must hit its control), and a click on a control writes
 * the plugin's port.
 *   test_x11ui BUNDLE_DIR */
#include "../check.h"
#include "kantor_uris.h"
#include "roll.h"

#include <lv2/atom/forge.h>
#include <lv2/patch/patch.h>
#include <lv2/ui/ui.h>
#include <lv2/urid/urid.h>

/* after the LV2 headers: Xlib defines Bool */
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *uris[64];
static uint32_t n_uris;

static LV2_URID map_uri(LV2_URID_Map_Handle h, const char *uri)
{
  (void)h;
  for (uint32_t i = 0; i < n_uris; ++i)
    if (!strcmp(uris[i], uri)) return i + 1;
  if (n_uris == 64) return 0;
  uris[n_uris] = strdup(uri);
  return ++n_uris;
}

typedef struct {
  int n_writes, n_get, alto_off;
  LV2_URID eventTransfer, patch_Get;
} host;

static void write_fn(LV2UI_Controller c, uint32_t port, uint32_t size,
                     uint32_t format, const void *buf)
{
  host *H = (host *)c;
  H->n_writes++;
  if (port == KT_PORT_CONTROL && format == H->eventTransfer) {
    const LV2_Atom_Object *o = (const LV2_Atom_Object *)buf;
    if (size >= sizeof *o && o->body.otype == H->patch_Get) H->n_get++;
  } else if (port == KT_PORT_PARAM0 + KT_P_ALTO_ON && format == 0 &&
             size == sizeof(float) && *(const float *)buf == 0.0f) {
    H->alto_off++;
  }
}

/* One kantor:Slice event body, as the plugin writes it. */
static const LV2_Atom *slice_atom(LV2_Atom_Forge *f, uint8_t *buf,
                                  uint32_t size, LV2_URID_Map *map, int64_t i)
{
  lv2_atom_forge_set_buffer(f, buf, size);
  LV2_Atom_Forge_Frame fr;
  LV2_Atom *a = (LV2_Atom *)lv2_atom_forge_object(
      f, &fr, 0, map->map(map->handle, KT_SLICE_URI));
  lv2_atom_forge_key(f, map->map(map->handle, KT_SLICE_INDEX_URI));
  lv2_atom_forge_long(f, i);
  lv2_atom_forge_key(f, map->map(map->handle, KT_SLICE_DATA_URI));
  int32_t d[KT_NOTE_N] = {(int32_t)(i % 16),
                          16,
                          67 + (int32_t)(i / 4 % 5),
                          62,
                          55,
                          43,
                          i % 4 == 0 ? 15 : 0,
                          7,
                          1};
  lv2_atom_forge_vector(f, sizeof(int32_t), f->Int, KT_NOTE_N, d);
  lv2_atom_forge_pop(f, &fr);
  return a;
}

static void click(Display *dpy, Window w, double x, double y, int button,
                  int press)
{
  XEvent ev;
  memset(&ev, 0, sizeof ev);
  ev.type = press ? ButtonPress : ButtonRelease;
  ev.xbutton.window = w;
  ev.xbutton.x = (int)x;
  ev.xbutton.y = (int)y;
  ev.xbutton.button = (unsigned)button;
  ev.xbutton.same_screen = True;
  XSendEvent(dpy, w, True, press ? ButtonPressMask : ButtonReleaseMask, &ev);
  XFlush(dpy);
}

/* The UI handles X events in idle(): call it until `done` or ~2 s. */
static void idle_until(const LV2UI_Idle_Interface *idle, LV2UI_Handle ui,
                       const int *done)
{
  for (int i = 0; i < 200 && !(done && *done); ++i) {
    CHECK(idle->idle(ui) == 0, "idle asked to close the UI");
    struct timespec ts = {0, 10000000};
    nanosleep(&ts, NULL);
    if (!done && i >= 5) break;
  }
}

int main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: test_x11ui BUNDLE_DIR\n");
    return 2;
  }
  Display *dpy = XOpenDisplay(NULL);
  if (!dpy) {
    printf("SKIP: no X display\n");
    return 77;
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/kantor_ui.so", argv[1]);
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  CHECK(lib != NULL, "dlopen %s: %s", path, dlerror());
  if (!lib) return 1;
  LV2UI_DescriptorFunction df =
      (LV2UI_DescriptorFunction)(uintptr_t)dlsym(lib, "lv2ui_descriptor");
  const LV2UI_Descriptor *d = df ? df(0) : NULL;
  CHECK(d && !strcmp(d->URI, KT_UI_URI) && df(1) == NULL, "UI descriptor");
  if (!d) return 1;
  const LV2UI_Idle_Interface *idle =
      (const LV2UI_Idle_Interface *)d->extension_data(LV2_UI__idleInterface);
  CHECK(idle != NULL, "idle interface");
  if (!idle) return 1;
  CHECK(d->extension_data(LV2_UI__resize) == NULL,
        "the UI offers ui:resize (deprecated)");

  LV2_URID_Map map = {NULL, map_uri};
  host H;
  memset(&H, 0, sizeof H);
  H.eventTransfer = map_uri(NULL, LV2_ATOM__eventTransfer);
  H.patch_Get = map_uri(NULL, LV2_PATCH__Get);
  Window top =
      XCreateSimpleWindow(dpy, DefaultRootWindow(dpy), 0, 0, 800, 500, 0, 0, 0);
  XMapWindow(dpy, top);
  XFlush(dpy);
  LV2_Feature f_map = {LV2_URID__map, &map};
  LV2_Feature f_parent = {LV2_UI__parent, (void *)(uintptr_t)top};
  LV2_Feature f_idle = {LV2_UI__idleInterface, NULL};
  const LV2_Feature *embedded[] = {&f_map, &f_parent, &f_idle, NULL};
  const LV2_Feature *own[] = {&f_map, &f_idle, NULL};
  LV2_Atom_Forge forge;
  lv2_atom_forge_init(&forge, &map);
  uint8_t buf[256];

  LV2UI_Widget widget = NULL;
  CHECK(d->instantiate(d, "urn:not:kantor", argv[1], write_fn, &H, &widget,
                       embedded) == NULL,
        "the UI opened for another plugin");

  int opens = 0, clicks = 0;
  for (int round = 0; round < 12; ++round) {
    const int embed = round % 3 != 2;
    H.n_writes = H.n_get = H.alto_off = 0;
    widget = NULL;
    LV2UI_Handle ui = d->instantiate(d, KT_PLUGIN_URI, argv[1], write_fn, &H,
                                     &widget, embed ? embedded : own);
    CHECK(ui && widget, "round %d: no UI", round);
    if (!ui) continue;
    opens++;
    CHECK(H.n_get == 1, "round %d: %d patch:Get sent", round, H.n_get);
    /* its size, as an embedding host (suil) reads it: the window and
     * the window manager hints */
    XWindowAttributes wa;
    XGetWindowAttributes(dpy, (Window)(uintptr_t)widget, &wa);
    XSizeHints hints;
    long supplied = 0;
    memset(&hints, 0, sizeof hints);
    CHECK(wa.width == 760 && wa.height == 420 &&
              XGetWMNormalHints(dpy, (Window)(uintptr_t)widget, &hints,
                                &supplied) &&
              (hints.flags & PBaseSize) && hints.base_width == 760 &&
              hints.base_height == 420 && (hints.flags & PMinSize),
          "round %d: opened at %dx%d, hints %ldx%ld", round, wa.width,
          wa.height, (long)hints.base_width, (long)hints.base_height);
    /* the host sends control values and a stream of slices */
    for (uint32_t p = KT_PORT_PARAM0; p < KT_PORT_PARAM0 + KT_NPARAMS; ++p) {
      float v = kt_param_get_info((kt_param)(p - KT_PORT_PARAM0))->def;
      d->port_event(ui, p, sizeof v, 0, &v);
    }
    for (int64_t i = 0; i < 40 + round * 30; ++i) {
      const LV2_Atom *a = slice_atom(&forge, buf, sizeof buf, &map, i);
      d->port_event(ui, KT_PORT_NOTIFY, lv2_atom_total_size(a), H.eventTransfer,
                    a);
    }
    uint8_t junk[16] = {0};
    d->port_event(ui, KT_PORT_NOTIFY, sizeof junk, H.eventTransfer, junk);
    d->port_event(ui, KT_PORT_NOTIFY, 3, H.eventTransfer, junk);
    idle_until(idle, ui, NULL);

    /* the host (its frame) or a window manager resizes the UI's window:
     * the UI lays itself out for the new size (ConfigureNotify) */
    int w = 420 + 60 * round, h = 260 + 20 * round;
    XResizeWindow(dpy, (Window)(uintptr_t)widget, (unsigned)w, (unsigned)h);
    XSync(dpy, False);
    idle_until(idle, ui, NULL);
    XGetWindowAttributes(dpy, (Window)(uintptr_t)widget, &wa);
    CHECK(wa.width == w && wa.height == h, "round %d: window %dx%d, not %dx%d",
          round, wa.width, wa.height, w, h);

    /* a click on the Alto toggle writes alto = 0 */
    if (round % 2 == 0) {
      double b[4];
      kt_roll_control_box(w, h, KT_P_ALTO_ON, b);
      click(dpy, (Window)(uintptr_t)widget, b[0] + b[2] / 2, b[1] + b[3] / 2, 1,
            1);
      click(dpy, (Window)(uintptr_t)widget, b[0] + b[2] / 2, b[1] + b[3] / 2, 1,
            0);
      idle_until(idle, ui, &H.alto_off);
      CHECK(H.alto_off == 1, "round %d: the Alto click wrote %d times", round,
            H.alto_off);
      clicks += H.alto_off;
    }
    d->cleanup(ui); /* the host closes it, whatever it was doing */
  }
  printf("%d UIs opened and closed (embedded and top-level), %d clicks "
         "written to the alto port\n",
         opens, clicks);
  XDestroyWindow(dpy, top);
  XCloseDisplay(dpy);
  dlclose(lib);
  for (uint32_t i = 0; i < n_uris; ++i)
    free(uris[i]);
  return kt_check_done("x11ui");
}
