/* tools/lily.h -- a chorale as a LilyPond file (the layout of score.h: the
 * same measures, values, ties, voices and spelling as the MusicXML writer)
 * and engraved through the `lilypond` program into PDF, PNG or SVG. */
#ifndef KT_LILY_H
#define KT_LILY_H

#include "score.h"
#include <stddef.h>

/* The .ly text (one_page: every system on one page, for PNG/SVG) to path
 * (path.tmp renamed; nothing left on failure).  0, or -1 with err. */
int kt_ly_write(const char *path, const kt_score *s, int one_page, char *err,
                size_t errlen);

/* Engraves s into out (.pdf, .png or .svg, by its name) with lilypond
 * (found on PATH), or only the .ly when out ends in .ly: the .ly and lilypond's
 * files go to a temporary folder next to out, the result is renamed to out.
 * Without lilypond: an error saying how to install it.  Warnings lilypond
 * prints are counted in *warnings (may be NULL) and copied to stderr.  0, or -1
 * with err. */
int kt_ly_engrave(const char *out, const kt_score *s, int *warnings, char *err,
                  size_t errlen);

/* 1 if out's name ends in .pdf, .png, .svg or .ly (the LilyPond source
 * only: kt_ly_engrave writes it without running lilypond). */
int kt_ly_score_name_ok(const char *out);

#endif
