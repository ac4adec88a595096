/* TLSSigAPIv2 UserSigs, as Tencent's server SDKs make them (and chatd verifies them). */
#ifndef CHATD_BENCH_USERSIG_H
#define CHATD_BENCH_USERSIG_H

#include <stdint.h>

/* A UserSig for identifier in app sdkappid, signed with key (the secret key's ASCII bytes),
 * issued at `now` (Unix seconds) and valid for `expire` seconds. The caller frees the result;
 * NULL when a library call failed. */
char *usersig_make(uint64_t sdkappid, const char *key, const char *identifier, long now,
                   long expire);

#endif
