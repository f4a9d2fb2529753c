/* SPDX-License-Identifier: MIT */
/*
 * Token buckets per client address, for requests that cost the server
 * something before anyone is authenticated (a stored challenge).
 */
#ifndef MFAD_RATELIMIT_H
#define MFAD_RATELIMIT_H

#include <stdint.h>

struct ratelimit;

/*
 * Make a limiter that allows each address burst requests at once and rate
 * more per second, and all addresses together global_rate per second.
 * Returns NULL when out of memory.
 */
struct ratelimit *ratelimit_new(unsigned rate, unsigned burst, unsigned global_rate);

/* Free *rl and set it to NULL. Accepts NULL. */
void ratelimit_free(struct ratelimit **rl);

/*
 * Take one token for the address src at now_ms (a monotonic clock in
 * milliseconds). Returns 1 when the request may go on, 0 when it is over
 * the limit. Addresses share slots of a fixed table, so a flood from many
 * addresses is caught by the global rate.
 */
int ratelimit_take(struct ratelimit *rl, const char *src, int64_t now_ms);

#endif
