/* SPDX-License-Identifier: MIT */
/* Argon2id hashing with a concurrency cap. */
#include "server/password.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"

/*
 * The dummy hash and the typical time come from one Argon2id run in a
 * thread started by pwhash_init(), because that run is nearly all of
 * mfad's start-up time (about 90 ms of one core). Readers of dummy and
 * typical_ms wait for ready under ready_lock.
 */
struct pwhash {
	sem_t slots;
	int64_t wait_ms;
	pthread_mutex_t ready_lock;
	pthread_cond_t ready_cond;
	int ready;          /* 0 running, 1 done, -1 failed */
	int calibrating;    /* the thread was started and is not joined yet */
	pthread_t calibrator;
	int64_t typical_ms;
	char dummy[crypto_pwhash_STRBYTES];
};

static int64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
pwhash_acquire(struct pwhash *p)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)(p->wait_ms / 1000);
	deadline.tv_nsec += (long)(p->wait_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while (sem_timedwait(&p->slots, &deadline) != 0) {
		if (errno == EINTR)
			continue;
		log_warn("event=hash_busy wait_ms=%lld", (long long)p->wait_ms);
		return SRV_ERR_BUSY;
	}
	return SRV_OK;
}

/*
 * Hash a random password once: the result is the dummy hash for unknown
 * users, and its time the typical time of a verification, because hashing
 * runs the same Argon2id work as verifying with these parameters. It runs
 * outside the slots, so one more hash than the cap may run at start-up.
 */
static void *
pwhash_calibrate(void *arg)
{
	struct pwhash *p = arg;
	char dummy[crypto_pwhash_STRBYTES];
	unsigned char random_pw[32];
	int64_t start, took;
	int ok;

	randombytes_buf(random_pw, sizeof(random_pw));
	start = monotonic_ms();
	ok = crypto_pwhash_str(dummy, (const char *)random_pw, sizeof(random_pw),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
	took = monotonic_ms() - start;
	sodium_memzero(random_pw, sizeof(random_pw));
	if (!ok)
		log_error("event=hash_failed reason=out_of_memory op=dummy_hash");

	pthread_mutex_lock(&p->ready_lock);
	if (ok) {
		memcpy(p->dummy, dummy, sizeof(dummy));
		p->typical_ms = took;
	}
	p->ready = ok ? 1 : -1;
	pthread_cond_broadcast(&p->ready_cond);
	pthread_mutex_unlock(&p->ready_lock);
	return NULL;
}

/* Wait for pwhash_calibrate(). Returns 0, or -1 when it failed. */
static int
pwhash_wait_ready(struct pwhash *p)
{
	int ready;

	pthread_mutex_lock(&p->ready_lock);
	while (p->ready == 0)
		pthread_cond_wait(&p->ready_cond, &p->ready_lock);
	ready = p->ready;
	pthread_mutex_unlock(&p->ready_lock);
	return ready > 0 ? 0 : -1;
}

int
pwhash_init(unsigned concurrency, int64_t wait_ms, struct pwhash **ret)
{
	struct pwhash *p = NULL;

	if (sodium_init() < 0)
		return -1;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -1;
	if (sem_init(&p->slots, 0, concurrency) != 0) {
		free(p);
		return -1;
	}
	pthread_mutex_init(&p->ready_lock, NULL);
	pthread_cond_init(&p->ready_cond, NULL);
	p->wait_ms = wait_ms;

	if (pthread_create(&p->calibrator, NULL, pwhash_calibrate, p) == 0)
		p->calibrating = 1;
	else
		(void)pwhash_calibrate(p);
	*ret = p;
	return 0;
}

void
pwhash_free(struct pwhash **p)
{
	if (p == NULL || *p == NULL)
		return;
	if ((*p)->calibrating)
		pthread_join((*p)->calibrator, NULL);
	pthread_cond_destroy(&(*p)->ready_cond);
	pthread_mutex_destroy(&(*p)->ready_lock);
	sem_destroy(&(*p)->slots);
	free(*p);
	*p = NULL;
}

int64_t
pwhash_typical_ms(struct pwhash *p)
{
	/* NOTE: without a measured time (out of memory), a second is a guess at an upper bound. */
	if (pwhash_wait_ready(p) != 0)
		return 1000;
	return p->typical_ms;
}

int
pwhash_hash(struct pwhash *p, const char *password, size_t len, char out[STORE_PW_HASH_MAX + 1])
{
	char hash[crypto_pwhash_STRBYTES];
	int r;

	if (pwhash_acquire(p) != SRV_OK)
		return SRV_ERR_BUSY;
	r = crypto_pwhash_str(hash, password, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
	    crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sem_post(&p->slots);
	if (r != 0 || strlen(hash) > STORE_PW_HASH_MAX) {
		log_error("event=hash_failed reason=%s", r != 0 ? "out_of_memory" : "too_long");
		return SRV_ERR_INTERNAL;
	}
	memcpy(out, hash, strlen(hash) + 1);
	return SRV_OK;
}

int
pwhash_verify(struct pwhash *p, const char *hash, const char *password, size_t len)
{
	int ok;

	if (hash == NULL && pwhash_wait_ready(p) != 0)
		return SRV_ERR_INTERNAL;
	if (pwhash_acquire(p) != SRV_OK)
		return SRV_ERR_BUSY;
	ok = crypto_pwhash_str_verify(hash != NULL ? hash : p->dummy, password, len) == 0;
	sem_post(&p->slots);
	return ok && hash != NULL ? SRV_OK : SRV_ERR_INVALID_CREDENTIALS;
}

/* Length of the UTF-8 sequence starting at s (at most n bytes), or 0 if invalid. */
static size_t
utf8_sequence(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*ret_cp = cp;
	return len;
}

int
password_check_new(const char *password, size_t len, struct srv_status *st)
{
	const unsigned char *s = (const unsigned char *)password;
	size_t chars = 0;

	if (len > PASSWORD_MAX_BYTES)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password is longer than %d bytes.", PASSWORD_MAX_BYTES);
	for (size_t i = 0; i < len;) {
		uint32_t cp;
		size_t n = utf8_sequence(s + i, len - i, &cp);
		if (n == 0)
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "The password is not valid UTF-8.");
		if (cp < 0x20 || cp == 0x7f)
			return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
			    "The password contains a control character.");
		i += n;
		chars++;
	}
	if (chars < PASSWORD_MIN_CHARS)
		return srv_fail(st, SRV_ERR_INVALID_PARAMETER,
		    "The password is shorter than %d characters.", PASSWORD_MIN_CHARS);
	return SRV_OK;
}
