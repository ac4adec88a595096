#include "router/policy.h"

#include <string.h>
#include <strings.h>

typedef struct {
    const char *alias;
    const char *canonical;
    platform_class_t cls;
} platform_def_t;

static const platform_def_t platforms[] = {
    {"Android", "Android", PLATFORM_CLASS_MOBILE},  {"iPhone", "iPhone", PLATFORM_CLASS_MOBILE},
    {"iOS", "iPhone", PLATFORM_CLASS_MOBILE},       {"iPad", "iPad", PLATFORM_CLASS_MOBILE},
    {"Windows", "Windows", PLATFORM_CLASS_DESKTOP}, {"PC", "Windows", PLATFORM_CLASS_DESKTOP},
    {"Mac", "Mac", PLATFORM_CLASS_DESKTOP},         {"macOS", "Mac", PLATFORM_CLASS_DESKTOP},
    {"Linux", "Linux", PLATFORM_CLASS_DESKTOP},     {"Web", "Web", PLATFORM_CLASS_WEB},
};

static const char *const policy_names[] = {"single", "dual", "triple", "multi"};

bool login_policy_parse(const char *name, login_policy_t *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, policy_names[i]) == 0) {
            *out = (login_policy_t)i;
            return true;
        }
    }
    return false;
}

static const platform_def_t *find(const char *name)
{
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++)
        if (strcasecmp(platforms[i].alias, name) == 0)
            return &platforms[i];
    return NULL;
}

const char *platform_canonical(const char *name)
{
    const platform_def_t *p = find(name);
    return p ? p->canonical : NULL;
}

platform_class_t platform_class(const char *canonical)
{
    const platform_def_t *p = find(canonical);
    return p ? p->cls : PLATFORM_CLASS_WEB;
}

/* May sessions on platforms a and b (a != b) be online together under the policy? */
static bool compatible(login_policy_t policy, const char *a, const char *b)
{
    platform_class_t ca = platform_class(a), cb = platform_class(b);
    switch (policy) {
    case LOGIN_POLICY_SINGLE:
        return false;
    case LOGIN_POLICY_DUAL:
        return ca == PLATFORM_CLASS_WEB || cb == PLATFORM_CLASS_WEB;
    case LOGIN_POLICY_TRIPLE:
        return ca != cb;
    case LOGIN_POLICY_MULTI:
        return true;
    }
    return true;
}

size_t login_policy_apply(const login_rules_t *rules, const char *const *existing, size_t n,
                          const char *platform, bool *kick)
{
    int limit =
        platform_class(platform) == PLATFORM_CLASS_WEB ? rules->max_web : rules->max_per_platform;
    size_t same = 0, kicked = 0;
    for (size_t i = 0; i < n; i++) {
        kick[i] = false;
        if (strcmp(existing[i], platform) == 0)
            same++;
        else if (!compatible(rules->policy, existing[i], platform))
            kick[i] = true;
    }
    /* Keep the newest limit-1 sessions of the same platform; the new one takes the last place. */
    size_t excess = same + 1 > (size_t)limit ? same + 1 - (size_t)limit : 0;
    for (size_t i = 0; i < n && excess > 0; i++) {
        if (strcmp(existing[i], platform) == 0) {
            kick[i] = true;
            excess--;
        }
    }
    for (size_t i = 0; i < n; i++)
        kicked += kick[i];
    return kicked;
}
