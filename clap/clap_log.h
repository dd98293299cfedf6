/* clap/clap_log.h -- the CLAP log extension ("clap.log", CLAP 1.x: one
 * function, main thread or any thread), from <clap/ext/log.h> where the
 * CLAP headers have it; DPF's bundled copy lacks it, so it is declared here
 * as the CLAP specification writes it. */
#ifndef KT_CLAP_LOG_H
#define KT_CLAP_LOG_H

#include <clap/host.h>

#if defined(__has_include) && __has_include(<clap/ext/log.h>)
#include <clap/ext/log.h>
#else
#include <stdint.h>
static const char CLAP_EXT_LOG[] = "clap.log";
enum {
  CLAP_LOG_DEBUG = 0,
  CLAP_LOG_INFO = 1,
  CLAP_LOG_WARNING = 2,
  CLAP_LOG_ERROR = 3,
  CLAP_LOG_FATAL = 4,
  CLAP_LOG_HOST_MISBEHAVING = 5,
  CLAP_LOG_PLUGIN_MISBEHAVING = 6,
};
typedef int32_t clap_log_severity;
typedef struct clap_host_log {
  void(CLAP_ABI *log)(const clap_host_t *host, clap_log_severity severity,
                      const char *msg);
} clap_host_log_t;
#endif

#endif
