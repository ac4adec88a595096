/*
 * fuzz_jwt — JWT verification (auth/auth.h, jwt.c through libjwt 1.10) and auth_verify()'s
 * choice between a JWT and a UserSig.
 *
 * The first byte picks a mode. Even: the rest is a token, verified for "alice" under HS256,
 * RS256 and ES256 configurations (fixed keys; one HS256 one also requiring an issuer and an
 * audience) and under alg none, and through auth_verify(). Odd: the rest is a JOSE header and a
 * claims set separated by the first newline; the harness base64url-encodes them and signs them
 * with HMAC-SHA256 itself, so the fuzzer reaches the claim checks (exp, nbf, iss, aud, the user
 * claim) behind a good signature; the same token signed with a public key PEM as HMAC secret
 * must be refused by the RS256 and ES256 configurations, and unsigned by all. Asserted: only
 * documented codes; alg none refuses everything; an answer is the same with or without
 * expires_at; a success means the claims (parsed here with jansson) name "alice" in the user
 * claim, carry a numeric exp with now before exp + leeway and reported as expires_at, and match
 * the issuer and audience where configured. Everything is freed.
 */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <string.h>

#include "auth/auth.h"
#include "core/xalloc.h"
#include "fuzz.h"

#define NOW 1700000000
#define USER "alice"
#define SECRET "correct horse battery staple, 32+"

/* Made for the fuzzer with openssl genrsa / ecparam; the private halves were not kept (the seed
 * tokens in fuzz/corpus/jwt were signed with them). */
static const char RSA_PUB[] = "-----BEGIN PUBLIC KEY-----\n"
                              "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmhgkOc4+2gPvUH4pKU0U\n"
                              "B+B6LldqrQXnZAzhseQkN41mwHuAKSb3VKD0te9MgNIyWGfixTJGcWGcJzi9UOHw\n"
                              "HT9vLk07BdS6DL/ZWPazg7jf6mFme/d8nGfFywnMNPlfPwOMqM5kfuW3V5QIAfQM\n"
                              "/9bOhn2M0CGz/JDRpkwsGmLACX3fUBVb73P2Cl9D8nSU72KVVf2FblBRbbIVCvYe\n"
                              "f8UxDQfYCTNAri+vVedDmu4ZRjZJrq6TSdCrOTIi5Fa5SDrdUHyYiKDQYjcdAqq2\n"
                              "b/1orIb+t7tx3lMYDLDppYjJg4sOn4wdyXZlLLxjcyiVfLOkyW5I7uHrVmCPL0ON\n"
                              "hwIDAQAB\n"
                              "-----END PUBLIC KEY-----\n";
static const char EC_PUB[] = "-----BEGIN PUBLIC KEY-----\n"
                             "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAErBUwdb9820pF99Je4h7FcSmVeqU9\n"
                             "s+b54zVPqOXSg6dFQRQRbaEsy9XUYFMf7z/zA2+D1UMoM5B8T5dz8CucXw==\n"
                             "-----END PUBLIC KEY-----\n";

static const auth_jwt_config_t HS = {
    .alg = AUTH_JWT_HS256,
    .key = (const unsigned char *)SECRET,
    .key_len = sizeof SECRET - 1,
    .user_claim = "sub",
};
static const auth_jwt_config_t HS_STRICT = {
    .alg = AUTH_JWT_HS256,
    .key = (const unsigned char *)SECRET,
    .key_len = sizeof SECRET - 1,
    .user_claim = "uid",
    .issuer = "https://issuer.example",
    .audience = "chatd",
    .leeway = 30,
};
static const auth_jwt_config_t RS = {
    .alg = AUTH_JWT_RS256,
    .key = (const unsigned char *)RSA_PUB,
    .key_len = sizeof RSA_PUB - 1,
    .user_claim = "sub",
    .leeway = 30,
};
static const auth_jwt_config_t ES = {
    .alg = AUTH_JWT_ES256,
    .key = (const unsigned char *)EC_PUB,
    .key_len = sizeof EC_PUB - 1,
    .user_claim = "sub",
};
static const auth_jwt_config_t NONE = {.alg = AUTH_JWT_NONE, .user_claim = "sub"};

static bool documented(err_t err)
{
    return err == ERR_OK || err == ERR_USERSIG_VERIFY || err == ERR_USERSIG_EXPIRED ||
           err == ERR_USERSIG_USERID;
}

static bool equals(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

/* What a token accepted under cfg must hold; claims is our own parse of its payload, or NULL
 * when the harness did not make the token. */
static void check_accepted(const auth_jwt_config_t *cfg, const json_t *claims, int64_t expires_at)
{
    FUZZ_ASSERT(expires_at > NOW);
    if (claims == NULL)
        return;
    FUZZ_ASSERT(equals(json_object_get(claims, cfg->user_claim), USER));
    const json_t *exp = json_object_get(claims, "exp");
    FUZZ_ASSERT(json_is_number(exp));
    FUZZ_ASSERT(json_number_value(exp) + (double)cfg->leeway > (double)NOW - 1);
    int64_t want;
    if (json_is_integer(exp) &&
        !__builtin_add_overflow((int64_t)json_integer_value(exp), cfg->leeway, &want))
        FUZZ_ASSERT(expires_at == want);
    if (cfg->issuer)
        FUZZ_ASSERT(equals(json_object_get(claims, "iss"), cfg->issuer));
    if (cfg->audience) {
        const json_t *aud = json_object_get(claims, "aud"), *v;
        bool found = equals(aud, cfg->audience);
        size_t i;
        json_array_foreach(aud, i, v) found = found || equals(v, cfg->audience);
        FUZZ_ASSERT(found);
    }
}

static err_t verify(const auth_jwt_config_t *cfg, const char *token, const json_t *claims)
{
    int64_t expires_at = INT64_MIN;
    err_t err = auth_jwt_verify(cfg, token, USER, NOW, &expires_at);
    FUZZ_ASSERT(documented(err));
    FUZZ_ASSERT(auth_jwt_verify(cfg, token, USER, NOW, NULL) == err);
    if (err == ERR_OK)
        check_accepted(cfg, claims, expires_at);
    return err;
}

static void verify_all(const char *token, const json_t *claims)
{
    verify(&HS, token, claims);
    verify(&HS_STRICT, token, claims);
    verify(&RS, token, claims);
    verify(&ES, token, claims);
    FUZZ_ASSERT(verify(&NONE, token, claims) == ERR_USERSIG_VERIFY);

    auth_config_t both = {.sdkappid = 1400000000, .secret_key = "k3y", .jwt = HS};
    err_t err = auth_verify(&both, token, USER, NOW, NULL);
    FUZZ_ASSERT(documented(err) || err == ERR_USERSIG_ILLEGAL || err == ERR_USERSIG_SDKAPPID);
}

static char *b64url(const unsigned char *in, size_t len)
{
    char *out = xmalloc((len + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    char *o = out;
    for (const char *p = out; *p; p++)
        if (*p != '=')
            *o++ = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    *o = '\0';
    return out;
}

static char *hmac_token(const char *input, const void *key, size_t key_len)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)input, strlen(input), mac,
         &mac_len);
    char *sig = b64url(mac, mac_len);
    char *token = xasprintf("%s.%s", input, sig);
    xfree(sig);
    return token;
}

static void mode_built(fuzz_input_t in)
{
    const uint8_t *nul = in.size > 0 ? memchr(in.data, '\n', in.size) : NULL;
    size_t header_len = nul ? (size_t)(nul - in.data) : in.size;
    const uint8_t *payload = nul ? nul + 1 : in.data + in.size;
    size_t payload_len = nul ? in.size - header_len - 1 : 0;

    char *h = b64url(in.data, header_len), *p = b64url(payload, payload_len);
    char *input = xasprintf("%s.%s", h, p);
    xfree(h);
    xfree(p);
    json_t *claims = json_loadb((const char *)payload, payload_len, 0, NULL);

    char *token = hmac_token(input, SECRET, sizeof SECRET - 1);
    verify_all(token, claims);
    xfree(token);

    /* HS256 with the public key as the secret: the classic confusion. */
    token = hmac_token(input, RSA_PUB, sizeof RSA_PUB - 1);
    FUZZ_ASSERT(verify(&RS, token, claims) != ERR_OK);
    xfree(token);
    token = hmac_token(input, EC_PUB, sizeof EC_PUB - 1);
    FUZZ_ASSERT(verify(&ES, token, claims) != ERR_OK);
    xfree(token);

    token = xasprintf("%s.", input);
    FUZZ_ASSERT(verify(&HS, token, claims) != ERR_OK);
    FUZZ_ASSERT(verify(&RS, token, claims) != ERR_OK);
    xfree(token);

    json_decref(claims);
    xfree(input);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz_input_t in = {data + 1, size - 1};
    if (data[0] & 1) {
        mode_built(in);
    } else {
        char *token = fuzz_str(in.data, in.size);
        verify_all(token, NULL);
        free(token);
    }
    return 0;
}
