/*
 * ptrmap — a hash map from pointers to pointers (open addressing, linear probing, deletion by
 * backward shift, so lookups never walk tombstones). Pure; unit-tested. Not thread-safe.
 *
 * Keys are compared as addresses and never dereferenced; NULL is not a key. The map owns only
 * its slot array: keys and values belong to the caller. It grows to keep at most half of its
 * slots used and never shrinks below its largest size.
 */
#ifndef CHATD_CORE_PTRMAP_H
#define CHATD_CORE_PTRMAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const void *key;
    void *value;
} ptrmap_slot_t;

typedef struct {
    ptrmap_slot_t *slots;
    size_t cap; /* a power of two, or 0 before the first put */
    size_t count;
} ptrmap_t;

/* A zeroed ptrmap_t is an empty map. */
void ptrmap_put(ptrmap_t *m, const void *key, void *value); /* replaces an existing value */
void *ptrmap_get(const ptrmap_t *m, const void *key);       /* NULL when absent */
void *ptrmap_remove(ptrmap_t *m, const void *key);          /* the value removed, or NULL */
void ptrmap_clear(ptrmap_t *m);                             /* frees the slots */

#endif
