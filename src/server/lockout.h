/* SPDX-License-Identifier: MIT */
/*
 * Consecutive logon failures per principal, kept in the database so every
 * mfad process sharing it sees them. After lockout_threshold failures the
 * principal is locked for lockout_base_delay seconds, doubled with each
 * further failure up to lockout_max_delay. An account's password policy may
 * add MaxLoginAttempts: that many failures lock for at least an hour
 * (PWPOLICY_LOCK_SECONDS). Failures refused during a lock
 * are not counted; a successful logon clears the count. Slow checks count
 * their attempt before running (lockout_admit), so parallel requests cannot
 * run more checks than the threshold allows.
 */
#ifndef MFAD_LOCKOUT_H
#define MFAD_LOCKOUT_H

#include <stdint.h>

#include "server/app.h"

/*
 * Seconds key stays locked at now, or 0 when it is not locked. Returns
 * STORE_OK or STORE_ERROR.
 */
int lockout_remaining(struct store *st, const char *key, int64_t now, int64_t *ret_seconds);

/*
 * Count one failure of key at now and lock it when due. Stores the seconds
 * of the lock now in force (0 for none) in *ret_locked when not NULL.
 * Returns STORE_OK or STORE_ERROR. Call it inside a transaction.
 */
int lockout_record_failure(const struct app *app, struct store *st, const char *key, int64_t now,
    int64_t *ret_locked);

/*
 * Store in *ret_threshold the failures that lock key: lockout_threshold, or
 * the MaxLoginAttempts of key's account when that is lower and not 0.
 * Returns STORE_OK or STORE_ERROR.
 */
int lockout_threshold(const struct app *app, struct store *st, const char *key,
    int *ret_threshold);

/* Forget the failures of key. */
int lockout_clear(struct store *st, const char *key);

/* An admitted attempt: what lockout_undo() needs to take it back. */
struct lockout_ticket {
	int admitted;                 /* 0: key was locked and nothing was counted */
	int had_row;
	struct store_failure before;  /* the row before the admission */
	int failures;                 /* the count the admission wrote */
};

/*
 * Admit one attempt of key at now, for checks too slow to run inside a
 * transaction (a password hash), in a transaction of its own. When key is
 * locked, store the seconds left in *ret_locked and count nothing. Otherwise
 * count the attempt as a failure before it is checked, so that parallel
 * attempts cannot pass the threshold, and store 0. A success then calls
 * lockout_clear() or lockout_undo(). Returns STORE_OK or STORE_ERROR.
 */
int lockout_admit(const struct app *app, struct store *st, const char *key, int64_t now,
    struct lockout_ticket *ret_ticket, int64_t *ret_locked);

/*
 * Take back an admitted attempt that succeeded without ending the logon
 * (a password step that still needs a second factor). Call it inside a
 * transaction.
 */
int lockout_undo(const struct app *app, struct store *st, const char *key,
    const struct lockout_ticket *t);

#endif
