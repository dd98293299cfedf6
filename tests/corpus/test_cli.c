/* tests/corpus/test_cli.c -- `kantor corpus` (kt_cmd_corpus): exit codes,
 * error text, table and JSON output.
 * usage: test_cli unit FIXTURE_DIR   (fixtures; always runs)
 *        test_cli corpus             (the real corpus; 77 if absent) */
#include "../check.h"
#include "chorale.h"
#include "cmds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char g_out[1 << 16], g_err[1 << 14];

/* Run kt_cmd_corpus with stdout/stderr captured into g_out/g_err. */
static int run(int argc, char **argv)
{
  fflush(stdout);
  fflush(stderr);
  FILE *fo = tmpfile(), *fe = tmpfile();
  if (!fo || !fe) abort();
  int so = dup(1), se = dup(2);
  dup2(fileno(fo), 1);
  dup2(fileno(fe), 2);
  int rc = kt_cmd_corpus(argc, argv);
  fflush(stdout);
  fflush(stderr);
  dup2(so, 1);
  dup2(se, 2);
  close(so);
  close(se);
  rewind(fo);
  rewind(fe);
  size_t n = fread(g_out, 1, sizeof g_out - 1, fo);
  g_out[n] = 0;
  n = fread(g_err, 1, sizeof g_err - 1, fe);
  g_err[n] = 0;
  fclose(fo);
  fclose(fe);
  return rc;
}

static int unit(const char *fx)
{
  char data[4096], ok[4200], bad[4200], missing[4200];
  snprintf(data, sizeof data, "%s/..", fx);
  snprintf(ok, sizeof ok, "%s/split_ok.tsv", fx);
  snprintf(bad, sizeof bad, "%s/split_badfile.tsv", fx);
  snprintf(missing, sizeof missing, "%s/nope.tsv", fx);

  char *help[] = {"corpus", "--help", NULL};
  CHECK_EQ(run(2, help), KT_EXIT_OK);
  CHECK_ERR(g_out, "usage: kantor corpus");
  char *bogus[] = {"corpus", "--bogus", NULL};
  CHECK_EQ(run(2, bogus), KT_EXIT_USAGE);
  CHECK_ERR(g_err, "usage:");
  char *extra[] = {"corpus", "stray", NULL};
  CHECK_EQ(run(2, extra), KT_EXIT_USAGE);
  char *noarg[] = {"corpus", "--data", NULL};
  CHECK_EQ(run(2, noarg), KT_EXIT_USAGE);

  char *t[] = {"corpus", "--data", data, "--split", ok, NULL};
  CHECK_EQ(run(5, t), KT_EXIT_OK);
  CHECK_ERR(g_out, "files:  3 (train 1, valid 1, test 1)");
  CHECK_ERR(g_out, "slices: 164 sixteenths");
  char *j[] = {"corpus", "--data", data, "--split", ok, "--json", NULL};
  CHECK_EQ(run(6, j), KT_EXIT_OK);
  CHECK(g_out[0] == '{');
  CHECK_ERR(g_out, "\"files\":3,");
  CHECK_ERR(g_out, "\"thirty_seconds\":{\"bass\":0,\"tenor\":0,\"alto\":0,"
                   "\"soprano\":2,\"total\":2}");
  CHECK_ERR(g_out, "\"meter_changes\":3,");
  CHECK(strchr(g_out, '\n') == g_out + strlen(g_out) - 1); /* one line */

  char *b[] = {"corpus", "--data", data, "--split", bad, NULL};
  CHECK_EQ(run(5, b), KT_EXIT_FAIL);
  CHECK_ERR(g_err, "bad_token.krn:6: soprano: unknown token");
  char *m[] = {"corpus", "--data", data, "--split", missing, NULL};
  CHECK_EQ(run(5, m), KT_EXIT_FAIL);
  CHECK_ERR(g_err, "nope.tsv:0: cannot open");
  return kt_check_done("test_cli unit");
}

static int corpus(void)
{
  const char *data = kt_corpus_default_dir();
  char split[4200];
  snprintf(split, sizeof split, "%s/split.tsv", data);
  struct stat st;
  if (stat(split, &st) != 0) {
    printf("SKIP: corpus not found (%s); set KANTOR_DATA\n", split);
    return 77;
  }
  char *t[] = {"corpus", "--data", (char *)data, NULL};
  CHECK_EQ(run(3, t), KT_EXIT_OK);
  CHECK_ERR(g_out, "files:  333 (train 264, valid 33, test 36)");
  CHECK_ERR(g_out, "soprano   57-81");
  CHECK_ERR(g_out, "meters (first of each file): 4/4 297, 3/4 35, 3/2 1");
  char *j[] = {"corpus", "--data", (char *)data, "--json", NULL};
  CHECK_EQ(run(4, j), KT_EXIT_OK);
  CHECK_ERR(g_out, "\"files\":333,");
  CHECK_ERR(g_out, "\"soprano\":{\"lo\":57,\"hi\":81,\"lo_file\":"
                   "\"chor197.krn\"");
  CHECK_ERR(g_out, "\"ranges_without_suspicious\":{\"bass\":{\"lo\":36,"
                   "\"hi\":64");
  CHECK_ERR(g_out, "\"meters\":{\"4/4\":297,\"3/4\":35,\"3/2\":1}");
  return kt_check_done("test_cli corpus");
}

int main(int argc, char **argv)
{
  if (argc >= 3 && !strcmp(argv[1], "unit")) return unit(argv[2]);
  if (argc >= 2 && !strcmp(argv[1], "corpus")) return corpus();
  fprintf(stderr, "usage: test_cli unit FIXTURE_DIR | test_cli corpus\n");
  return 2;
}
