/* SPDX-License-Identifier: MIT */
/* Token buckets per address and for the whole server. */
#include "server/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define RATELIMIT_SLOTS 4096   /* address buckets; colliding addresses share one */

struct bucket {
	double tokens;
	int64_t last_ms;
};

struct ratelimit {
	pthread_mutex_t lock;
	double rate;           /* tokens per millisecond for one address */
	double burst;
	double global_rate;    /* tokens per millisecond for all addresses */
	struct bucket global;
	struct bucket slots[RATELIMIT_SLOTS];
};

struct ratelimit *
ratelimit_new(unsigned rate, unsigned burst, unsigned global_rate)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (rl == NULL)
		return NULL;
	if (pthread_mutex_init(&rl->lock, NULL) != 0) {
		free(rl);
		return NULL;
	}
	rl->rate = rate / 1000.0;
	rl->burst = burst;
	rl->global_rate = global_rate / 1000.0;
	rl->global.tokens = global_rate;
	for (size_t i = 0; i < RATELIMIT_SLOTS; i++)
		rl->slots[i].tokens = burst;
	return rl;
}

void
ratelimit_free(struct ratelimit **rl)
{
	if (rl == NULL || *rl == NULL)
		return;
	pthread_mutex_destroy(&(*rl)->lock);
	free(*rl);
	*rl = NULL;
}

/* FNV-1a: an even spread of address strings over the slots; not a defence by itself. */
static size_t
ratelimit_slot(const char *src)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)src; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return h % RATELIMIT_SLOTS;
}

/* Refill b at rate per millisecond up to cap, then take one token if there is one. */
static int
bucket_take(struct bucket *b, double rate, double cap, int64_t now_ms)
{
	if (now_ms > b->last_ms) {
		b->tokens += (double)(now_ms - b->last_ms) * rate;
		if (b->tokens > cap)
			b->tokens = cap;
		b->last_ms = now_ms;
	}
	if (b->tokens < 1.0)
		return 0;
	b->tokens -= 1.0;
	return 1;
}

int
ratelimit_take(struct ratelimit *rl, const char *src, int64_t now_ms)
{
	struct bucket *b = &rl->slots[ratelimit_slot(src)];
	int ok;

	pthread_mutex_lock(&rl->lock);
	ok = bucket_take(b, rl->rate, rl->burst, now_ms);
	if (ok && !bucket_take(&rl->global, rl->global_rate, rl->global_rate * 1000.0, now_ms)) {
		b->tokens += 1.0; /* the global limit refused it: give the address its token back */
		ok = 0;
	}
	pthread_mutex_unlock(&rl->lock);
	return ok;
}
