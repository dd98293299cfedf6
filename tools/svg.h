/* tools/svg.h -- piano-roll SVG: one or more panels of four voices
 * (soprano, alto, tenor, bass) with bar lines from the meters.  Two panels
 * give the evaluator's "original above regenerated" view (8 voices). */
#ifndef KT_SVG_H
#define KT_SVG_H

#include "drive.h"
#include <stddef.h>
#include <stdio.h>

typedef struct {
  double start, dur; /* quarter notes */
  int pitch;         /* MIDI */
  int voice;         /* 0 soprano, 1 alto, 2 tenor, 3 bass */
} kt_svg_note;

typedef struct {
  const char *title; /* may be NULL */
  const kt_svg_note *notes;
  int n;
} kt_svg_panel;

/* meters NULL / n_meter 0: 4/4.  end: quarter notes shown (0: up to the
 * last note).  Writes path.tmp then renames.  0 or -1 with err. */
int kt_svg_write(const char *path, const char *title,
                 const kt_svg_panel *panels, int n_panels,
                 const kt_meter *meters, int n_meter, double end, char *err,
                 size_t errlen);

/* Text as XML character data or attribute value: < > & " escaped, control
 * characters other than tab dropped (the SVG and the MusicXML writers). */
void kt_svg_xml_text(FILE *f, const char *s);

#endif
