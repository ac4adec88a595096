#include "usersig.h"

#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

char *usersig_make(uint64_t sdkappid, const char *key, const char *identifier, long now,
                   long expire)
{
    char content[512];
    int clen =
        snprintf(content, sizeof content,
                 "TLS.identifier:%s\nTLS.sdkappid:%" PRIu64 "\nTLS.time:%ld\nTLS.expire:%ld\n",
                 identifier, sdkappid, now, expire);
    if (clen < 0 || (size_t)clen >= sizeof content)
        return NULL;
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)content, (size_t)clen, mac,
             &mac_len) == NULL)
        return NULL;
    unsigned char mac_b64[EVP_MAX_MD_SIZE * 2];
    EVP_EncodeBlock(mac_b64, mac, (int)mac_len);

    json_t *doc =
        json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "TLS.ver", "2.0", "TLS.identifier", identifier,
                  "TLS.sdkappid", (json_int_t)sdkappid, "TLS.expire", (json_int_t)expire,
                  "TLS.time", (json_int_t)now, "TLS.sig", (const char *)mac_b64);
    char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (text == NULL)
        return NULL;
    size_t tlen = strlen(text);
    uLongf zlen = compressBound((uLong)tlen);
    unsigned char *z = malloc(zlen);
    char *sig = NULL;
    if (z && compress2(z, &zlen, (const Bytef *)text, (uLong)tlen, Z_BEST_COMPRESSION) == Z_OK) {
        sig = malloc(zlen / 3 * 4 + 8);
        if (sig) {
            EVP_EncodeBlock((unsigned char *)sig, z, (int)zlen);
            for (char *p = sig; *p; p++)
                *p = *p == '+' ? '*' : *p == '/' ? '-' : *p == '=' ? '_' : *p;
        }
    }
    free(z);
    free(text);
    return sig;
}
