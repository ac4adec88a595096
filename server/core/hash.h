/*
 * hash — FNV-1a (32 bit), the one hash for in-memory tables and lane choice. Not for anything
 * an attacker may aim at where collisions matter beyond a slower lookup; not stored anywhere,
 * so it may change between versions.
 */
#ifndef CHATD_CORE_HASH_H
#define CHATD_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of a NUL-terminated string (the NUL not included). */
uint32_t hash_str(const char *s);
/* FNV-1a of n bytes. */
uint32_t hash_bytes(const void *p, size_t n);

#endif
