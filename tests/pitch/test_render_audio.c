/* tests/pitch/test_render_audio.c -- `kantor render --audio-in`: a sung
 * melody (a WAV written here) in, a four-track MIDI file out whose Soprano
 * is that melody and whose voices sound; same input, same bytes; bad input
 * (missing, not audio) exits 1 naming the file and leaves no output; usage
 * errors exit 2.   test_render_audio KANTOR DIR */
#include "../check.h"
#include "smf.h"

#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const int tune[] = {67, 69, 71, 72, 74, 72, 71, 69, 67, 62, 64, 66, 67};
#define N_TUNE ((int)(sizeof tune / sizeof tune[0]))

static int write_tune(const char *path, int rate)
{
  SF_INFO info = {0};
  info.samplerate = rate;
  info.channels = 2; /* stereo: render mixes the channels */
  info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
  SNDFILE *f = sf_open(path, SFM_WRITE, &info);
  if (!f) return -1;
  double ph = 0;
  float buf[2];
  for (int k = 0; k < N_TUNE; ++k) {
    double hz = 440 * pow(2, (tune[k] - 69) / 12.0);
    int n = (int)(0.6 * rate), gap = (int)(0.04 * rate);
    for (int i = 0; i < n + gap; ++i) {
      double v = 0;
      if (i < n)
        for (int h = 1; h <= 5; ++h)
          v += sin(2 * M_PI * h * ph) / h;
      buf[0] = buf[1] = (float)(0.2 * v);
      sf_writef_float(f, buf, 1);
      ph += hz / rate;
      ph -= floor(ph);
    }
  }
  return sf_close(f);
}

static int run(const char *cmd)
{
  int st = system(cmd);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path, long *len)
{
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)*len + 1);
  if (b && fread(b, 1, (size_t)*len, f) != (size_t)*len) *len = -1;
  fclose(f);
  return b;
}

int main(int argc, char **argv)
{
  if (argc < 3) {
    fprintf(stderr, "usage: test_render_audio KANTOR DIR\n");
    return 2;
  }
  const char *kantor = argv[1], *dir = argv[2];
  char wav[1024], mid[1024], mid2[1024], cmd[4096], err[512];
  snprintf(wav, sizeof wav, "%s/tune.wav", dir);
  snprintf(mid, sizeof mid, "%s/tune.mid", dir);
  snprintf(mid2, sizeof mid2, "%s/tune2.mid", dir);
  CHECK(write_tune(wav, 44100) == 0, "cannot write %s", wav);

  snprintf(cmd, sizeof cmd, "%s render --audio-in %s -o %s --bpm 90", kantor,
           wav, mid);
  CHECK_EQ(run(cmd), 0);
  kt_smf s;
  if (kt_smf_read_file(mid, &s, err, sizeof err) == 0) {
    CHECK_EQ(s.n_tracks, 5);
    int sop[64], n_sop = 0, voice_notes[4] = {0};
    for (int t = 1; t < s.n_tracks && t <= 4; ++t)
      for (int i = 0; i < s.trk[t].n; ++i) {
        const kt_smf_event *e = &s.trk[t].ev[i];
        if ((e->status & 0xf0) != 0x90 || e->d[1] == 0) continue;
        voice_notes[t - 1]++;
        if (t == 1 && n_sop < 64) sop[n_sop++] = e->d[0];
      }
    CHECK(n_sop == N_TUNE, "%d soprano notes, sung %d", n_sop, N_TUNE);
    for (int k = 0; k < n_sop && k < N_TUNE; ++k)
      CHECK(sop[k] == tune[k], "soprano note %d: %d, sung %d", k, sop[k],
            tune[k]);
    for (int v = 1; v < 4; ++v)
      CHECK(voice_notes[v] > 0, "voice %d is silent", v);
    kt_smf_free(&s);
  } else {
    CHECK(0, "%s", err);
  }
  /* same input, same bytes */
  snprintf(cmd, sizeof cmd, "%s render --audio-in %s -o %s --bpm 90", kantor,
           wav, mid2);
  CHECK_EQ(run(cmd), 0);
  long la = 0, lb = 0;
  char *a = slurp(mid, &la), *b = slurp(mid2, &lb);
  CHECK(a && b && la == lb && la > 0 && !memcmp(a, b, (size_t)la),
        "two renders differ");
  free(a);
  free(b);

  /* bad input: exit 1, the file named, no output left */
  char bad[1024], out[1024];
  snprintf(bad, sizeof bad, "%s/not-audio.wav", dir);
  snprintf(out, sizeof out, "%s/bad.mid", dir);
  FILE *f = fopen(bad, "w");
  if (f) {
    fputs("this is no sound file\n", f);
    fclose(f);
  }
  remove(out);
  snprintf(cmd, sizeof cmd, "%s render --audio-in %s -o %s 2>%s/err.txt",
           kantor, bad, out, dir);
  CHECK_EQ(run(cmd), 1);
  CHECK(access(out, F_OK) != 0, "output left behind");
  snprintf(cmd, sizeof cmd, "grep -q 'not-audio.wav' %s/err.txt", dir);
  CHECK_EQ(run(cmd), 0);
  snprintf(cmd, sizeof cmd,
           "%s render --audio-in %s/missing.wav -o %s 2>/dev/null", kantor, dir,
           out);
  CHECK_EQ(run(cmd), 1);
  CHECK(access(out, F_OK) != 0, "output left behind");
  /* usage */
  snprintf(cmd, sizeof cmd, "%s render x.mid --audio-in %s -o %s 2>/dev/null",
           kantor, wav, out);
  CHECK_EQ(run(cmd), 2);
  snprintf(cmd, sizeof cmd,
           "%s render --audio-in %s -o %s --a4 500 2>/dev/null", kantor, wav,
           out);
  CHECK_EQ(run(cmd), 2);
  DONE();
}
