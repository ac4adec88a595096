/*
 * policy — Tencent's multi-device login policies as a pure function (unit-tested).
 *
 * Platforms fall in classes: mobile (Android, iPhone, iPad), desktop (Windows, Mac, Linux) and
 * Web. Policies (reference §4.14):
 *   single — one platform at a time;
 *   dual   — one mobile-or-desktop platform plus Web;
 *   triple — one mobile platform, one desktop platform, plus Web;
 *   multi  — every platform at once.
 * In every policy each platform keeps at most `max_per_platform` instances (`max_web` for Web);
 * the oldest sessions are the ones pushed out.
 */
#ifndef CHATD_ROUTER_POLICY_H
#define CHATD_ROUTER_POLICY_H

#include <stdbool.h>
#include <stddef.h>

typedef enum {
    LOGIN_POLICY_SINGLE = 0,
    LOGIN_POLICY_DUAL,
    LOGIN_POLICY_TRIPLE,
    LOGIN_POLICY_MULTI,
} login_policy_t;

typedef enum {
    PLATFORM_CLASS_MOBILE = 0,
    PLATFORM_CLASS_DESKTOP,
    PLATFORM_CLASS_WEB,
} platform_class_t;

typedef struct {
    login_policy_t policy;
    int max_per_platform; /* ≥ 1 */
    int max_web;          /* ≥ 1 */
} login_rules_t;

bool login_policy_parse(const char *name, login_policy_t *out);
/* The canonical spelling of a client platform ("iOS" → "iPhone", "macOS" → "Mac", "PC" →
 * "Windows"), or NULL when it is not one chatd knows. */
const char *platform_canonical(const char *name);
platform_class_t platform_class(const char *canonical);

/* Given the platforms of a user's live sessions, oldest first, decides which must go when a new
 * session on `platform` logs in: sets kick[i] for each. Returns how many. */
size_t login_policy_apply(const login_rules_t *rules, const char *const *existing, size_t n,
                          const char *platform, bool *kick);

#endif
