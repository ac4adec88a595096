#include "auth/auth.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define ZLIB_CONST
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "core/xalloc.h"

/* Real UserSigs are 200-400 characters. The caps bound the work a hostile token can cause:
 * deflate reaches ~1000:1, so the inflated size must be capped, not just the input. */
#define USERSIG_MAX_LEN 4096
#define USERSIG_MAX_JSON 4096
#define HMAC_LEN 32
#define HMAC_B64_LEN 44

typedef struct {
    char c62, c63, pad;
} b64_alphabet_t;

static const b64_alphabet_t B64_STD = {'+', '/', '='};
/* Tencent's url variant maps + / = to * - _ (padding kept). */
static const b64_alphabet_t B64_TENCENT = {'*', '-', '_'};

typedef struct {
    const char *identifier;
    json_int_t sdkappid;
    json_int_t time;
    json_int_t expire;
    int64_t expires_at;
    const char *userbuf; /* NULL when absent */
    const char *sig;
} sigdoc_t;

static int b64_value(const b64_alphabet_t *a, char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == a->c62)
        return 62;
    if (c == a->c63)
        return 63;
    return -1;
}

/* Padding is optional because Node's decoder re-pads and clients are known to strip it; when
 * present it must complete the last quantum. Non-zero unused bits are refused so that every
 * changed character changes the decoded bytes. `out` (NULL: validate only) needs len / 4 * 3 + 3
 * bytes. Returns the decoded length or -1. */
static long b64_decode(const b64_alphabet_t *a, const char *in, size_t len, unsigned char *out)
{
    size_t pads = 0;
    while (pads < 2 && pads < len && in[len - 1 - pads] == a->pad)
        pads++;
    if (pads > 0 && len % 4 != 0)
        return -1;
    size_t n = len - pads;
    if (n % 4 == 1)
        return -1;
    uint32_t acc = 0;
    int bits = 0;
    long o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_value(a, in[i]);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (out != NULL)
                out[o] = (unsigned char)(acc >> bits);
            o++;
        }
    }
    if ((acc & ((1u << bits) - 1)) != 0)
        return -1;
    return o;
}

/* Returns the inflated length, or -1 unless `in` is exactly one complete zlib stream whose
 * output fits in cap bytes. */
static long zlib_inflate(const unsigned char *in, size_t len, char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit(&zs) != Z_OK)
        return -1;
    zs.next_in = in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)cap;
    int rc = inflate(&zs, Z_FINISH);
    long n = rc == Z_STREAM_END && zs.avail_in == 0 ? (long)zs.total_out : -1;
    inflateEnd(&zs);
    return n;
}

/* Decodes the url-base64 and zlib layers into `json`; returns its length or -1. */
static long unwrap(const char *sig, char *json, size_t cap)
{
    size_t len = strnlen(sig, USERSIG_MAX_LEN + 1);
    if (len == 0 || len > USERSIG_MAX_LEN)
        return -1;
    unsigned char raw[USERSIG_MAX_LEN / 4 * 3 + 3];
    long n = b64_decode(&B64_TENCENT, sig, len, raw);
    if (n <= 0)
        return -1;
    return zlib_inflate(raw, (size_t)n, json, cap);
}

/* The userbuf string goes into the signed content verbatim, so it must be base64: a newline in
 * it could make two different documents sign the same content. */
static bool sigdoc_read(json_t *doc, sigdoc_t *d)
{
    memset(d, 0, sizeof *d);
    if (json_unpack(doc, "{s:s, s:I, s:I, s:I, s:s, s?s}", "TLS.identifier", &d->identifier,
                    "TLS.sdkappid", &d->sdkappid, "TLS.time", &d->time, "TLS.expire", &d->expire,
                    "TLS.sig", &d->sig, "TLS.userbuf", &d->userbuf) != 0)
        return false;
    if (__builtin_add_overflow(d->time, d->expire, &d->expires_at))
        return false;
    return d->userbuf == NULL || b64_decode(&B64_STD, d->userbuf, strlen(d->userbuf), NULL) >= 0;
}

static char *sig_content(const char *identifier, uint64_t sdkappid, int64_t time, int64_t expire,
                         const char *userbuf)
{
    return xasprintf("TLS.identifier:%s\nTLS.sdkappid:%" PRIu64 "\nTLS.time:%" PRId64
                     "\nTLS.expire:%" PRId64 "\n%s%s%s",
                     identifier, sdkappid, time, expire, userbuf ? "TLS.userbuf:" : "",
                     userbuf ? userbuf : "", userbuf ? "\n" : "");
}

static bool sign(const char *key, const char *content, unsigned char mac[HMAC_LEN])
{
    unsigned int mac_len = 0;
    size_t key_len = key ? strlen(key) : 0;
    if (key_len == 0 || key_len > INT32_MAX)
        return false;
    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)content, strlen(content), mac,
             &mac_len) == NULL)
        return false;
    return mac_len == HMAC_LEN;
}

static err_t check_mac(const sigdoc_t *d, uint64_t sdkappid, const char *key)
{
    unsigned char want[HMAC_LEN], got[HMAC_B64_LEN / 4 * 3 + 3];
    size_t got_len = strlen(d->sig);
    if (got_len > HMAC_B64_LEN || b64_decode(&B64_STD, d->sig, got_len, got) != HMAC_LEN)
        return ERR_USERSIG_VERIFY;
    char *content = sig_content(d->identifier, sdkappid, d->time, d->expire, d->userbuf);
    bool ok = sign(key, content, want) && CRYPTO_memcmp(want, got, HMAC_LEN) == 0;
    xfree(content);
    return ok ? ERR_OK : ERR_USERSIG_VERIFY;
}

/* The order of checks follows Tencent's Go and PHP verifiers, so a sig for another app or user
 * reports 70014/70013 rather than a signature mismatch. */
static err_t check_doc(const sigdoc_t *d, const char *identifier, uint64_t sdkappid,
                       const char *key, int64_t now)
{
    if (d->sdkappid < 0 || (uint64_t)d->sdkappid != sdkappid)
        return ERR_USERSIG_SDKAPPID;
    if (identifier == NULL || strcmp(d->identifier, identifier) != 0)
        return ERR_USERSIG_USERID;
    if (now > d->expires_at)
        return ERR_USERSIG_EXPIRED;
    return check_mac(d, sdkappid, key);
}

err_t usersig_verify(const char *sig, const char *identifier, uint64_t sdkappid, const char *key,
                     int64_t now, int64_t *expires_at)
{
    char json[USERSIG_MAX_JSON];
    long n = sig ? unwrap(sig, json, sizeof json) : -1;
    if (n <= 0)
        return ERR_USERSIG_ILLEGAL;
    json_t *doc = json_loadb(json, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
    sigdoc_t d;
    err_t err = doc && sigdoc_read(doc, &d) ? check_doc(&d, identifier, sdkappid, key, now)
                                            : ERR_USERSIG_ILLEGAL;
    if (err == ERR_OK && expires_at != NULL)
        *expires_at = d.expires_at;
    json_decref(doc);
    return err;
}

/* Tencent's url variant of base64, padding kept as Node does. */
static char *b64_tencent_encode(const unsigned char *in, size_t len)
{
    char *out = xmalloc((len + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    for (char *p = out; *p; p++)
        *p = *p == '+' ? '*' : *p == '/' ? '-' : *p == '=' ? '_' : *p;
    return out;
}

static char *compress_encode(const char *json, size_t len)
{
    uLongf zlen = compressBound(len);
    unsigned char *z = xmalloc(zlen);
    char *out = NULL;
    if (compress2(z, &zlen, (const Bytef *)json, len, Z_DEFAULT_COMPRESSION) == Z_OK)
        out = b64_tencent_encode(z, zlen);
    xfree(z);
    return out;
}

static char *doc_encode(json_t *doc)
{
    size_t len = json_dumpb(doc, NULL, 0, JSON_COMPACT);
    if (len == 0)
        return NULL;
    char *json = xmalloc(len);
    json_dumpb(doc, json, len, JSON_COMPACT);
    char *out = compress_encode(json, len);
    xfree(json);
    return out;
}

char *usersig_generate(uint64_t sdkappid, const char *key, const char *identifier, int64_t now,
                       int64_t expire)
{
    unsigned char mac[HMAC_LEN];
    char mac_b64[HMAC_B64_LEN + 1];
    char *content = sig_content(identifier, sdkappid, now, expire, NULL);
    bool ok = sign(key, content, mac);
    xfree(content);
    if (!ok)
        return NULL;
    EVP_EncodeBlock((unsigned char *)mac_b64, mac, HMAC_LEN);
    json_t *doc = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "TLS.ver", "2.0", "TLS.identifier",
                            identifier, "TLS.sdkappid", (json_int_t)sdkappid, "TLS.time",
                            (json_int_t)now, "TLS.expire", (json_int_t)expire, "TLS.sig", mac_b64);
    char *out = doc ? doc_encode(doc) : NULL;
    json_decref(doc);
    return out;
}
