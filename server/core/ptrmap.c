#include "core/ptrmap.h"

#include <stdint.h>

#include "core/xalloc.h"

static size_t slot_of(const ptrmap_t *m, const void *key)
{
    uint64_t h = (uint64_t)(uintptr_t)key * 0x9E3779B97F4A7C15ull; /* Fibonacci hashing */
    return (size_t)(h >> 32) & (m->cap - 1);
}

static void grow(ptrmap_t *m)
{
    ptrmap_t bigger = {xcalloc(m->cap ? m->cap * 2 : 16, sizeof(ptrmap_slot_t)),
                       m->cap ? m->cap * 2 : 16, 0};
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].key)
            ptrmap_put(&bigger, m->slots[i].key, m->slots[i].value);
    xfree(m->slots);
    *m = bigger;
}

void ptrmap_put(ptrmap_t *m, const void *key, void *value)
{
    if ((m->count + 1) * 2 > m->cap)
        grow(m);
    size_t i = slot_of(m, key);
    while (m->slots[i].key && m->slots[i].key != key)
        i = (i + 1) & (m->cap - 1);
    if (m->slots[i].key == NULL)
        m->count++;
    m->slots[i].key = key;
    m->slots[i].value = value;
}

void *ptrmap_get(const ptrmap_t *m, const void *key)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = slot_of(m, key); m->slots[i].key; i = (i + 1) & (m->cap - 1))
        if (m->slots[i].key == key)
            return m->slots[i].value;
    return NULL;
}

void *ptrmap_remove(ptrmap_t *m, const void *key)
{
    if (m->cap == 0)
        return NULL;
    size_t mask = m->cap - 1, i = slot_of(m, key);
    while (m->slots[i].key != key) {
        if (m->slots[i].key == NULL)
            return NULL;
        i = (i + 1) & mask;
    }
    void *value = m->slots[i].value;
    /* Backward shift: move later entries of the run into the hole when their home allows. */
    for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        size_t home = slot_of(m, m->slots[j].key);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key = NULL;
    m->slots[i].value = NULL;
    m->count--;
    return value;
}

void ptrmap_clear(ptrmap_t *m)
{
    xfree(m->slots);
    *m = (ptrmap_t){0};
}
