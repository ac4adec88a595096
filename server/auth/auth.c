#include "auth/auth.h"

#include <string.h>

static const struct {
    const char *name;
    auth_jwt_alg_t alg;
} JWT_ALGS[] = {
    {"none", AUTH_JWT_NONE},
    {"HS256", AUTH_JWT_HS256},
    {"RS256", AUTH_JWT_RS256},
    {"ES256", AUTH_JWT_ES256},
};

bool auth_jwt_alg_parse(const char *name, auth_jwt_alg_t *out)
{
    for (size_t i = 0; name != NULL && i < sizeof JWT_ALGS / sizeof JWT_ALGS[0]; i++) {
        if (strcmp(name, JWT_ALGS[i].name) == 0) {
            *out = JWT_ALGS[i].alg;
            return true;
        }
    }
    return false;
}

/* The UserSig alphabet has no '.', so the shape alone tells the two apart. */
static bool is_jwt(const char *token)
{
    int dots = 0;
    for (const char *p = token; *p; p++)
        dots += *p == '.';
    return dots == 2;
}

err_t auth_verify(const auth_config_t *cfg, const char *token, const char *identifier, int64_t now,
                  int64_t *expires_at)
{
    if (token == NULL)
        return ERR_USERSIG_ILLEGAL;
    if (is_jwt(token))
        return auth_jwt_verify(&cfg->jwt, token, identifier, now, expires_at);
    return usersig_verify(token, identifier, cfg->sdkappid, cfg->secret_key, now, expires_at);
}

auth_config_t auth_config_from(const config_t *cfg)
{
    auth_config_t a = {
        .sdkappid = cfg->sdkappid,
        .secret_key = cfg->secret_key,
        .jwt =
            {
                .alg = (auth_jwt_alg_t)cfg->jwt_algorithm,
                .user_claim = cfg->jwt_user_claim,
                .issuer = cfg->jwt_issuer,
                .audience = cfg->jwt_audience,
                .leeway = cfg->jwt_leeway,
            },
    };
    if (a.jwt.alg == AUTH_JWT_HS256) {
        a.jwt.key = (const unsigned char *)cfg->jwt_secret;
        a.jwt.key_len = strlen(cfg->jwt_secret);
    } else {
        a.jwt.key = (const unsigned char *)cfg->jwt_public_key;
        a.jwt.key_len = cfg->jwt_public_key_len;
    }
    return a;
}
