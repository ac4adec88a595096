/* JWT verification: only the configured algorithm, required exp, optional nbf/iss/aud, the user
 * claim; and auth_verify's choice between JWT and UserSig. Tokens are built here with OpenSSL so
 * the test does not trust libjwt to make what it then checks. */
#include "auth/auth.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "core/xalloc.h"
#include "unit.h"

#define NOW 1700000000
#define SECRET "correct horse battery staple"
#define HS256 "{\"alg\":\"HS256\",\"typ\":\"JWT\"}"
#define ALICE "{\"sub\":\"alice\",\"exp\":1700003600}"

static char *b64url(const unsigned char *in, size_t len)
{
    char *out = xmalloc((len + 2) / 3 * 4 + 1);
    EVP_EncodeBlock((unsigned char *)out, in, (int)len);
    char *o = out;
    for (const char *p = out; *p; p++) {
        if (*p != '=')
            *o++ = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    }
    *o = '\0';
    return out;
}

static char *signing_input(const char *header, const char *payload)
{
    char *h = b64url((const unsigned char *)header, strlen(header));
    char *p = b64url((const unsigned char *)payload, strlen(payload));
    char *in = xasprintf("%s.%s", h, p);
    xfree(h);
    xfree(p);
    return in;
}

static char *join_sig(char *input, const unsigned char *sig, size_t sig_len)
{
    char *s = b64url(sig, sig_len);
    char *token = xasprintf("%s.%s", input, s);
    xfree(s);
    xfree(input);
    return token;
}

static char *token_hmac(const char *header, const char *payload, const EVP_MD *md, const void *key,
                        size_t key_len)
{
    char *input = signing_input(header, payload);
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(md, key, (int)key_len, (const unsigned char *)input, strlen(input), mac, &mac_len);
    return join_sig(input, mac, mac_len);
}

static char *token_hs256(const char *payload)
{
    return token_hmac(HS256, payload, EVP_sha256(), SECRET, strlen(SECRET));
}

/* JWS wants ECDSA as fixed-width r||s, not the DER OpenSSL produces. */
static size_t der_to_jws(unsigned char *sig, size_t len)
{
    const unsigned char *p = sig;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (es == NULL)
        return 0;
    BN_bn2binpad(ECDSA_SIG_get0_r(es), sig, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), sig + 32, 32);
    ECDSA_SIG_free(es);
    return 64;
}

static char *token_pkey(const char *header, const char *payload, EVP_PKEY *pkey)
{
    char *input = signing_input(header, payload);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char sig[1024];
    size_t sig_len = sizeof sig;
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) != 1 ||
        EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *)input, strlen(input)) != 1)
        abort();
    EVP_MD_CTX_free(ctx);
    if (EVP_PKEY_is_a(pkey, "EC"))
        sig_len = der_to_jws(sig, sig_len);
    return join_sig(input, sig, sig_len);
}

/* The public half as PEM, NUL-terminated; *len excludes the NUL. */
static char *public_pem(EVP_PKEY *pkey, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL || PEM_write_bio_PUBKEY(bio, pkey) != 1)
        abort();
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    char *pem = xstrndup(data, (size_t)n);
    BIO_free(bio);
    *len = (size_t)n;
    return pem;
}

static auth_jwt_config_t hs_config(void)
{
    return (auth_jwt_config_t){
        .alg = AUTH_JWT_HS256,
        .key = (const unsigned char *)SECRET,
        .key_len = strlen(SECRET),
        .user_claim = "sub",
    };
}

static err_t verify_hs(const auth_jwt_config_t *cfg, const char *payload)
{
    char *token = token_hs256(payload);
    err_t err = auth_jwt_verify(cfg, token, "alice", NOW, NULL);
    xfree(token);
    return err;
}

static err_t verify_hs_default(const char *payload)
{
    auth_jwt_config_t cfg = hs_config();
    return verify_hs(&cfg, payload);
}

static void test_hs256_valid(void)
{
    auth_jwt_config_t cfg = hs_config();
    char *token = token_hs256(ALICE);
    int64_t exp = 0;
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, &exp), ERR_OK);
    CHECK_EQ_INT(exp, 1700003600);
    xfree(token);
    /* typ is optional */
    token = token_hmac("{\"alg\":\"HS256\"}", ALICE, EVP_sha256(), SECRET, strlen(SECRET));
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_OK);
    xfree(token);
}

static void test_alg_none_refused(void)
{
    auth_jwt_config_t cfg = hs_config();
    char *unsigned_token = signing_input("{\"alg\":\"none\",\"typ\":\"JWT\"}", ALICE);
    char *token = xasprintf("%s.", unsigned_token);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(token);
    xfree(unsigned_token);
    token = token_hmac("{\"alg\":\"none\"}", ALICE, EVP_sha256(), SECRET, strlen(SECRET));
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(token);
}

static void test_other_hmac_algs_refused(void)
{
    auth_jwt_config_t cfg = hs_config();
    char *t384 = token_hmac("{\"alg\":\"HS384\"}", ALICE, EVP_sha384(), SECRET, strlen(SECRET));
    char *t512 = token_hmac("{\"alg\":\"HS512\"}", ALICE, EVP_sha512(), SECRET, strlen(SECRET));
    /* libjwt 1.10 reads alg case-insensitively; RFC 7515 says it is case-sensitive. */
    char *tlow = token_hmac("{\"alg\":\"hs256\"}", ALICE, EVP_sha256(), SECRET, strlen(SECRET));
    CHECK_EQ_INT(auth_jwt_verify(&cfg, t384, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, t512, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, tlow, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(t384);
    xfree(t512);
    xfree(tlow);
}

static void test_crit_header_refused(void)
{
    auth_jwt_config_t cfg = hs_config();
    char *token = token_hmac("{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", ALICE, EVP_sha256(), SECRET,
                             strlen(SECRET));
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(token);
}

static void test_rs256_valid_and_key_confusion_refused(void)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    REQUIRE(pkey != NULL);
    size_t pem_len = 0;
    char *pem = public_pem(pkey, &pem_len);
    auth_jwt_config_t cfg = hs_config();
    cfg.alg = AUTH_JWT_RS256;
    cfg.key = (const unsigned char *)pem;
    cfg.key_len = pem_len;
    char *good = token_pkey("{\"alg\":\"RS256\",\"typ\":\"JWT\"}", ALICE, pkey);
    char *confused = token_hmac(HS256, ALICE, EVP_sha256(), pem, pem_len);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, good, "alice", NOW, NULL), ERR_OK);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, confused, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(good);
    xfree(confused);
    xfree(pem);
    EVP_PKEY_free(pkey);
}

static void test_es256_valid(void)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    REQUIRE(pkey != NULL);
    size_t pem_len = 0;
    char *pem = public_pem(pkey, &pem_len);
    auth_jwt_config_t cfg = hs_config();
    cfg.alg = AUTH_JWT_ES256;
    cfg.key = (const unsigned char *)pem;
    cfg.key_len = pem_len;
    char *token = token_pkey("{\"alg\":\"ES256\",\"typ\":\"JWT\"}", ALICE, pkey);
    int64_t exp = 0;
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, &exp), ERR_OK);
    CHECK_EQ_INT(exp, 1700003600);
    char *other = token_pkey("{\"alg\":\"ES256\"}", "{\"sub\":\"alice\",\"exp\":1700003601}", pkey);
    char *spliced =
        xasprintf("%.*s%s", (int)(strrchr(other, '.') - other), other, strrchr(token, '.'));
    CHECK_EQ_INT(auth_jwt_verify(&cfg, spliced, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    char *confused = token_hmac(HS256, ALICE, EVP_sha256(), pem, pem_len);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, confused, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(confused);
    xfree(spliced);
    xfree(other);
    xfree(token);
    xfree(pem);
    EVP_PKEY_free(pkey);
}

/* auth_jwt_sign (the push providers' assertions) makes tokens auth_jwt_verify accepts: RS256
 * with a private key, with a kid header; an unusable key gives NULL. */
static void test_sign_round_trip(void)
{
    EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    REQUIRE(pkey != NULL);
    BIO *bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
    char *priv = NULL;
    long priv_len = BIO_get_mem_data(bio, &priv);
    size_t pub_len = 0;
    char *pub = public_pem(pkey, &pub_len);
    char *token = auth_jwt_sign(AUTH_JWT_RS256, priv, (size_t)priv_len, "k1", ALICE);
    REQUIRE(token != NULL);
    auth_jwt_config_t cfg = hs_config();
    cfg.alg = AUTH_JWT_RS256;
    cfg.key = (const unsigned char *)pub;
    cfg.key_len = pub_len;
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_OK);
    CHECK(auth_jwt_sign(AUTH_JWT_RS256, "nope", 4, NULL, ALICE) == NULL);
    CHECK(auth_jwt_sign(AUTH_JWT_NONE, priv, (size_t)priv_len, NULL, ALICE) == NULL);
    free(token);
    xfree(pub);
    BIO_free(bio);
    EVP_PKEY_free(pkey);
}

static void test_expired_is_70001(void)
{
    int64_t exp = -1;
    auth_jwt_config_t cfg = hs_config();
    char *token = token_hs256("{\"sub\":\"alice\",\"exp\":1699999999}");
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, &exp), ERR_USERSIG_EXPIRED);
    CHECK_EQ_INT(exp, -1);
    xfree(token);
    /* RFC 7519 §4.1.4: the current time must be before exp. */
    CHECK_EQ_INT(verify_hs_default("{\"sub\":\"alice\",\"exp\":1700000000}"), ERR_USERSIG_EXPIRED);
    CHECK_EQ_INT(verify_hs_default("{\"sub\":\"alice\",\"exp\":1700000001}"), ERR_OK);
    CHECK_EQ_INT(verify_hs_default("{\"sub\":\"alice\",\"exp\":1700000000.5}"), ERR_OK);
}

static void test_leeway_applies_to_exp(void)
{
    auth_jwt_config_t cfg = hs_config();
    cfg.leeway = 60;
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1699999941}"), ERR_OK);
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1699999940}"), ERR_USERSIG_EXPIRED);
}

static void test_missing_or_bad_exp_refused(void)
{
    CHECK_EQ_INT(verify_hs_default("{\"sub\":\"alice\"}"), ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs_default("{\"sub\":\"alice\",\"exp\":\"1700003600\"}"),
                 ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs_default("{\"sub\":\"alice\",\"exp\":null}"), ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs_default("{\"sub\":\"alice\",\"exp\":1e300}"), ERR_USERSIG_VERIFY);
}

static void test_nbf(void)
{
    auth_jwt_config_t cfg = hs_config();
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"nbf\":1700000001}"),
                 ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"nbf\":1700000000}"),
                 ERR_OK);
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"nbf\":\"soon\"}"),
                 ERR_USERSIG_VERIFY);
    cfg.leeway = 30;
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"nbf\":1700000030}"),
                 ERR_OK);
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"nbf\":1700000031}"),
                 ERR_USERSIG_VERIFY);
}

static void test_issuer(void)
{
    auth_jwt_config_t cfg = hs_config();
    cfg.issuer = "https://id.example";
    CHECK_EQ_INT(
        verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"iss\":\"https://id.example\"}"),
        ERR_OK);
    CHECK_EQ_INT(
        verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"iss\":\"https://evil.example\"}"),
        ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs(&cfg, ALICE), ERR_USERSIG_VERIFY);
    cfg.issuer = "";
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"iss\":\"anyone\"}"),
                 ERR_OK);
}

static void test_audience(void)
{
    auth_jwt_config_t cfg = hs_config();
    cfg.audience = "chatd";
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"aud\":\"chatd\"}"),
                 ERR_OK);
    CHECK_EQ_INT(
        verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"aud\":[\"web\",1,\"chatd\"]}"),
        ERR_OK);
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"aud\":\"web\"}"),
                 ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"aud\":[\"web\"]}"),
                 ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"aud\":[]}"),
                 ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"alice\",\"exp\":1700003600,\"aud\":{\"chatd\":1}}"),
                 ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs(&cfg, ALICE), ERR_USERSIG_VERIFY);
}

static void test_user_claim(void)
{
    CHECK_EQ_INT(verify_hs_default("{\"exp\":1700003600}"), ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs_default("{\"sub\":42,\"exp\":1700003600}"), ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs_default("{\"sub\":[\"alice\"],\"exp\":1700003600}"), ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(verify_hs_default("{\"sub\":\"bob\",\"exp\":1700003600}"), ERR_USERSIG_USERID);
    CHECK_EQ_INT(verify_hs_default("{\"sub\":\"Alice\",\"exp\":1700003600}"), ERR_USERSIG_USERID);
    auth_jwt_config_t cfg = hs_config();
    cfg.user_claim = "uid";
    CHECK_EQ_INT(verify_hs(&cfg, "{\"sub\":\"bob\",\"uid\":\"alice\",\"exp\":1700003600}"), ERR_OK);
    CHECK_EQ_INT(verify_hs(&cfg, ALICE), ERR_USERSIG_VERIFY);
}

static void test_bad_signature_refused(void)
{
    auth_jwt_config_t cfg = hs_config();
    char *token = token_hs256(ALICE);
    char *sig = strrchr(token, '.') + 1;
    sig[5] = sig[5] == 'A' ? 'B' : 'A';
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(token);
    token = token_hmac(HS256, ALICE, EVP_sha256(), "another secret", 14);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(token);
    token = token_hs256(ALICE);
    *strrchr(token, '.') = '\0';
    char *stripped = xasprintf("%s.", token);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, stripped, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(stripped);
    xfree(token);
}

static void test_garbage_refused(void)
{
    static const char *const bad[] = {
        "",
        ".",
        "..",
        "a.b.c",
        "not a jwt",
        "eyJhbGciOiJIUzI1NiJ9.e30.",
        "e30.e30.e30",
        "eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.AAAA",
    };
    auth_jwt_config_t cfg = hs_config();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_EQ_INT(auth_jwt_verify(&cfg, bad[i], "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, NULL, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    char *token = token_hs256("[\"alice\"]");
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(token);
}

static void test_alg_none_configured_refuses_all(void)
{
    auth_jwt_config_t cfg = hs_config();
    cfg.alg = AUTH_JWT_NONE;
    char *token = token_hs256(ALICE);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(token);
    char *input = signing_input("{\"alg\":\"none\"}", ALICE);
    token = xasprintf("%s.", input);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    cfg.key = NULL;
    cfg.key_len = 0;
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(token);
    xfree(input);
}

/* libjwt 1.10 skips the signature check when given no key. */
static void test_empty_key_refuses_all(void)
{
    auth_jwt_config_t cfg = hs_config();
    cfg.key = (const unsigned char *)"";
    cfg.key_len = 0;
    char *token = token_hmac(HS256, ALICE, EVP_sha256(), "", 0);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(token);
    token = token_hs256(ALICE);
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    cfg.key = NULL;
    CHECK_EQ_INT(auth_jwt_verify(&cfg, token, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    xfree(token);
}

static void test_alg_parse(void)
{
    auth_jwt_alg_t alg = AUTH_JWT_HS256;
    CHECK(auth_jwt_alg_parse("none", &alg) && alg == AUTH_JWT_NONE);
    CHECK(auth_jwt_alg_parse("HS256", &alg) && alg == AUTH_JWT_HS256);
    CHECK(auth_jwt_alg_parse("RS256", &alg) && alg == AUTH_JWT_RS256);
    CHECK(auth_jwt_alg_parse("ES256", &alg) && alg == AUTH_JWT_ES256);
    static const char *const bad[] = {"hs256", "HS384", "RS512", "None", "", "HS256 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!auth_jwt_alg_parse(bad[i], &alg));
    CHECK(!auth_jwt_alg_parse(NULL, &alg));
    CHECK_EQ_INT(alg, AUTH_JWT_ES256);
}

static void test_auth_verify_picks_by_shape(void)
{
    auth_config_t cfg = {.sdkappid = 1400000000, .secret_key = "usersig key", .jwt = hs_config()};
    char *jwt = token_hs256(ALICE);
    char *sig = usersig_generate(cfg.sdkappid, cfg.secret_key, "alice", NOW, 60);
    REQUIRE(sig != NULL);
    int64_t exp = 0;
    CHECK_EQ_INT(auth_verify(&cfg, jwt, "alice", NOW, &exp), ERR_OK);
    CHECK_EQ_INT(exp, 1700003600);
    CHECK_EQ_INT(auth_verify(&cfg, sig, "alice", NOW, &exp), ERR_OK);
    CHECK_EQ_INT(exp, NOW + 60);
    CHECK_EQ_INT(auth_verify(&cfg, sig, "alice", NOW + 61, NULL), ERR_USERSIG_EXPIRED);
    CHECK_EQ_INT(auth_verify(&cfg, "a.b.c", "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(auth_verify(&cfg, "a.b", "alice", NOW, NULL), ERR_USERSIG_ILLEGAL);
    CHECK_EQ_INT(auth_verify(&cfg, "a.b.c.d", "alice", NOW, NULL), ERR_USERSIG_ILLEGAL);
    CHECK_EQ_INT(auth_verify(&cfg, NULL, "alice", NOW, NULL), ERR_USERSIG_ILLEGAL);
    cfg.jwt.alg = AUTH_JWT_NONE;
    CHECK_EQ_INT(auth_verify(&cfg, jwt, "alice", NOW, NULL), ERR_USERSIG_VERIFY);
    CHECK_EQ_INT(auth_verify(&cfg, sig, "alice", NOW, NULL), ERR_OK);
    xfree(sig);
    xfree(jwt);
}

UNIT_MAIN(test_hs256_valid, test_alg_none_refused, test_other_hmac_algs_refused,
          test_crit_header_refused, test_rs256_valid_and_key_confusion_refused, test_es256_valid,
          test_expired_is_70001, test_leeway_applies_to_exp, test_missing_or_bad_exp_refused,
          test_nbf, test_issuer, test_audience, test_user_claim, test_bad_signature_refused,
          test_garbage_refused, test_alg_none_configured_refuses_all, test_empty_key_refuses_all,
          test_alg_parse, test_auth_verify_picks_by_shape, test_sign_round_trip)
