/* tests/corpus/check.h -- tiny assertion helpers for the corpus tests. */
#ifndef KT_TEST_CHECK_H
#define KT_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

static int kt_failures;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      kt_failures++;                                                           \
    }                                                                          \
  } while (0)

#define CHECK_EQ(a, b)                                                         \
  do {                                                                         \
    long long va_ = (long long)(a), vb_ = (long long)(b);                      \
    if (va_ != vb_) {                                                          \
      fprintf(stderr, "%s:%d: CHECK_EQ failed: %s = %lld, %s = %lld\n",        \
              __FILE__, __LINE__, #a, va_, #b, vb_);                           \
      kt_failures++;                                                           \
    }                                                                          \
  } while (0)

/* err must contain every needle. */
#define CHECK_ERR(err, needle)                                                 \
  do {                                                                         \
    if (!strstr((err), (needle))) {                                            \
      fprintf(stderr, "%s:%d: error text '%s' lacks '%s'\n", __FILE__,         \
              __LINE__, (err), (needle));                                      \
      kt_failures++;                                                           \
    }                                                                          \
  } while (0)

static int kt_check_done(const char *name)
{
  if (kt_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name, kt_failures);
    return 1;
  }
  printf("%s: all checks passed\n", name);
  return 0;
}

#endif
