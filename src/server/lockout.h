/* SPDX-License-Identifier: MIT */
/*
 * Consecutive logon failures per principal, kept in the database so every
 * mfad process sharing it sees them. After lockout_threshold failures the
 * principal is locked for lockout_base_delay seconds, doubled with each
 * further failure up to lockout_max_delay. Failures refused during a lock
 * are not counted; a successful logon clears the count.
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

/* Forget the failures of key. */
int lockout_clear(struct store *st, const char *key);

#endif
