/*
 * fuzz_usersig — UserSig decode and verify (auth/auth.h, usersig.c) against a fixed app.
 *
 * The first byte picks a mode. 0: the rest is a UserSig string, verified for "alice" with the
 * test key and sdkappid. 1: the rest is the document inside a UserSig; the harness wraps it as
 * Tencent does (zlib, url-base64) so the fuzzer works on the JSON and the signed-content rules
 * rather than on the compression. 2: the rest supplies an identifier, TLS.time, TLS.expire and
 * maybe a userbuf; the harness builds and signs the document itself (TLSSigAPIv2's five-line
 * content, HMAC-SHA256) and expects exactly ERR_OK, ERR_USERSIG_EXPIRED or (TLS.time +
 * TLS.expire overflowing) ERR_USERSIG_ILLEGAL. 3: round trip: usersig_generate() for an
 * identifier from the input must verify for that identifier until its expiry and fail with the
 * documented code for a later time, another key, another app and another identifier. In every
 * mode the answer is one of the documented codes, the same with or without expires_at, and a
 * success reports an expiry not before now. Everything is freed.
 */
#include <inttypes.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "auth/auth.h"
#include "core/xalloc.h"
#include "fuzz.h"

#define SDKAPPID 1400000000u
#define KEY "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
#define NOW 1700000000
/* usersig.c caps a sig at 4096 characters and its document at 4096 bytes; the round trip is
 * asserted only where the document surely fits. */
#define ROUND_TRIP_MAX_ID 256

static bool documented(err_t err)
{
    return err == ERR_OK || err == ERR_USERSIG_ILLEGAL || err == ERR_USERSIG_VERIFY ||
           err == ERR_USERSIG_USERID || err == ERR_USERSIG_SDKAPPID || err == ERR_USERSIG_EXPIRED;
}

static err_t verify(const char *sig, const char *identifier, uint64_t sdkappid, const char *key,
                    int64_t now)
{
    int64_t expires_at = INT64_MIN;
    err_t err = usersig_verify(sig, identifier, sdkappid, key, now, &expires_at);
    FUZZ_ASSERT(documented(err));
    FUZZ_ASSERT(usersig_verify(sig, identifier, sdkappid, key, now, NULL) == err);
    if (err == ERR_OK)
        FUZZ_ASSERT(expires_at >= now);
    return err;
}

static char *b64(const unsigned char *in, size_t len, bool tencent)
{
    char *out = xmalloc((len + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    for (char *p = out; tencent && *p; p++)
        *p = *p == '+' ? '*' : *p == '/' ? '-' : *p == '=' ? '_' : *p;
    return out;
}

/* bytes → zlib → Tencent's url-base64, as a UserSig is wrapped. */
static char *wrap(const void *data, size_t len)
{
    uLongf zlen = compressBound(len);
    unsigned char *z = xmalloc(zlen);
    if (compress(z, &zlen, data, len) != Z_OK)
        abort();
    char *out = b64(z, zlen, true);
    xfree(z);
    return out;
}

static void mode_raw(const uint8_t *data, size_t size)
{
    char *sig = fuzz_str(data, size);
    verify(sig, "alice", SDKAPPID, KEY, NOW);
    free(sig);
}

static void mode_document(const uint8_t *data, size_t size)
{
    char *sig = wrap(data, size);
    verify(sig, "alice", SDKAPPID, KEY, NOW);
    /* The identifier the document names, when it has one, reaches the signature check. */
    json_t *doc = json_loadb((const char *)data, size, 0, NULL);
    const char *id = json_string_value(json_object_get(doc, "TLS.identifier"));
    if (id != NULL)
        verify(sig, id, SDKAPPID, KEY, NOW);
    json_decref(doc);
    xfree(sig);
}

static void mode_signed(fuzz_input_t in)
{
    int64_t time = (int64_t)fuzz_take_u64(&in, 8), expire = (int64_t)fuzz_take_u64(&in, 8);
    bool with_userbuf = fuzz_take_u8(&in) & 1;
    char *identifier = fuzz_take_str(&in);
    char *userbuf = with_userbuf ? b64(in.data, in.size, false) : NULL;
    if (strlen(identifier) > ROUND_TRIP_MAX_ID || (userbuf && strlen(userbuf) > 512))
        goto done;

    char *content = xasprintf("TLS.identifier:%s\nTLS.sdkappid:%u\nTLS.time:%" PRId64
                              "\nTLS.expire:%" PRId64 "\n%s%s%s",
                              identifier, SDKAPPID, time, expire, userbuf ? "TLS.userbuf:" : "",
                              userbuf ? userbuf : "", userbuf ? "\n" : "");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), KEY, (int)strlen(KEY), (const unsigned char *)content, strlen(content), mac,
         &mac_len);
    xfree(content);
    char *mac_b64 = b64(mac, mac_len, false);
    json_t *doc = json_pack("{s:s, s:s, s:I, s:I, s:I, s:s}", "TLS.ver", "2.0", "TLS.identifier",
                            identifier, "TLS.sdkappid", (json_int_t)SDKAPPID, "TLS.time",
                            (json_int_t)time, "TLS.expire", (json_int_t)expire, "TLS.sig", mac_b64);
    xfree(mac_b64);
    if (doc == NULL) /* the identifier is not UTF-8 */
        goto done;
    if (userbuf)
        json_object_set_new(doc, "TLS.userbuf", json_string(userbuf));
    char *text = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    char *sig = wrap(text, strlen(text));
    free(text);

    int64_t end;
    err_t want = __builtin_add_overflow(time, expire, &end) ? ERR_USERSIG_ILLEGAL
                 : NOW > end                                ? ERR_USERSIG_EXPIRED
                                                            : ERR_OK;
    err_t got = verify(sig, identifier, SDKAPPID, KEY, NOW);
    if (got != want)
        fprintf(stderr, "signed document: got %d, want %d\n", (int)got, (int)want);
    FUZZ_ASSERT(got == want);
    xfree(sig);
done:
    xfree(userbuf);
    free(identifier);
}

static void mode_round_trip(fuzz_input_t in)
{
    int64_t expire = (int64_t)(fuzz_take_u64(&in, 4) & 0x7fffffff);
    char *identifier = fuzz_str(in.data, in.size);
    char *sig = usersig_generate(SDKAPPID, KEY, identifier, NOW, expire);
    FUZZ_ASSERT(usersig_generate(SDKAPPID, "", identifier, NOW, expire) == NULL);
    if (sig != NULL && strlen(identifier) <= ROUND_TRIP_MAX_ID) {
        int64_t expires_at = 0;
        FUZZ_ASSERT(usersig_verify(sig, identifier, SDKAPPID, KEY, NOW, &expires_at) == ERR_OK);
        FUZZ_ASSERT(expires_at == NOW + expire);
        FUZZ_ASSERT(verify(sig, identifier, SDKAPPID, KEY, NOW + expire) == ERR_OK);
        FUZZ_ASSERT(verify(sig, identifier, SDKAPPID, KEY, NOW + expire + 1) ==
                    ERR_USERSIG_EXPIRED);
        FUZZ_ASSERT(verify(sig, identifier, SDKAPPID, KEY "x", NOW) == ERR_USERSIG_VERIFY);
        FUZZ_ASSERT(verify(sig, identifier, SDKAPPID + 1, KEY, NOW) == ERR_USERSIG_SDKAPPID);
        char *other = xasprintf("%sx", identifier);
        FUZZ_ASSERT(verify(sig, other, SDKAPPID, KEY, NOW) == ERR_USERSIG_USERID);
        xfree(other);
    } else if (sig != NULL) {
        verify(sig, identifier, SDKAPPID, KEY, NOW);
    }
    xfree(sig);
    free(identifier);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz_input_t in = {data + 1, size - 1};
    switch (data[0] & 3) {
    case 0:
        mode_raw(in.data, in.size);
        break;
    case 1:
        mode_document(in.data, in.size);
        break;
    case 2:
        mode_signed(in);
        break;
    case 3:
        mode_round_trip(in);
        break;
    }
    return 0;
}
