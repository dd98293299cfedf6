/* tests/tools/test_svg.c -- the piano roll: one panel of four voices and
 * the evaluator's two-panel "original above regenerated" view are well
 * formed, have the notes, the bar lines and escape the title. */
#include "../check.h"
#include "svg.h"
#include "xmlcheck.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>


static int count(const char *path, const char *what)
{
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  int k = 0;
  for (const char *p = buf; (p = strstr(p, what)); p += strlen(what))
    ++k;
  return k;
}

int main(void)
{
  char path[256];
  const char *tmp = getenv("TMPDIR");
  snprintf(path, sizeof path, "%s/kt_svg_%d.svg", tmp ? tmp : "/tmp",
           (int)getpid());
  kt_svg_note a[16], b[16];
  int na = 0;
  for (int bar = 0; bar < 3; ++bar)
    for (int v = 0; v < 4; ++v)
      a[na++] = (kt_svg_note){bar * 3.0, 3.0, 72 - 7 * v, v};
  memcpy(b, a, sizeof a);
  b[0].pitch = 74;
  kt_meter meters[2] = {{0, 3, 4}, {6, 4, 4}};
  char err[256];
  kt_svg_panel two[2] = {{"original <BWV 1>", a, na},
                         {"regenerated & sampled", b, na}};
  CHECK(kt_svg_write(path, "A \"title\" with <markup> & more", two, 2, meters,
                     2, 10, err, sizeof err) == 0);
  CHECK(kt_xml_check(path) == 0);
  CHECK(count(path, "<rect") >= 2 * na);
  CHECK(count(path, "id=\"panel") == 2);
  CHECK(count(path, "&lt;markup&gt;") == 1);
  /* bars at 0, 3 (3/4), 6, and the closing line at 10 -> numbers 1..3 */
  CHECK(count(path, "stroke=\"#555\"") == 2 * 4);
  char tmpf[300];
  snprintf(tmpf, sizeof tmpf, "%s.tmp", path);
  CHECK(access(tmpf, F_OK) != 0);

  kt_svg_panel one = {NULL, a, na};
  CHECK(kt_svg_write(path, NULL, &one, 1, NULL, 0, 0, err, sizeof err) == 0);
  CHECK(kt_xml_check(path) == 0);
  CHECK(count(path, "id=\"panel") == 1);
  remove(path);

  CHECK(kt_svg_write("/nonexistent/dir/x.svg", NULL, &one, 1, NULL, 0, 0, err,
                     sizeof err) < 0);
  CHECK(strstr(err, "/nonexistent/dir/x.svg") != NULL);
  if (kt_failures) fprintf(stderr, "%d checks failed\n", kt_failures);
  return kt_failures ? 1 : 0;
}
