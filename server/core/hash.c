#include "core/hash.h"

#include <string.h>

#define FNV_OFFSET 2166136261u
#define FNV_PRIME 16777619u

uint32_t hash_bytes(const void *data, size_t n)
{
    uint32_t h = FNV_OFFSET;
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * FNV_PRIME;
    return h;
}

uint32_t hash_str(const char *s)
{
    return hash_bytes(s, strlen(s));
}
