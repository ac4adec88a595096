/*
 * rand — random numbers from the kernel's generator (getrandom(2)), fit for identifiers,
 * message randoms and retry jitter alike.
 *
 * They never fail: if the kernel cannot supply random bytes the process aborts with a log line
 * (as xalloc does on OOM) rather than fall back to a guessable source. Never blocks after the
 * kernel's pool is initialised, which happens long before a daemon starts.
 */
#ifndef CHATD_CORE_RAND_H
#define CHATD_CORE_RAND_H

#include <stddef.h>
#include <stdint.h>

/* Fills buf with n random bytes. */
void rand_bytes(void *buf, size_t n);
uint32_t rand_u32(void);

#endif
