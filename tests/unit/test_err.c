/* Error mapping (core/err.h): generic kinds resolved per service as Tencent spells them, Tencent
 * codes passed through, and a text for every code chatd can emit. */
#include "core/err.h"

#include <string.h>

#include "api/api.h"
#include "unit.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const err_t KINDS[] = {ERR_JSON,         ERR_BAD_PARAM, ERR_INTERNAL, ERR_NOT_ADMIN,
                              ERR_NOT_IMPORTED, ERR_DB_DOWN,   ERR_TOO_MANY};

/* Every err_t that is a Tencent code itself. */
static const err_t CODES[] = {
    ERR_URL,
    ERR_JSON_COMMON,
    ERR_NEED_ADMIN_COMMON,
    ERR_BAD_RESOURCE,
    ERR_USERID_TYPE,
    ERR_URL_PARAM,
    ERR_SDKAPPID,
    ERR_BODY_TOO_LARGE,
    ERR_USERSIG_EXPIRED,
    ERR_USERSIG_ILLEGAL,
    ERR_USERSIG_VERIFY,
    ERR_USERSIG_USERID,
    ERR_USERSIG_SDKAPPID,
    ERR_ACCOUNT_NOT_IMPORTED,
    ERR_ACCOUNT_PARAM,
    ERR_ACCOUNT_INTERNAL,
    ERR_C2C_USER_INVALID,
    ERR_OPENIM_JSON,
    ERR_OPENIM_TO_ACCOUNT,
    ERR_OPENIM_FROM_ACCOUNT,
    ERR_OPENIM_NEED_ADMIN,
    ERR_OPENIM_FORMAT,
    ERR_OPENIM_TOO_MANY,
    ERR_OPENIM_INTERNAL,
    ERR_PROFILE_PARAM,
    ERR_PROFILE_NOT_IMPORTED,
    ERR_PROFILE_NEED_ADMIN,
    ERR_PROFILE_INTERNAL,
    ERR_PROFILE_TAG,
    ERR_PROFILE_VALUE_LONG,
    ERR_PROFILE_VALUE,
    ERR_PROFILE_VALUE_TYPE,
};

static bool in_table(int code)
{
    size_t n;
    const err_entry_t *t = err_table(&n);
    for (size_t i = 0; i < n; i++)
        if (t[i].code == code)
            return true;
    return false;
}

/* The Tencent codes a service reports for the generic kinds, in KINDS order. */
static void expect_service(const char *name, const int want[N(KINDS)])
{
    const api_service_t *svc = api_service_find(name);
    REQUIRE(svc != NULL);
    for (size_t i = 0; i < N(KINDS); i++) {
        int got = err_code(KINDS[i], &svc->errors);
        if (got != want[i]) {
            fprintf(stderr, "%s:%d: %s: kind %d maps to %d, expected %d\n", __FILE__, __LINE__,
                    name, (int)KINDS[i], got, want[i]);
            unit_test_failed_ = 1;
        }
    }
}

static void test_account_service_codes(void)
{
    expect_service("im_open_login_svc",
                   (const int[]){90001, 70402, 70500, 70403, 70107, 70169, 70402});
}

static void test_openim_service_codes(void)
{
    expect_service("openim", (const int[]){90001, 90010, 91000, 90009, 70107, 70169, 90011});
}

static void test_profile_service_codes(void)
{
    expect_service("profile", (const int[]){40001, 40001, 40006, 40004, 40003, 70169, 40001});
}

static void test_no_service_defaults(void)
{
    static const int want[] = {90001, 70402, 70500, 60010, 70107, 70169, 70402};
    for (size_t i = 0; i < N(KINDS); i++)
        CHECK_EQ_INT(err_code(KINDS[i], NULL), want[i]);
    /* A service row with zero fields falls back to the same defaults. */
    static const err_service_t empty = {0};
    for (size_t i = 0; i < N(KINDS); i++)
        CHECK_EQ_INT(err_code(KINDS[i], &empty), want[i]);
}

static void test_tencent_codes_pass_through(void)
{
    const api_service_t *profile = api_service_find("profile");
    REQUIRE(profile != NULL);
    for (size_t i = 0; i < N(CODES); i++) {
        CHECK_EQ_INT(err_code(CODES[i], NULL), (int)CODES[i]);
        CHECK_EQ_INT(err_code(CODES[i], &profile->errors), (int)CODES[i]);
    }
    CHECK_EQ_INT(err_code(ERR_OK, NULL), 0);
    CHECK_EQ_INT(err_code(ERR_OK, &profile->errors), 0);
}

static void test_usersig_codes(void)
{
    CHECK_EQ_INT(ERR_USERSIG_EXPIRED, 70001);
    CHECK_EQ_INT(ERR_USERSIG_ILLEGAL, 70003);
    CHECK_EQ_INT(ERR_USERSIG_VERIFY, 70009);
    CHECK_EQ_INT(ERR_USERSIG_USERID, 70013);
    CHECK_EQ_INT(ERR_USERSIG_SDKAPPID, 70014);
    CHECK_EQ_INT(ERR_URL_PARAM, 60025);
    CHECK_EQ_INT(ERR_SDKAPPID, 60006);
    CHECK_EQ_INT(ERR_BAD_RESOURCE, 60009);
}

static void test_every_entry_has_text(void)
{
    size_t n;
    const err_entry_t *t = err_table(&n);
    REQUIRE(n > 1);
    for (size_t i = 0; i < n; i++) {
        REQUIRE(t[i].text != NULL);
        if (t[i].code == 0)
            CHECK_EQ_STR(t[i].text, "");
        else if (strlen(t[i].text) == 0)
            CHECK(!"non-empty text for a non-zero code");
        CHECK(err_text(t[i].code) == t[i].text);
    }
}

static void test_no_duplicate_codes(void)
{
    size_t n;
    const err_entry_t *t = err_table(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (t[i].code == t[j].code) {
                fprintf(stderr, "%s:%d: code %d listed twice\n", __FILE__, __LINE__, t[i].code);
                unit_test_failed_ = 1;
            }
}

/* What a handler or door can make chatd emit must be in the table (docs are checked against
 * it): every Tencent-valued err_t, and every code a generic kind maps to in every service. */
static void test_every_emitted_code_in_table(void)
{
    for (size_t i = 0; i < N(CODES); i++)
        if (!in_table((int)CODES[i])) {
            fprintf(stderr, "%s:%d: err_t %d missing from err_table\n", __FILE__, __LINE__,
                    (int)CODES[i]);
            unit_test_failed_ = 1;
        }
    size_t nops;
    const api_op_t *ops = api_ops(&nops);
    for (size_t r = 0; r <= nops; r++) {
        if (r < nops && ops[r].rest.service == NULL)
            continue;
        const api_service_t *svc = r < nops ? api_service_find(ops[r].rest.service) : NULL;
        for (size_t k = 0; k < N(KINDS); k++) {
            int code = err_code(KINDS[k], svc ? &svc->errors : NULL);
            if (!in_table(code)) {
                fprintf(stderr, "%s:%d: %s kind %d -> %d missing from err_table\n", __FILE__,
                        __LINE__, svc ? svc->name : "(none)", (int)KINDS[k], code);
                unit_test_failed_ = 1;
            }
        }
    }
}

static void test_unknown_code_text(void)
{
    CHECK(err_text(12345) != NULL && strlen(err_text(12345)) > 0);
    CHECK(err_text(-1) != NULL && strlen(err_text(-1)) > 0);
}

static void test_every_route_has_its_service_row(void)
{
    size_t n;
    const api_op_t *ops = api_ops(&n);
    REQUIRE(n > 0);
    for (size_t i = 0; i < n; i++) {
        const api_route_t *route = &ops[i].rest;
        if (route->service && api_service_find(route->service) == NULL) {
            fprintf(stderr, "%s:%d: route %s/%s has no error row for its service\n", __FILE__,
                    __LINE__, route->service, route->command);
            unit_test_failed_ = 1;
        }
    }
    CHECK(api_service_find("no_such_service") == NULL);
}

UNIT_MAIN(test_account_service_codes, test_openim_service_codes, test_profile_service_codes,
          test_no_service_defaults, test_tencent_codes_pass_through, test_usersig_codes,
          test_every_entry_has_text, test_no_duplicate_codes, test_every_emitted_code_in_table,
          test_unknown_code_text, test_every_route_has_its_service_row)
