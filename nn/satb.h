/* nn/satb.h -- the four voices and the rest, as the corpus, the nets and
 * the engine number them (nothing else: the real-time path includes it
 * through encode.h without the corpus types of chorale.h). */
#ifndef KT_SATB_H
#define KT_SATB_H

#define KT_NVOICES 4
enum kt_voice { KT_BASS = 0, KT_TENOR = 1, KT_ALTO = 2, KT_SOPRANO = 3 };

#define KT_REST (-1) /* pitch value of a rest slice */

#endif
