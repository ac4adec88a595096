#include "auth/auth.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>

/* More than this is a misconfiguration, not clock skew. */
#define MAX_LEEWAY (366 * 86400)
/* Reals beyond 2^53 lose integer precision; no honest NumericDate is that large. */
#define MAX_REAL_DATE 9007199254740992.0

static jwt_alg_t lib_alg(auth_jwt_alg_t alg)
{
    switch (alg) {
    case AUTH_JWT_HS256:
        return JWT_ALG_HS256;
    case AUTH_JWT_RS256:
        return JWT_ALG_RS256;
    case AUTH_JWT_ES256:
        return JWT_ALG_ES256;
    case AUTH_JWT_NONE:
        break;
    }
    return JWT_ALG_INVAL;
}

/* libjwt 1.10 verifies with whatever algorithm the token names (an HS256 token is checked with
 * the RSA public key PEM as its HMAC secret), and matches alg case-insensitively; only a token
 * whose header names exactly the configured algorithm may be trusted. */
static bool alg_matches(jwt_t *jwt, jwt_alg_t want)
{
    const char *alg = jwt_get_header(jwt, "alg");
    return jwt_get_alg(jwt) == want && alg != NULL && strcmp(alg, jwt_alg_str(want)) == 0;
}

/* RFC 7515 §4.1.11: a token naming extensions it calls critical must be refused by a verifier
 * that understands none of them, as we do not. */
static bool has_crit(jwt_t *jwt)
{
    char *crit = jwt_get_headers_json(jwt, "crit");
    free(crit);
    return crit != NULL;
}

/* The decoded token, or NULL unless it is signed with cfg's algorithm and key. */
static jwt_t *decode(const auth_jwt_config_t *cfg, const char *token)
{
    jwt_alg_t want = lib_alg(cfg->alg);
    /* Given no key, libjwt 1.10 skips the signature check and reports alg "none". */
    if (want == JWT_ALG_INVAL || cfg->key == NULL || cfg->key_len == 0 || cfg->key_len > INT_MAX)
        return NULL;
    jwt_t *jwt = NULL;
    if (jwt_decode(&jwt, token, cfg->key, (int)cfg->key_len) != 0)
        return NULL;
    if (!alg_matches(jwt, want) || has_crit(jwt)) {
        jwt_free(jwt);
        return NULL;
    }
    return jwt;
}

static json_t *claims_of(jwt_t *jwt)
{
    char *text = jwt_get_grants_json(jwt, NULL);
    if (text == NULL)
        return NULL;
    json_t *claims = json_loads(text, 0, NULL);
    /* jansson allocated the text; libjwt 1.10 has no free function of its own. */
    free(text);
    if (!json_is_object(claims)) {
        json_decref(claims);
        return NULL;
    }
    return claims;
}

/* NumericDate may be a real; rounding up is exact for both "now < exp" and "now >= nbf" with an
 * integer now. */
static bool numeric_date(const json_t *v, int64_t *out)
{
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    if (!json_is_real(v))
        return false;
    double d = json_real_value(v);
    if (!isfinite(d) || d > MAX_REAL_DATE || d < -MAX_REAL_DATE)
        return false;
    *out = (int64_t)d;
    if ((double)*out < d)
        (*out)++;
    return true;
}

static int64_t clamp_leeway(int64_t leeway)
{
    return leeway < 0 ? 0 : leeway > MAX_LEEWAY ? MAX_LEEWAY : leeway;
}

static int64_t add_sat(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

static err_t check_times(const auth_jwt_config_t *cfg, const json_t *claims, int64_t now,
                         int64_t *exp)
{
    int64_t leeway = clamp_leeway(cfg->leeway), nbf;
    if (!numeric_date(json_object_get(claims, "exp"), exp))
        return ERR_USERSIG_VERIFY;
    if (add_sat(now, -leeway) >= *exp)
        return ERR_USERSIG_EXPIRED;
    const json_t *nbf_v = json_object_get(claims, "nbf");
    if (nbf_v == NULL)
        return ERR_OK;
    if (!numeric_date(nbf_v, &nbf) || nbf > add_sat(now, leeway))
        return ERR_USERSIG_VERIFY;
    return ERR_OK;
}

static bool is_set(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static bool string_equals(const json_t *v, const char *s)
{
    return json_is_string(v) && strcmp(json_string_value(v), s) == 0;
}

static bool check_issuer(const auth_jwt_config_t *cfg, const json_t *claims)
{
    return !is_set(cfg->issuer) || string_equals(json_object_get(claims, "iss"), cfg->issuer);
}

/* RFC 7519 §4.1.3: aud is one string or an array of them; ours must be among them. */
static bool check_audience(const auth_jwt_config_t *cfg, const json_t *claims)
{
    if (!is_set(cfg->audience))
        return true;
    const json_t *aud = json_object_get(claims, "aud");
    if (!json_is_array(aud))
        return string_equals(aud, cfg->audience);
    size_t i;
    const json_t *v;
    json_array_foreach(aud, i, v)
    {
        if (string_equals(v, cfg->audience))
            return true;
    }
    return false;
}

static err_t check_user(const auth_jwt_config_t *cfg, const json_t *claims, const char *identifier)
{
    const char *name = is_set(cfg->user_claim) ? cfg->user_claim : "sub";
    const json_t *user = json_object_get(claims, name);
    if (!json_is_string(user))
        return ERR_USERSIG_VERIFY;
    if (identifier == NULL || strcmp(json_string_value(user), identifier) != 0)
        return ERR_USERSIG_USERID;
    return ERR_OK;
}

static err_t check_claims(const auth_jwt_config_t *cfg, const json_t *claims,
                          const char *identifier, int64_t now, int64_t *exp)
{
    err_t err = check_times(cfg, claims, now, exp);
    if (err != ERR_OK)
        return err;
    if (!check_issuer(cfg, claims) || !check_audience(cfg, claims))
        return ERR_USERSIG_VERIFY;
    return check_user(cfg, claims, identifier);
}

err_t auth_jwt_verify(const auth_jwt_config_t *cfg, const char *token, const char *identifier,
                      int64_t now, int64_t *expires_at)
{
    jwt_t *jwt = token ? decode(cfg, token) : NULL;
    if (jwt == NULL)
        return ERR_USERSIG_VERIFY;
    json_t *claims = claims_of(jwt);
    int64_t exp = 0;
    err_t err = claims ? check_claims(cfg, claims, identifier, now, &exp) : ERR_USERSIG_VERIFY;
    /* Accepted until exp + leeway, so that is when the session it opens expires. */
    if (err == ERR_OK && expires_at != NULL)
        *expires_at = add_sat(exp, clamp_leeway(cfg->leeway));
    json_decref(claims);
    jwt_free(jwt);
    return err;
}

char *auth_jwt_sign(auth_jwt_alg_t alg, const char *key, size_t key_len, const char *kid,
                    const char *claims_json)
{
    jwt_t *jwt = NULL;
    char *out = NULL;
    if (lib_alg(alg) == JWT_ALG_INVAL || jwt_new(&jwt) != 0)
        return NULL;
    if (jwt_add_grants_json(jwt, claims_json) == 0 &&
        (kid == NULL || jwt_add_header(jwt, "kid", kid) == 0) &&
        jwt_set_alg(jwt, lib_alg(alg), (const unsigned char *)key, (int)key_len) == 0)
        out = jwt_encode_str(jwt);
    jwt_free(jwt);
    return out;
}
