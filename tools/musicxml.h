/* tools/musicxml.h -- MusicXML out (a chorale, laid out by score.h) and in
 * (a melody: the top part, or another, of an uncompressed score-partwise
 * file, with its tempo and meters).  Our own writer and a small XML reader
 * (elements, attributes, text, comments, CDATA, the five predefined and
 * numeric entities; no DTD is fetched): libxml2 would bring a dependency
 * for the ~40 elements a melody needs, and its messages do not name the
 * measure. */
#ifndef KT_MUSICXML_H
#define KT_MUSICXML_H

#include "drive.h"
#include "score.h"
#include <stddef.h>

/* Writes path.tmp, then renames it to path; nothing is left on failure.
 * 0, or -1 with "PATH: message" in err. */
int kt_mxl_write(const char *path, const kt_score *s, char *err, size_t errlen);

/* Reads a melody from part `part` (1 = the first/top part).  Errors name
 * the file, the measure (MusicXML number) and what is wrong: a compressed
 * .mxl, malformed XML (with the line), no such part, no notes, several
 * voices or chords in the part, tuplets, a score-timewise file.
 * The melody's times start at a barline: a pickup measure shorter than
 * its meter is moved so that it ends on the first barline.
 * 0, or -1 with err. */
int kt_mxl_read_melody(const char *path, int part, kt_melody *m, char *err,
                       size_t errlen);
int kt_mxl_read_melody_mem(const char *buf, size_t len, const char *name,
                           int part, kt_melody *m, char *err, size_t errlen);

/* 1 if the name ends in .musicxml, .xml or .mxl (any case). */
int kt_mxl_is_musicxml_name(const char *path);

#endif
