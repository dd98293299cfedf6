/* tools/smf.h -- Standard MIDI File (type 0/1) reader and type-1 writer, and
 * the conversion of a file to a monophonic kt_melody (the highest sounding
 * note) with its tempo map and meters.
 *
 * Our own small reader/writer rather than libsmf: Debian's libsmf is
 * unmaintained upstream, pulls in glib, and its error reporting (to a glib
 * log handler) cannot name the byte offset of a malformed event.  SMF is a
 * small format; this is ~400 lines with every length checked. */
#ifndef KT_SMF_H
#define KT_SMF_H

#include "drive.h"
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t tick;  /* absolute, in the file's division */
  uint8_t status; /* 0x80..0xEF channel message, 0xFF meta, 0xF0/0xF7 sysex */
  uint8_t meta;   /* meta type (status 0xFF) */
  uint8_t d[2];   /* channel message data bytes */
  uint32_t len;   /* meta/sysex payload length */
  uint8_t *data;  /* meta/sysex payload (owned), NULL if len == 0 */
  long offset;    /* byte offset of the event in the file read (-1 if made) */
} kt_smf_event;

typedef struct {
  kt_smf_event *ev;
  int n, cap;
} kt_smf_track;

typedef struct {
  int format;   /* 0 or 1 */
  int division; /* ticks per quarter note */
  int n_tracks;
  kt_smf_track *trk;
} kt_smf;

/* Read and validate.  Errors: "NAME: byte N: message"; returns 0 or -1. */
int kt_smf_read_file(const char *path, kt_smf *s, char *err, size_t errlen);
int kt_smf_read_mem(const uint8_t *buf, size_t len, const char *name, kt_smf *s,
                    char *err, size_t errlen);
void kt_smf_free(kt_smf *s);

/* Building a file to write. */
void kt_smf_init(kt_smf *s, int format, int division);
kt_smf_track *kt_smf_add_track(kt_smf *s);
int kt_smf_add_midi(kt_smf_track *t, uint32_t tick, uint8_t status, uint8_t d0,
                    uint8_t d1);
int kt_smf_add_meta(kt_smf_track *t, uint32_t tick, uint8_t type,
                    const void *data, uint32_t len);
int kt_smf_add_tempo(kt_smf_track *t, uint32_t tick, double qpm);
int kt_smf_add_meter(kt_smf_track *t, uint32_t tick, int num, int den);
/* Serialize (each track sorted by tick, stable, note-offs before other
 * events at the same tick; end-of-track added).  Writes path.tmp then
 * renames; on failure nothing is left behind.  0 or -1 with err. */
int kt_smf_write_file(const kt_smf *s, const char *path, char *err,
                      size_t errlen);
/* The same bytes into a malloc'd buffer (*out, *len). */
int kt_smf_write_mem(const kt_smf *s, uint8_t **out, size_t *len);

/* The melody: every channel except 10 (GM percussion), note-on/off paired
 * per track, channel and pitch; where notes overlap the highest one wins
 * (a higher note cuts the sounding one, a lower one starting while a
 * higher one sounds is dropped).  Tempo (FF 51) and time signature (FF 58)
 * events of all tracks form the maps; a tempo map that does not start at 0
 * gets the SMF default 120 qpm there; no tempo at all leaves n_tempo 0.
 * Fails (naming the file) when there are no notes. */
int kt_smf_to_melody(const kt_smf *s, const char *name, kt_melody *m, char *err,
                     size_t errlen);
void kt_smf_free_melody(kt_melody *m);

#endif
