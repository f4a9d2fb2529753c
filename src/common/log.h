/* SPDX-License-Identifier: MIT */
/*
 * One-line key=value logging for mfad and mfactl. Each line starts with
 * ts= and level=; callers add their own keys. Never pass a secret.
 */
#ifndef MFAD_LOG_H
#define MFAD_LOG_H

#include <stddef.h>
#include <stdio.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN = 1,
	LOG_LEVEL_INFO = 2,
	LOG_LEVEL_DEBUG = 3,
};

#define LOG_QUOTE_MAX 256 /* bytes a quoted value is cut to, quotes included */

/* Send log lines to out (stderr when NULL) and drop those above level. */
void log_init(FILE *out, enum log_level level);

/* Parse "error", "warn", "info" or "debug". Returns 0, or -1 when unknown. */
int log_level_parse(const char *name, enum log_level *ret);

/*
 * Write one line: "ts=... level=... " then the formatted text, then "\n",
 * in one write so lines of concurrent threads do not interleave.
 */
void log_write(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Quote s for a log value: wraps it in double quotes, escapes '"' and '\\',
 * and writes control bytes as \xHH, so a user-supplied name cannot forge a
 * key or a line. Cuts the result to fit buf (at least 3 bytes) and returns buf.
 */
const char *log_quote(const char *s, char *buf, size_t size);

#define log_error(...) log_write(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_write(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_write(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...) log_write(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
