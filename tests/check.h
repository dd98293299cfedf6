/* tests/check.h -- the assertion helpers every C test uses.
 *   CHECK(cond)                 CHECK(cond, "fmt", args...)
 *   CHECK_EQ(a, b)              CHECK_ERR(err_text, "needle")
 *   return kt_check_done("name");   or   DONE();
 * A failed check prints FILE:LINE, the condition and the message, and the
 * test goes on (it stops after 50 failures so a broken run stays readable). */
#ifndef KT_TEST_CHECK_H
#define KT_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A whole file in memory (16 spare bytes after it), or NULL; *len = bytes. */
static inline unsigned char *kt_test_slurp(const char *path, size_t *len)
{
  *len = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = n >= 0 ? malloc((size_t)n + 16) : NULL;
  if (b) *len = fread(b, 1, (size_t)n, f);
  fclose(f);
  return b;
}

static int kt_failures;

static void kt_check_fail(const char *file, int line, const char *expr,
                          const char *fmt, ...)
{
  fprintf(stderr, "%s:%d: CHECK(%s) failed", file, line, expr);
  if (fmt[0]) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, ": ");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
  }
  fprintf(stderr, "\n");
  if (++kt_failures >= 50) {
    fprintf(stderr, "too many failures, stopping\n");
    exit(1);
  }
}

/* The message is optional: "" glues onto the format when there is one. */
#define CHECK(cond, ...)                                                       \
  do {                                                                         \
    if (!(cond))                                                               \
      kt_check_fail(__FILE__, __LINE__, #cond, "" __VA_ARGS__);                \
  } while (0)

#define CHECK_EQ(a, b)                                                         \
  do {                                                                         \
    long long va_ = (long long)(a), vb_ = (long long)(b);                      \
    CHECK(va_ == vb_, "%s = %lld, %s = %lld", #a, va_, #b, vb_);               \
  } while (0)

/* err must contain needle. */
#define CHECK_ERR(err, needle)                                                 \
  CHECK(strstr((err), (needle)) != NULL, "error text '%s' lacks '%s'", (err), \
        (needle))

static int kt_check_done(const char *name)
{
  if (kt_failures) {
    fprintf(stderr, "%s: %d check(s) failed\n", name ? name : "test",
            kt_failures);
    return 1;
  }
  printf("%s: all checks passed\n", name ? name : "test");
  return 0;
}
#define DONE() return kt_check_done(NULL)

#endif
