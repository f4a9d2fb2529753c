/* SPDX-License-Identifier: MIT */
/* The server's clock, with an offset that only test builds of a run may set. */
#ifndef MFAD_CLOCK_H
#define MFAD_CLOCK_H

#include <stdint.h>

/* Unix time in seconds, plus the offset set by clock_set_offset(). */
int64_t clock_now(void);

/*
 * Move the clock by offset seconds. mfad allows this only when started with
 * --test-clock, so tests can check expiry and lockout without sleeping.
 */
void clock_set_offset(int64_t offset);

#endif
