/* tools/player.h -- a model of a person playing the melody live: every
 * note-on and note-off of a kt_melody moved by a constant lateness plus
 * normal jitter (seeded), before kt_drive gives it to the engine; and the
 * timing figures of what the engine played against it (docs/timing.md).
 * Offline code: it allocates; nothing here runs in the audio thread.
 *
 * The played melody (kt_player_apply), in frames of the drive's tempo map:
 *  - note-on of note i (in the order of their starts):
 *      on_i = grid_i + late + jitter * z_i   (z_i ~ N(0, 1), rounded to a
 *    frame), then no earlier than frame 0 and no earlier than the previous
 *    played note-on plus min(20 ms, half the score's gap between the two
 *    starts) (a player never swaps two notes of a melody);
 *  - note-off, release=joined (default): a note whose end is the next
 *    note's start in the score is released at the next note's played
 *    note-on (the finger lifts as the next key goes down: no gap, no
 *    overlap); any other note-off (before a rest, the last note) moves by
 *    late + jitter * z'_i, its own draw.  release=free: every note-off
 *    moves by its own draw (gaps and overlaps between notes appear);
 *  - every note then lasts at least min(20 ms, half its score length)
 *    (a note-off never comes before its note-on), and is released no
 *    later than the next note's note-on when that one has the same pitch
 *    (one key cannot go down twice).
 * The draws z_i, z'_i come from the seed alone, two per note in the order
 * of the starts, whatever the release mode.  late=0,jitter=0 gives back
 * the input (the same frames, so the same engine output). */
#ifndef KT_PLAYER_H
#define KT_PLAYER_H

#include "drive.h"

#include <stddef.h>
#include <stdint.h>

enum { KT_PLAYER_JOINED = 0, KT_PLAYER_FREE = 1 };

typedef struct {
  double late_ms;   /* constant lateness, -500..500 ms (negative: early) */
  double jitter_ms; /* sd of the normal jitter, 0..200 ms */
  uint32_t seed;
  int release; /* KT_PLAYER_JOINED or KT_PLAYER_FREE */
} kt_player;

/* The exact player: late 0, jitter 0, seed 1, joined. */
void kt_player_default(kt_player *p);
/* 1 when p moves nothing (late 0 and jitter 0). */
int kt_player_is_exact(const kt_player *p);
/* "late=16,jitter=30,seed=1,release=free": keys in any order, each at most
 * once, missing ones as kt_player_default; "exact" alone is the default.
 * 0, or -1 with err naming the part that is wrong (p unchanged). */
int kt_player_parse(const char *spec, kt_player *p, char *err, size_t errlen);
/* "late=16,jitter=30,seed=1,release=joined" (parses back to p). */
void kt_player_format(const kt_player *p, char *buf, size_t cap);

/* out = in as the player plays it, with in's tempo map and meters and its
 * grid (o: rate and bpm, as kt_drive will use them): the same notes in the
 * same order, moved.  out owns its arrays (free them with smf.h's
 * kt_smf_free_melody).
 * 0, or -1 with err (out of memory). */
int kt_player_apply(const kt_player *p, const kt_melody *in,
                    const kt_drive_opts *o, kt_melody *out, char *err,
                    size_t errlen);

/* ---- timing of the engine's answer -------------------------------------
 * Sums over any number of pieces (kt_player_measure adds one).  Times are
 * the recording's frames minus the engine's latency; the grid is the
 * score melody's (slice k starts at quarter note k / 4).  A harmony
 * onset's slice is the boundary nearest to its time carried onto the
 * score's time line by the performance: linear between consecutive melody
 * onsets (played time -> grid time), moved by the first / last onset's
 * lateness before / after them; so the harmony of a player who is 64 ms
 * late throughout, sounding with the melody or 64 ms after the grid under
 * held notes, falls in the slice it was meant for.  A harmony onset (a note-on
 * on the alto, tenor or bass channel) belongs to melody onset j (score slice
 * s_j, on the grid at N_j, played at A_j) when (a) its slice is s_j, or (b) its
 * slice is s_j + 1, the note was played late (A_j > N_j), the melody has no
 * onset in slice s_j + 1 and this voice none in s_j (the change that belonged
 * with the note came a slice later). Its offset is its time - A_j; it is "with"
 * the note when |offset| <= 10 ms.  Every other harmony onset is "under a held
 * note": its offset is its time - the host's boundary at or before its time
 * + a quarter slice (real time, offsets in [-1/4, 3/4) of a slice). */
typedef struct {
  long mel_onsets;                    /* melody note-ons */
  long harm_onsets;                   /* alto, tenor, bass note-ons */
  long belong, belong_next;           /* belonging; of those by rule (b) */
  long within;                        /* belonging and within 10 ms */
  double b_sum, b_sum2, b_min, b_max; /* belonging offsets, ms */
  long held;                          /* the others */
  long held_steady; /* of those, within 10 ms of their piece's median */
  double h_sum, h_sum2, h_min, h_max; /* their offsets from the grid, ms */
  long notes, short_notes; /* harmony notes; those shorter than 40 ms */
} kt_player_timing;

/* Figures from the sums (0 where there is nothing to count). */
typedef struct {
  double within_pct;   /* 100 * within / belong */
  double b_mean, b_sd; /* ms */
  double b_min, b_max; /* ms */
  double short_pct;    /* 100 * short_notes / notes */
  double h_mean, h_sd; /* ms */
  double h_min, h_max; /* ms */
  double h_dev;        /* max |offset - h_mean| over held onsets, ms */
  double steady_pct;   /* 100 * held_steady / held */
} kt_player_figures;

void kt_player_timing_init(kt_player_timing *t);
void kt_player_timing_add(kt_player_timing *dst, const kt_player_timing *src);
void kt_player_figures_of(const kt_player_timing *t, kt_player_figures *f);

/* Adds one piece: grid = the score melody, played = kt_player_apply's
 * output for it (the same notes in the same order; grid itself for the
 * exact render), rec = what kt_drive recorded, latency = the engine's,
 * chan = the alto, tenor and bass channels (0-based).  0, or -1 with err. */
int kt_player_measure(const kt_melody *grid, const kt_melody *played,
                      const kt_drive_opts *o, const kt_recording *rec,
                      int64_t latency, const int chan[3], kt_player_timing *t,
                      char *err, size_t errlen);

/* The recording carried onto the score's time line (frames and qn moved
 * as kt_player_measure moves a harmony onset: frame - latency through the
 * performance's warp, + latency), so that per-slice figures (accuracy,
 * chord slices, style) put each harmony event in the slice it was meant
 * for.  The order of the events is kept (the warp does not decrease).
 * 0, or -1 with err. */
int kt_player_warp_recording(const kt_melody *grid, const kt_melody *played,
                             const kt_drive_opts *o, kt_recording *rec,
                             int64_t latency, char *err, size_t errlen);

#endif
