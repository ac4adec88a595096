/* UserSig (TLSSigAPIv2) verification and generation: Tencent-made vectors, boundaries, and
 * every way a hostile or broken sig can fail. */
#include "auth/auth.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <zlib.h>

#include "core/xalloc.h"
#include "unit.h"

#define SDKAPPID 1400000000u
#define KEY "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
#define NODE_TIME 1700000000

/* Made by tests/unit/vectors/gen_usersig.js: npm tls-sig-api-v2 1.0.2, sdkappid SDKAPPID, key KEY,
 * Date.now() stubbed to 1700000000000, genUserSig(identifier, expire). */
static const struct {
    const char *identifier;
    int64_t expire;
    const char *sig;
} NODE_SIGS[] = {
    {"administrator", 15552000,
     "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwokpuZl5mcUlRYkl*UVQBcUp2YkFBZkpSlaGJgZQ"
     "AJEpycxNVbIyNEcVTa0oyCwCiZuamhrBRYsz05WslLycqyoS89ws-EJCIhJLTXK1jTIsy8vM0yO98ir9"
     "sotzDSpyDf1cI0KNzE1slWoBQr40pw__"},
    {"alice", 86400,
     "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwok5mcmpUInilOzEgoLMFCUrQxMDKIDIlGTmpipZ"
     "GZqjiqZWFGQWpSpZWZiZwISKM9OVrJTM3HOzsrxyPA2i0spSspwNCr0q3bI8svN8Cj3DUos8zYoKvPzT"
     "wyvS0g2zbZVqAZcSMWk_"},
    {"\xe5\xbc\xa0\xe4\xb8\x89_\xc3\xa9mile" /* 张三_émile */, 3600,
     "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwk-3LHiyozP*8MrczJxUqILilOzEgoLMFCUrQxMD"
     "KIDIlGTmpipZGZqjiqZWFGQWpSpZGZvBRIoz05WslPKNMnNDDJP9I9NdtEMtcgw8QxNTgis9vTxzEs1C"
     "jZO8At0sPDzMnA0zfNJtlWoBsLY1QQ__"},
    {"abcdefghijklmnopqrstuvwxyz_01234" /* 32 bytes */, 604800,
     "eJxVy8sKgkAYBeB3*beFjRcsBloE0SapQHHhJqwZdRzH5qI2Fb17YLbo7M53OC9IotgZqAYMnoNgPnZG"
     "aNuxgo2cX66EFmXFat6I9iaVNl0-3O3jeUau5wfTxxCeS8kIYDdAU75LxwQF7C7-lVrJNAUcomD1M8NK"
     "wOCjJpIi3du*moljijyrTygJD4ov4nSXqUxx3*bG3dabNbw-ynw7Rw__"},
};

/* Same generator: genPrivateMapKey("alice", 300, 1234, 255), a sig carrying TLS.userbuf. */
#define NODE_USERBUF_SIG                                                                           \
    "eJxVjcsKglAURf-lTA1fSckFB4dSKEyIxGho16scX118Q-TvgemgNdtrDfYbQv*mDqIBBqaqw2belIi6"             \
    "o5RmHZfExRLapIilpASYYekLv9JRJYAZ*38rJkmNALZdRd*K5tmnwAARvcd9kg8zCnlhISK6ehWFNo2I"             \
    "eNRwxnHWZ8qAwcm7Dn7-KqwqH0rXpiA*e3k1ygvPdrw-1IaCQ6kpQeBbDny*p-lBEg__"

/* Published in the Rust crate tls_sig_api (src/lib.rs, "generated from python version"): sdkappid
 * SDKAPPID, key KEY, identifier "0", time 1569910200, expire 15552000; the second carries userbuf
 * "abc". Expired since 1585462200. */
#define PUB_TIME 1569910200
#define PUB_EXPIRE 15552000
#define PUB_SIG                                                                                    \
    "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwjDB4pTsxIKCzBQlK0MTAyiAyKRWFGQWpQLFTU1N"             \
    "jeCiJZm5YDEzS0tDAyOYaHFmOtBM54KsUqeUwGLLqPK8UndHryCL-Lx8-1RPy7Ty1AijMk9f30hLk0x-"             \
    "r3CvSFulWgAPYy*9"
#define PUB_USERBUF_SIG                                                                            \
    "eJw9zEELwiAcBfDv4jmGs1lu0GkRUd0chMeWbv2zDdEZg*i7J5a92-s9eC-UnHj2VBZViGQYLWIHqcYJ"             \
    "Ooic0El9MQYkqvIC--Jd1GzAquCUUvLXCYZoq7LMMUnqnbKt78KvOB-u6Rr6AG299PTq3YP3bOvWR0HZ"             \
    "cOO6sbMf7c5TLLXUtdgXwDbo-QEmHTZF"
/* Node TLSSigAPIv2.js with Date.now stubbed to 1569910200000 (shared/reference §1.4):
 * genUserSig("xiaojun", 15552000). */
#define PUB_NODE_XIAOJUN_SIG                                                                       \
    "eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy0zLBwhWZiflZpXlQqeKU7MSCgswUJStDEwMogMiUZOam"             \
    "KlkZmppZWhoaGMFEUysKMovA4qamRnC1xZnpSlZK6f75qeGGxsWGlm7plXkWQeU5riX6RT7Z5cblVT6F"             \
    "lr7awYVOSREhnml5gbZKtQCu3TKc"

#define ALICE_SIG (NODE_SIGS[1].sig)
#define ALICE_END (NODE_TIME + 86400)

static err_t verify_alice(const char *sig)
{
    return usersig_verify(sig, "alice", SDKAPPID, KEY, NODE_TIME, NULL);
}

/* Tencent's url-base64 of raw bytes. */
static char *b64_tencent(const unsigned char *in, size_t len)
{
    char *out = xmalloc((len + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    for (char *p = out; *p; p++)
        *p = *p == '+' ? '*' : *p == '/' ? '-' : *p == '=' ? '_' : *p;
    return out;
}

/* Wraps arbitrary bytes the way a UserSig is wrapped (zlib, then url-base64), with `tail`
 * appended after the zlib stream. */
static char *wrap_tail(const void *data, size_t len, const char *tail)
{
    size_t tail_len = strlen(tail);
    uLongf zlen = compressBound(len);
    unsigned char *z = xmalloc(zlen + tail_len);
    if (compress(z, &zlen, data, len) != Z_OK)
        abort();
    memcpy(z + zlen, tail, tail_len);
    char *out = b64_tencent(z, zlen + tail_len);
    xfree(z);
    return out;
}

static char *wrap(const void *data, size_t len)
{
    return wrap_tail(data, len, "");
}

static char *wrap_str(const char *s)
{
    return wrap(s, strlen(s));
}

/* Standard base64 of HMAC-SHA256(KEY, content), as TLS.sig carries it. */
static void mac_b64(const char *content, char out[45])
{
    unsigned char mac[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), KEY, (int)strlen(KEY), (const unsigned char *)content, strlen(content), mac,
         &len);
    EVP_EncodeBlock((unsigned char *)out, mac, (int)len);
}

static void test_node_vectors_verify(void)
{
    for (size_t i = 0; i < sizeof NODE_SIGS / sizeof NODE_SIGS[0]; i++) {
        int64_t exp = 0;
        CHECK_EQ_INT(usersig_verify(NODE_SIGS[i].sig, NODE_SIGS[i].identifier, SDKAPPID, KEY,
                                    NODE_TIME, &exp),
                     ERR_OK);
        CHECK_EQ_INT(exp, NODE_TIME + NODE_SIGS[i].expire);
    }
}

static void test_node_userbuf_sig_verifies(void)
{
    int64_t exp = 0;
    CHECK_EQ_INT(usersig_verify(NODE_USERBUF_SIG, "alice", SDKAPPID, KEY, NODE_TIME, &exp), ERR_OK);
    CHECK_EQ_INT(exp, NODE_TIME + 300);
}

static void test_published_vectors_verify_within_validity(void)
{
    int64_t now = PUB_TIME + 1, exp = 0;
    CHECK_EQ_INT(usersig_verify(PUB_SIG, "0", SDKAPPID, KEY, now, &exp), ERR_OK);
    CHECK_EQ_INT(exp, PUB_TIME + PUB_EXPIRE);
    CHECK_EQ_INT(usersig_verify(PUB_USERBUF_SIG, "0", SDKAPPID, KEY, now, NULL), ERR_OK);
    CHECK_EQ_INT(usersig_verify(PUB_NODE_XIAOJUN_SIG, "xiaojun", SDKAPPID, KEY, now, NULL), ERR_OK);
}

static void test_published_vectors_are_expired_now(void)
{
    CHECK_EQ_INT(usersig_verify(PUB_SIG, "0", SDKAPPID, KEY, NODE_TIME, NULL), ERR_USERSIG_EXPIRED);
    CHECK_EQ_INT(usersig_verify(PUB_USERBUF_SIG, "0", SDKAPPID, KEY, NODE_TIME, NULL),
                 ERR_USERSIG_EXPIRED);
}

static void test_valid_at_exact_expiry(void)
{
    CHECK_EQ_INT(usersig_verify(ALICE_SIG, "alice", SDKAPPID, KEY, ALICE_END, NULL), ERR_OK);
}

static void test_expired_one_second_after(void)
{
    int64_t exp = -1;
    CHECK_EQ_INT(usersig_verify(ALICE_SIG, "alice", SDKAPPID, KEY, ALICE_END + 1, &exp),
                 ERR_USERSIG_EXPIRED);
    CHECK_EQ_INT(exp, -1);
}

static void test_flipped_character_refused(void)
{
    size_t len = strlen(ALICE_SIG);
    for (size_t i = 0; i < len - 2; i++) {
        char *s = xstrdup(ALICE_SIG);
        s[i] = s[i] == 'A' ? 'B' : 'A';
        CHECK(verify_alice(s) != ERR_OK);
        xfree(s);
    }
}

static void test_truncated_refused(void)
{
    /* Cutting only the padding leaves a valid sig. */
    size_t len = strlen(ALICE_SIG), pads = 1;
    REQUIRE(ALICE_SIG[len - 1] == '_' && ALICE_SIG[len - 2] != '_');
    for (size_t cut = pads + 1; cut < len; cut++) {
        char *s = xstrndup(ALICE_SIG, len - cut);
        CHECK_EQ_INT(verify_alice(s), ERR_USERSIG_ILLEGAL);
        xfree(s);
    }
}

static void test_other_app_is_70014(void)
{
    CHECK_EQ_INT(usersig_verify(ALICE_SIG, "alice", 1400000001u, KEY, NODE_TIME, NULL),
                 ERR_USERSIG_SDKAPPID);
}

static void test_other_user_is_70013(void)
{
    CHECK_EQ_INT(usersig_verify(ALICE_SIG, "bob", SDKAPPID, KEY, NODE_TIME, NULL),
                 ERR_USERSIG_USERID);
    CHECK_EQ_INT(usersig_verify(ALICE_SIG, "Alice", SDKAPPID, KEY, NODE_TIME, NULL),
                 ERR_USERSIG_USERID);
    CHECK_EQ_INT(usersig_verify(ALICE_SIG, "alice ", SDKAPPID, KEY, NODE_TIME, NULL),
                 ERR_USERSIG_USERID);
    /* The same name in NFD (e + combining acute) is other bytes, so another user. */
    CHECK_EQ_INT(usersig_verify(NODE_SIGS[2].sig, "\xe5\xbc\xa0\xe4\xb8\x89_e\xcc\x81mile",
                                SDKAPPID, KEY, NODE_TIME, NULL),
                 ERR_USERSIG_USERID);
}

static void test_other_key_is_70009(void)
{
    const char *other = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5f";
    CHECK_EQ_INT(usersig_verify(ALICE_SIG, "alice", SDKAPPID, other, NODE_TIME, NULL),
                 ERR_USERSIG_VERIFY);
}

static void test_empty_key_refused(void)
{
    CHECK_EQ_INT(usersig_verify(ALICE_SIG, "alice", SDKAPPID, "", NODE_TIME, NULL),
                 ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(usersig_verify(ALICE_SIG, "alice", SDKAPPID, NULL, NODE_TIME, NULL),
                 ERR_USERSIG_VERIFY);
    CHECK(usersig_generate(SDKAPPID, "", "alice", NODE_TIME, 60) == NULL);
}

static void test_not_base64_is_70003(void)
{
    static const char *const bad[] = {
        "hello world", "eJyr$gr", "eJyrVgrx+dYr", "eJyrVgrx/dYr",
        "eJyr.Vgr",    "____",    "eJy_rVgr",     "eJyrVgrx\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(verify_alice(bad[i]), ERR_USERSIG_ILLEGAL);
}

static void test_empty_and_null_are_70003(void)
{
    CHECK_EQ_INT(verify_alice(""), ERR_USERSIG_ILLEGAL);
    CHECK_EQ_INT(verify_alice(NULL), ERR_USERSIG_ILLEGAL);
}

static void test_base64_of_non_zlib_is_70003(void)
{
    /* "{\"TLS.ver\":\"2.0\"}" in the url variant, not compressed */
    CHECK_EQ_INT(verify_alice("eyJUTFMudmVyIjoiMi4wIn0_"), ERR_USERSIG_ILLEGAL);
    CHECK_EQ_INT(verify_alice("AAAA"), ERR_USERSIG_ILLEGAL);
}

static void test_zlib_of_non_json_is_70003(void)
{
    static const char *const bad[] = {"not json", "[1,2,3]", "\"TLS.sig\"", "{\"TLS.ver\":"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *s = wrap_str(bad[i]);
        CHECK_EQ_INT(verify_alice(s), ERR_USERSIG_ILLEGAL);
        xfree(s);
    }
}

static void test_missing_or_mistyped_fields_are_70003(void)
{
    static const char *const bad[] = {
        "{\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS.expire\":86400,\"TLS.sig\":"
        "\"x\"}",
        "{\"TLS.identifier\":\"alice\",\"TLS.time\":1700000000,\"TLS.expire\":86400,\"TLS.sig\":"
        "\"x\"}",
        "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,\"TLS.expire\":86400,\"TLS."
        "sig\":"
        "\"x\"}",
        "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS."
        "sig\":"
        "\"x\"}",
        "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS."
        "expire\":86400}",
        "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":\"1400000000\",\"TLS.time\":1700000000,"
        "\"TLS."
        "expire\":86400,\"TLS.sig\":\"x\"}",
        "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000.0,\"TLS."
        "expire\":86400,\"TLS.sig\":\"x\"}",
        "{\"TLS.identifier\":42,\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS."
        "expire\":86400,\"TLS.sig\":\"x\"}",
        "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,\"TLS."
        "expire\":86400,\"TLS.sig\":null}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *s = wrap_str(bad[i]);
        CHECK_EQ_INT(verify_alice(s), ERR_USERSIG_ILLEGAL);
        xfree(s);
    }
}

static void test_duplicate_keys_are_70003(void)
{
    char sig[45], json[512];
    mac_b64("TLS.identifier:alice\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:"
            "86400\n",
            sig);
    snprintf(json, sizeof json,
             "{\"TLS.identifier\":\"bob\",\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,"
             "\"TLS.time\":1700000000,\"TLS.expire\":86400,\"TLS.sig\":\"%s\"}",
             sig);
    char *s = wrap_str(json);
    CHECK_EQ_INT(verify_alice(s), ERR_USERSIG_ILLEGAL);
    xfree(s);
}

/* PHP escapes '/' as "\/", Python adds spaces, C++ orders keys differently. */
static void test_any_json_spelling_verifies(void)
{
    char sig[45], esc[90], json[512];
    mac_b64("TLS.identifier:alice\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:"
            "86400\n",
            sig);
    size_t o = 0;
    for (const char *p = sig; *p; p++) {
        if (*p == '/')
            esc[o++] = '\\';
        esc[o++] = *p;
    }
    esc[o] = '\0';
    snprintf(json, sizeof json,
             "{ \"TLS.sig\" : \"%s\",\n \"TLS.expire\": 86400, \"TLS.time\": 1700000000, "
             "\"TLS.sdkappid\": 1400000000, \"TLS.identifier\": \"\\u0061lice\", \"TLS.ver\": "
             "\"2.0\" }",
             esc);
    char *s = wrap_str(json);
    CHECK_EQ_INT(verify_alice(s), ERR_OK);
    xfree(s);
}

static void test_sig_field_mismatch_is_70009(void)
{
    char sig[45], json[512];
    mac_b64("TLS.identifier:alice\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:"
            "86401\n",
            sig);
    snprintf(json, sizeof json,
             "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,"
             "\"TLS.expire\":86400,\"TLS.sig\":\"%s\"}",
             sig);
    char *s = wrap_str(json);
    CHECK_EQ_INT(verify_alice(s), ERR_USERSIG_VERIFY);
    xfree(s);
    static const char *const bad_sig[] = {"", "AAAA", "not base64!",
                                          "CpjuBdQs9ZwnuGAJR8onoOeI9fwe"};
    for (size_t i = 0; i < sizeof bad_sig / sizeof bad_sig[0]; i++) {
        snprintf(json, sizeof json,
                 "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,\"TLS.time\":"
                 "1700000000,\"TLS.expire\":86400,\"TLS.sig\":\"%s\"}",
                 bad_sig[i]);
        s = wrap_str(json);
        CHECK_EQ_INT(verify_alice(s), ERR_USERSIG_VERIFY);
        xfree(s);
    }
}

/* A newline in userbuf would let a doc re-frame the signed lines; only base64 is signed. */
static void test_userbuf_must_be_base64(void)
{
    const char *ub = "YWJj\\nTLS.x:1";
    char sig[45], json[512];
    mac_b64("TLS.identifier:alice\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:"
            "86400\nTLS.userbuf:YWJj\nTLS.x:1\n",
            sig);
    snprintf(json, sizeof json,
             "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,\"TLS.time\":1700000000,"
             "\"TLS.expire\":86400,\"TLS.userbuf\":\"%s\",\"TLS.sig\":\"%s\"}",
             ub, sig);
    char *s = wrap_str(json);
    CHECK_EQ_INT(verify_alice(s), ERR_USERSIG_ILLEGAL);
    xfree(s);
}

static void test_time_overflow_is_70003(void)
{
    char json[512];
    snprintf(json, sizeof json,
             "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,\"TLS.time\":%lld,"
             "\"TLS.expire\":86400,\"TLS.sig\":\"x\"}",
             (long long)INT64_MAX);
    char *s = wrap_str(json);
    CHECK_EQ_INT(verify_alice(s), ERR_USERSIG_ILLEGAL);
    xfree(s);
}

static void test_missing_padding_accepted(void)
{
    char *s = xstrdup(ALICE_SIG);
    size_t len = strlen(s);
    REQUIRE(s[len - 1] == '_');
    s[len - 1] = '\0';
    CHECK_EQ_INT(verify_alice(s), ERR_OK);
    xfree(s);
    s = xstrdup(NODE_SIGS[0].sig);
    len = strlen(s);
    REQUIRE(s[len - 2] == '_' && s[len - 1] == '_');
    s[len - 2] = '\0';
    CHECK_EQ_INT(usersig_verify(s, "administrator", SDKAPPID, KEY, NODE_TIME, NULL), ERR_OK);
    xfree(s);
}

static void test_malformed_padding_refused(void)
{
    char *extra = xasprintf("%s_", ALICE_SIG);
    CHECK_EQ_INT(verify_alice(extra), ERR_USERSIG_ILLEGAL);
    xfree(extra);
    /* administrator's sig ends "pw__": 'w' leaves four unused bits, all zero; 'x' sets one. */
    char *s = xstrdup(NODE_SIGS[0].sig);
    size_t len = strlen(s);
    REQUIRE(s[len - 3] == 'w');
    s[len - 3] = 'x';
    CHECK_EQ_INT(usersig_verify(s, "administrator", SDKAPPID, KEY, NODE_TIME, NULL),
                 ERR_USERSIG_ILLEGAL);
    xfree(s);
}

static void test_zip_bomb_refused(void)
{
    size_t len = 1 << 20;
    char *big = xmalloc(len);
    memset(big, ' ', len);
    big[0] = '{';
    big[len - 1] = '}';
    char *s = wrap(big, len);
    CHECK(strlen(s) < 4096);
    CHECK_EQ_INT(verify_alice(s), ERR_USERSIG_ILLEGAL);
    xfree(s);
    xfree(big);
}

static void test_oversized_input_refused(void)
{
    size_t len = 5000;
    char *s = xmalloc(len + 1);
    memset(s, 'A', len);
    s[len] = '\0';
    CHECK_EQ_INT(verify_alice(s), ERR_USERSIG_ILLEGAL);
    xfree(s);
}

static void test_trailing_bytes_after_zlib_refused(void)
{
    char sig[45], json[512];
    mac_b64("TLS.identifier:alice\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:"
            "86400\n",
            sig);
    int n = snprintf(json, sizeof json,
                     "{\"TLS.identifier\":\"alice\",\"TLS.sdkappid\":1400000000,\"TLS.time\":"
                     "1700000000,\"TLS.expire\":86400,\"TLS.sig\":\"%s\"}",
                     sig);
    char *ok = wrap_tail(json, (size_t)n, ""), *bad = wrap_tail(json, (size_t)n, "xyz");
    CHECK_EQ_INT(verify_alice(ok), ERR_OK);
    CHECK_EQ_INT(verify_alice(bad), ERR_USERSIG_ILLEGAL);
    xfree(ok);
    xfree(bad);
}

static void test_generate_round_trip(void)
{
    for (size_t i = 0; i < sizeof NODE_SIGS / sizeof NODE_SIGS[0]; i++) {
        char *s = usersig_generate(SDKAPPID, KEY, NODE_SIGS[i].identifier, NODE_TIME,
                                   NODE_SIGS[i].expire);
        REQUIRE(s != NULL);
        int64_t exp = 0;
        CHECK_EQ_INT(usersig_verify(s, NODE_SIGS[i].identifier, SDKAPPID, KEY,
                                    NODE_TIME + NODE_SIGS[i].expire, &exp),
                     ERR_OK);
        CHECK_EQ_INT(exp, NODE_TIME + NODE_SIGS[i].expire);
        CHECK_EQ_INT(usersig_verify(s, NODE_SIGS[i].identifier, SDKAPPID, KEY,
                                    NODE_TIME + NODE_SIGS[i].expire + 1, NULL),
                     ERR_USERSIG_EXPIRED);
        xfree(s);
    }
}

/* The JSON inside a UserSig, decoded independently of usersig.c; "" if it does not decode. */
static void unwrap_json(const char *sig, char *json, size_t cap)
{
    size_t len = strlen(sig);
    char *b64 = xstrdup(sig);
    for (char *p = b64; *p; p++)
        *p = *p == '*' ? '+' : *p == '-' ? '/' : *p == '_' ? '=' : *p;
    unsigned char *z = xmalloc(len);
    int zlen = EVP_DecodeBlock(z, (const unsigned char *)b64, (int)len);
    uLongf n = cap - 1;
    if (zlen < 0 || uncompress((Bytef *)json, &n, z, (uLong)zlen) != Z_OK)
        n = 0;
    json[n] = '\0';
    xfree(z);
    xfree(b64);
}

/* System zlib and Node's compress differently, so the strings differ; the JSON must not. */
static void test_generate_same_json_as_node(void)
{
    for (size_t i = 0; i < sizeof NODE_SIGS / sizeof NODE_SIGS[0]; i++) {
        char *s = usersig_generate(SDKAPPID, KEY, NODE_SIGS[i].identifier, NODE_TIME,
                                   NODE_SIGS[i].expire);
        REQUIRE(s != NULL);
        char ours[1024], node[1024];
        unwrap_json(s, ours, sizeof ours);
        unwrap_json(NODE_SIGS[i].sig, node, sizeof node);
        CHECK(node[0] == '{');
        CHECK_EQ_STR(ours, node);
        xfree(s);
    }
}

static void test_generate_refuses_invalid_utf8(void)
{
    CHECK(usersig_generate(SDKAPPID, KEY, "al\xffice", NODE_TIME, 60) == NULL);
}

UNIT_MAIN(test_node_vectors_verify, test_node_userbuf_sig_verifies,
          test_published_vectors_verify_within_validity, test_published_vectors_are_expired_now,
          test_valid_at_exact_expiry, test_expired_one_second_after, test_flipped_character_refused,
          test_truncated_refused, test_other_app_is_70014, test_other_user_is_70013,
          test_other_key_is_70009, test_empty_key_refused, test_not_base64_is_70003,
          test_empty_and_null_are_70003, test_base64_of_non_zlib_is_70003,
          test_zlib_of_non_json_is_70003, test_missing_or_mistyped_fields_are_70003,
          test_duplicate_keys_are_70003, test_any_json_spelling_verifies,
          test_sig_field_mismatch_is_70009, test_userbuf_must_be_base64,
          test_time_overflow_is_70003, test_missing_padding_accepted,
          test_malformed_padding_refused, test_zip_bomb_refused, test_oversized_input_refused,
          test_trailing_bytes_after_zlib_refused, test_generate_round_trip,
          test_generate_same_json_as_node, test_generate_refuses_invalid_utf8)
