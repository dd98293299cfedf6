/* tools/engrave.h -- a corpus chorale and a harmonization of its soprano
 * as one score, Bach's four voices above the other's (kantor eval
 * --score-dir): MusicXML, LilyPond, and engraved by lilypond. */
#ifndef KT_ENGRAVE_H
#define KT_ENGRAVE_H

#include "chorale.h"
#include "drive.h"
#include <stddef.h>

/* Writes stem.musicxml and stem.ly, and with fmt "pdf", "png" or "svg"
 * also stem.pdf|png|svg through lilypond (fmt "ly": no engraving).
 * offset: the melody's pickup offset in slices (gen's slices are bach's
 * time line); mel: meters and tempo map; gen_name: "Kantor".  On failure
 * nothing of this chorale is left.  0, or -1 with err. */
int kt_engrave_pair(const char *stem, const kt_chorale *bach,
                    const kt_chorale *gen, const char *gen_name, int offset,
                    const kt_melody *mel, double bpm, const char *fmt,
                    char *err, size_t errlen);

/* 1 if fmt is ly, pdf, png or svg. */
int kt_engrave_fmt_ok(const char *fmt);

#endif
