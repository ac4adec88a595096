/*
 * auth — who is calling: Tencent UserSig (TLSSigAPIv2) and JWT verification.
 *
 * Pure functions of their inputs (no I/O, no clock: callers pass `now`), so they are unit-tested
 * and fuzzable. usersig.c implements the UserSig codec; jwt.c is the only file that includes
 * <jwt.h> (libjwt 1.10); auth.c picks one of the two by the token's shape.
 *
 * Errors are err_t values: ERR_USERSIG_ILLEGAL (70003) cannot decode, ERR_USERSIG_VERIFY (70009)
 * signature mismatch or a JWT that fails any check, ERR_USERSIG_USERID (70013) identifier
 * mismatch, ERR_USERSIG_SDKAPPID (70014) app mismatch, ERR_USERSIG_EXPIRED (70001) expired.
 * Nothing here logs a token, a signature or a key.
 */
#ifndef CHATD_AUTH_AUTH_H
#define CHATD_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "core/attr.h"
#include "core/err.h"

/* ---- UserSig (usersig.c) ---------------------------------------------------------------- */

/* Verifies a TLSSigAPIv2 UserSig: url-base64 variant (padding optional) → zlib inflate → JSON
 * (any key order, whitespace, escaped '/') → TLS.sdkappid == sdkappid, TLS.identifier ==
 * identifier (exact bytes), not expired (expired iff now > TLS.time + TLS.expire), HMAC-SHA256
 * over the five-line content keyed with the ASCII bytes of `key`, compared in constant time.
 * A sig carrying TLS.userbuf is verified with the userbuf line included.
 * On success *expires_at (if not NULL) is TLS.time + TLS.expire. */
MUSTCHECK err_t usersig_verify(const char *sig, const char *identifier, uint64_t sdkappid,
                               const char *key, int64_t now, int64_t *expires_at);

/* Makes a UserSig as Tencent's libraries do (JSON, zlib, url-base64 variant). Returns a heap
 * string the caller frees with xfree(), or NULL when the key is empty or the identifier is not
 * valid UTF-8. */
MUSTCHECK char *usersig_generate(uint64_t sdkappid, const char *key, const char *identifier,
                                 int64_t now, int64_t expire);

/* ---- JWT (jwt.c) ------------------------------------------------------------------------ */

/* Same order as config's jwt_algorithm choices. */
typedef enum { AUTH_JWT_NONE = 0, AUTH_JWT_HS256, AUTH_JWT_RS256, AUTH_JWT_ES256 } auth_jwt_alg_t;

/* Parses "none", "HS256", "RS256", "ES256" (exact case); false if unknown. */
MUSTCHECK bool auth_jwt_alg_parse(const char *name, auth_jwt_alg_t *out);

typedef struct {
    auth_jwt_alg_t alg;       /* AUTH_JWT_NONE: JWTs are refused altogether */
    const unsigned char *key; /* HS256: the secret; RS256/ES256: PEM public key */
    size_t key_len;
    const char *user_claim; /* claim holding the user id, e.g. "sub" */
    const char *issuer;     /* NULL or "": not checked */
    const char *audience;   /* NULL or "": not checked; else must equal `aud` or be in it */
    int64_t leeway;         /* seconds of clock skew allowed on exp/nbf */
} auth_jwt_config_t;

/* Verifies a compact JWS with the configured algorithm only — the token's own `alg` header must
 * equal it (so `none`, HS-with-the-public-key confusion and HS384/HS512 are refused). `exp` is
 * required and checked here (libjwt 1.10 does not); `nbf`, `iss`, `aud` when configured. The
 * claim named user_claim must be a string equal to `identifier`. Returns ERR_OK and sets
 * *expires_at (if not NULL) to `exp`; else ERR_USERSIG_EXPIRED for an expired token,
 * ERR_USERSIG_USERID when the user claim names someone else, ERR_USERSIG_VERIFY otherwise (a
 * missing or non-string user claim, a `crit` header, a bad signature). A JWT is expired when
 * now >= exp + leeway (a UserSig only when now > time + expire). An empty user_claim means "sub".
 * Note libjwt 1.10 compares HS256 signatures with strcmp and refuses a `typ` other than "JWT". */
MUSTCHECK err_t auth_jwt_verify(const auth_jwt_config_t *cfg, const char *token,
                                const char *identifier, int64_t now, int64_t *expires_at);

/* Signs claims_json (a JSON object text) as a compact JWT with alg (RS256 or ES256: the key is
 * a PEM private key of key_len bytes; HS256: a secret), with header `kid` when not NULL: the
 * service-account assertion of FCM, the provider token of APNs. Heap string (free()), or NULL
 * when the key or the claims are unusable. */
char *auth_jwt_sign(auth_jwt_alg_t alg, const char *key, size_t key_len, const char *kid,
                    const char *claims_json);

/* ---- Either (auth.c) -------------------------------------------------------------------- */

typedef struct {
    uint64_t sdkappid;
    const char *secret_key;
    auth_jwt_config_t jwt;
} auth_config_t;

/* The auth settings of a loaded configuration (pointers into cfg). */
auth_config_t auth_config_from(const config_t *cfg);

/* A token with two '.' is a JWT, anything else a UserSig. */
MUSTCHECK err_t auth_verify(const auth_config_t *cfg, const char *token, const char *identifier,
                            int64_t now, int64_t *expires_at);

#endif
