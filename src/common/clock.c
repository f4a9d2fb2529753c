/* SPDX-License-Identifier: MIT */
/* Wall clock with a test offset. */
#include "common/clock.h"

#include <stdatomic.h>
#include <time.h>

static _Atomic int64_t clock_offset;

int64_t
clock_now(void)
{
	return (int64_t)time(NULL) + atomic_load(&clock_offset);
}

void
clock_set_offset(int64_t offset)
{
	atomic_store(&clock_offset, offset);
}
