/* tests/nn/check.h -- tiny assertion helpers for the nn tests. */
#ifndef KT_TEST_CHECK_H
#define KT_TEST_CHECK_H

#include <stdio.h>

static int kt_fails;
#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond)) {                                                             \
      ++kt_fails;                                                              \
      fprintf(stderr, "%s:%d: CHECK(%s) failed: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                            \
      fprintf(stderr, "\n");                                                   \
    }                                                                          \
  } while (0)
#define DONE()                                                                 \
  do {                                                                         \
    if (kt_fails) fprintf(stderr, "%d check(s) failed\n", kt_fails);           \
    return kt_fails ? 1 : 0;                                                   \
  } while (0)

#endif
