/* The pure parts of webhook/ and store/webhook: Sign, backoff, query strings, event bodies,
 * how answers are read, the command catalogue and OptPlatform spellings. */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/xalloc.h"
#include "store/webhook.h"
#include "unit.h"
#include "webhook/webhook.h"

static void test_sign_matches_tencents_sample(void)
{
    /* Reference §2.2: token xxxxyyyy, RequestTime 1669872112. */
    char sign[65];
    webhook_sign("xxxxyyyy", 1669872112, sign);
    CHECK_EQ_STR(sign, "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061");
    webhook_sign("", 0, sign);
    CHECK_EQ_STR(sign, "5feceb66ffc86f38d952786c6d696c79c2dbc239dd4e91b46729d73a27fb57e9");
}

static void test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half(void)
{
    static const struct {
        int attempt;
        int64_t full;
    } cases[] = {{0, 1000}, {1, 1000}, {2, 2000}, {3, 4000}, {5, 16000}, {9, 60000}, {100, 60000}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t lo = webhook_backoff_ms(cases[i].attempt, 1000, 60000, 0);
        int64_t hi = webhook_backoff_ms(cases[i].attempt, 1000, 60000, UINT32_MAX - 1);
        CHECK_EQ_INT(lo, cases[i].full - cases[i].full / 2);
        CHECK(hi <= cases[i].full && hi >= lo);
        for (uint32_t r = 0; r < 1000; r += 7) {
            int64_t d = webhook_backoff_ms(cases[i].attempt, 1000, 60000, r * 2654435761u);
            CHECK(d >= lo && d <= cases[i].full);
        }
    }
    CHECK_EQ_INT(webhook_backoff_ms(3, 1, 1, 12345), 1);
}

static void test_query_has_tencents_parameters_and_encodes_values(void)
{
    char *q = webhook_query(1400000000, "C2C.CallbackAfterSendMsg", "10.0.0.1", "RESTAPI", "", 5);
    CHECK_EQ_STR(q, "SdkAppid=1400000000&CallbackCommand=C2C.CallbackAfterSendMsg&contenttype=json"
                    "&ClientIP=10.0.0.1&OptPlatform=RESTAPI");
    xfree(q);
    q = webhook_query(1, "State.StateChange", "::1", "a b&c", "xxxxyyyy", 1669872112);
    CHECK_EQ_STR(q, "SdkAppid=1&CallbackCommand=State.StateChange&contenttype=json&ClientIP=%3A%3A1"
                    "&OptPlatform=a%20b%26c"
                    "&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061"
                    "&RequestTime=1669872112");
    xfree(q);
}

static void test_event_body_puts_command_first_and_adds_time_and_id(void)
{
    char *b = webhook_event_body("X.Y", "{\"A\" : 1, \"B\":\"b\"}", 1700000000123, 42);
    CHECK_EQ_STR(b,
                 "{\"CallbackCommand\":\"X.Y\",\"A\" : 1, \"B\":\"b\",\"EventTime\":1700000000123,"
                 "\"EventId\":42}");
    xfree(b);
    b = webhook_event_body("X.Y", " {} ", 1, 2);
    CHECK_EQ_STR(b, "{\"CallbackCommand\":\"X.Y\",\"EventTime\":1,\"EventId\":2}");
    xfree(b);
    /* F2 (docs/security.md): a carriage return inside an empty object is a blank too. */
    b = webhook_event_body("X.Y", "{ \r\n}", 1, 2);
    CHECK_EQ_STR(b, "{\"CallbackCommand\":\"X.Y\",\"EventTime\":1,\"EventId\":2}");
    xfree(b);
    CHECK(webhook_event_body("X.Y", "[1]", 1, 2) == NULL);
    CHECK(webhook_event_body("X.Y", "", 1, 2) == NULL);
}

static void test_after_ok_needs_200_and_a_success_body(void)
{
    static const struct {
        int status;
        const char *body;
        bool ok;
    } cases[] = {
        {200, "{\"ActionStatus\":\"OK\",\"ErrorInfo\":\"\",\"ErrorCode\":0}", true},
        {200, "{\"ErrorCode\":0}", true},
        {200, "{\"ActionStatus\":\"OK\"}", true},
        {200, "{\"ActionStatus\":\"FAIL\",\"ErrorCode\":0}", false},
        {200, "{\"ActionStatus\":\"OK\",\"ErrorCode\":1}", false},
        {200, "{\"ErrorCode\":\"0\"}", false},
        {200, "{}", false},
        {200, "[]", false},
        {200, "OK", false},
        {200, "", false},
        {500, "{\"ErrorCode\":0}", false},
        {204, "", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char why[200] = "";
        bool ok = webhook_after_ok(cases[i].status, cases[i].body, strlen(cases[i].body), why,
                                   sizeof why);
        if (ok != cases[i].ok)
            fprintf(stderr, "case %zu (%d %s): got %d\n", i, cases[i].status, cases[i].body, ok);
        CHECK(ok == cases[i].ok);
        CHECK(ok || why[0] != '\0');
    }
}

static void test_before_answers_per_reference(void)
{
    const store_webhook_cmd_def_t *c2c = store_webhook_cmd(STORE_WEBHOOK_C2C_BEFORE_SEND);
    const store_webhook_cmd_def_t *group = store_webhook_cmd(STORE_WEBHOOK_GROUP_BEFORE_SEND);
    static const struct {
        int status;
        const char *body;
        bool group;
        webhook_before_kind_t kind;
        int code;
        const char *info;
    } cases[] = {
        {200, "{\"ActionStatus\":\"OK\",\"ErrorCode\":0}", false, WEBHOOK_BEFORE_ALLOW, 0, NULL},
        {200, "{\"ActionStatus\":\"OK\"}", false, WEBHOOK_BEFORE_ALLOW, 0, NULL},
        {200, "{\"ErrorCode\":1}", false, WEBHOOK_BEFORE_REFUSE, 20006, NULL},
        {200, "{\"ErrorCode\":1}", true, WEBHOOK_BEFORE_REFUSE, 10016, NULL},
        {200, "{\"ErrorCode\":2}", false, WEBHOOK_BEFORE_DROP, 0, NULL},
        {200, "{\"ErrorCode\":120001,\"ErrorInfo\":\"no\"}", false, WEBHOOK_BEFORE_REFUSE, 120001,
         "no"},
        {200, "{\"ErrorCode\":130000}", false, WEBHOOK_BEFORE_REFUSE, 130000,
         "refused by the app's callback"},
        {200, "{\"ErrorCode\":130001}", false, WEBHOOK_BEFORE_FAILED, 0, NULL},
        {200, "{\"ErrorCode\":120001}", true, WEBHOOK_BEFORE_FAILED, 0, NULL},
        {200, "{\"ErrorCode\":10100,\"ErrorInfo\":\"g\"}", true, WEBHOOK_BEFORE_REFUSE, 10100, "g"},
        {200, "{\"ErrorCode\":3}", false, WEBHOOK_BEFORE_FAILED, 0, NULL},
        {200, "{\"ActionStatus\":\"FAIL\"}", false, WEBHOOK_BEFORE_FAILED, 0, NULL},
        {200, "not json", false, WEBHOOK_BEFORE_FAILED, 0, NULL},
        {502, "{\"ErrorCode\":0}", false, WEBHOOK_BEFORE_FAILED, 0, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        webhook_before_t b;
        webhook_before_parse(cases[i].group ? group : c2c, cases[i].status, cases[i].body,
                             strlen(cases[i].body), &b);
        if (b.kind != cases[i].kind)
            fprintf(stderr, "case %zu (%s): kind %d\n", i, cases[i].body, b.kind);
        CHECK_EQ_INT(b.kind, cases[i].kind);
        if (cases[i].kind == WEBHOOK_BEFORE_REFUSE)
            CHECK_EQ_INT(b.code, cases[i].code);
        if (cases[i].info)
            CHECK_EQ_STR(b.info, cases[i].info);
        if (b.kind == WEBHOOK_BEFORE_FAILED)
            CHECK(b.info[0] != '\0');
        CHECK((b.kind == WEBHOOK_BEFORE_ALLOW) == (b.reply != NULL));
        json_decref(b.reply);
    }
}

static void test_before_allow_keeps_replacement_fields(void)
{
    const char *body = "{\"ErrorCode\":0,\"MsgBody\":[{\"MsgType\":\"TIMTextElem\"}],"
                       "\"CloudCustomData\":\"x\"}";
    webhook_before_t b;
    webhook_before_parse(store_webhook_cmd(STORE_WEBHOOK_C2C_BEFORE_SEND), 200, body, strlen(body),
                         &b);
    REQUIRE(b.kind == WEBHOOK_BEFORE_ALLOW);
    CHECK(json_is_array(json_object_get(b.reply, "MsgBody")));
    CHECK_EQ_STR(json_string_value(json_object_get(b.reply, "CloudCustomData")), "x");
    json_decref(b.reply);
}

static void test_command_list_parses_names_and_all(void)
{
    uint64_t mask = 0;
    char err[200];
    CHECK(store_webhook_cmds_parse("all", &mask, err, sizeof err));
    CHECK(mask == (((uint64_t)1 << STORE_WEBHOOK_NCMDS) - 1));
    CHECK(store_webhook_cmds_parse(" C2C.CallbackAfterSendMsg ,State.StateChange,", &mask, err,
                                   sizeof err));
    CHECK(mask == (((uint64_t)1 << STORE_WEBHOOK_C2C_AFTER_SEND) |
                   ((uint64_t)1 << STORE_WEBHOOK_STATE_CHANGE)));
    CHECK(!store_webhook_cmds_parse("C2C.CallbackAfterSendMsg,c2c.callbackaftersendmsg", &mask, err,
                                    sizeof err));
    CHECK(strstr(err, "c2c.callbackaftersendmsg") != NULL);
    CHECK(!store_webhook_cmds_parse(" , ", &mask, err, sizeof err));
    for (int i = 0; i < STORE_WEBHOOK_NCMDS; i++) {
        store_webhook_cmd_t c;
        const store_webhook_cmd_def_t *def = store_webhook_cmd((store_webhook_cmd_t)i);
        REQUIRE(def != NULL && def->name != NULL);
        CHECK(store_webhook_cmd_find(def->name, &c) && c == (store_webhook_cmd_t)i);
        CHECK(!def->before || def->custom_max > 0);
    }
    CHECK(store_webhook_cmd(STORE_WEBHOOK_NCMDS) == NULL);
}

static void test_opt_platform_spellings(void)
{
    CHECK_EQ_STR(store_webhook_platform(NULL, STORE_WEBHOOK_C2C_AFTER_SEND), "RESTAPI");
    CHECK_EQ_STR(store_webhook_platform("RESTAPI", STORE_WEBHOOK_STATE_CHANGE), "RESTAPI");
    CHECK_EQ_STR(store_webhook_platform("iPhone", STORE_WEBHOOK_C2C_AFTER_SEND), "iOS");
    CHECK_EQ_STR(store_webhook_platform("iPhone", STORE_WEBHOOK_STATE_CHANGE), "IOS");
    CHECK_EQ_STR(store_webhook_platform("iPad", STORE_WEBHOOK_STATE_CHANGE), "iPad");
    CHECK_EQ_STR(store_webhook_platform("Mac", STORE_WEBHOOK_PORTRAIT_SET), "Mac");
    CHECK_EQ_STR(store_webhook_platform("Web", STORE_WEBHOOK_PORTRAIT_SET), "Web");
    CHECK_EQ_STR(store_webhook_platform("Toaster", STORE_WEBHOOK_PORTRAIT_SET), "Unknown");
}

static void test_app_defined_codes_have_no_text_of_their_own(void)
{
    CHECK(err_app_defined(120001) && err_app_defined(130000) && err_app_defined(10100));
    CHECK(!err_app_defined(120000) && !err_app_defined(130001) && !err_app_defined(20006));
    CHECK_EQ_STR(err_text(125000), "");
    CHECK(err_text(20006)[0] != '\0' && err_text(80003)[0] != '\0');
}

UNIT_MAIN(test_sign_matches_tencents_sample,
          test_backoff_doubles_up_to_the_cap_with_jitter_in_the_upper_half,
          test_query_has_tencents_parameters_and_encodes_values,
          test_event_body_puts_command_first_and_adds_time_and_id,
          test_after_ok_needs_200_and_a_success_body, test_before_answers_per_reference,
          test_before_allow_keeps_replacement_fields, test_command_list_parses_names_and_all,
          test_opt_platform_spellings, test_app_defined_codes_have_no_text_of_their_own)
