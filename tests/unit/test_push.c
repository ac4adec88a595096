/* The pure parts of offline push: a notification's text (api/push/notice.c) and the gateway's
 * request body (push/gateway.c). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/push/push.h"
#include "push/provider.h"
#include "unit.h"

static json_t *notice_of(const char *body, const char *info)
{
    json_t *b = json_loads(body, 0, NULL), *i = info ? json_loads(info, 0, NULL) : NULL;
    json_t *n = push_notice(b, i, "alice");
    json_decref(b);
    json_decref(i);
    return n;
}

static const char *field(const json_t *n, const char *k)
{
    return json_string_value(json_object_get(n, k));
}

static void test_text_elements_run_together(void)
{
    json_t *n = notice_of("[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"hi \"}},"
                          "{\"MsgType\":\"TIMFaceElem\",\"MsgContent\":{\"Index\":1}},"
                          "{\"MsgType\":\"TIMImageElem\",\"MsgContent\":{}},"
                          "{\"MsgType\":\"TIMSoundElem\",\"MsgContent\":{}}]",
                          NULL);
    REQUIRE(n != NULL);
    CHECK_EQ_STR(field(n, "desc"), "hi [Face][Image][Voice]");
    CHECK_EQ_STR(field(n, "title"), "alice");
    CHECK_EQ_STR(field(n, "ext"), "");
    CHECK(json_is_null(json_object_get(n, "androidInfo")) ||
          json_object_get(n, "androidInfo") == NULL);
    json_decref(n);
}

static void test_offline_push_info_overrides(void)
{
    json_t *n = notice_of("[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"hi\"}}]",
                          "{\"Title\":\"T\",\"Desc\":\"D\",\"Ext\":\"E\","
                          "\"ApnsInfo\":{\"Sound\":\"s\"}}");
    REQUIRE(n != NULL);
    CHECK_EQ_STR(field(n, "title"), "T");
    CHECK_EQ_STR(field(n, "desc"), "D");
    CHECK_EQ_STR(field(n, "ext"), "E");
    CHECK_EQ_STR(json_string_value(json_object_get(json_object_get(n, "apnsInfo"), "Sound")), "s");
    json_decref(n);
}

static void test_no_notice(void)
{
    /* PushFlag 1; a lone custom element without Desc; an empty text. */
    json_t *n = notice_of("[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"hi\"}}]",
                          "{\"PushFlag\":1}");
    CHECK(n == NULL);
    n = notice_of("[{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"x\"}}]", NULL);
    CHECK(n == NULL);
    n = notice_of("[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"\"}}]", NULL);
    CHECK(n == NULL);
    /* ... but a custom element's Desc, or OfflinePushInfo's, makes one. */
    n = notice_of("[{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Data\":\"x\"}}]",
                  "{\"Desc\":\"d\"}");
    REQUIRE(n != NULL);
    CHECK_EQ_STR(field(n, "desc"), "d");
    json_decref(n);
    n = notice_of("[{\"MsgType\":\"TIMCustomElem\",\"MsgContent\":{\"Desc\":\"c\",\"Ext\":\"e\"}}]",
                  NULL);
    REQUIRE(n != NULL);
    CHECK_EQ_STR(field(n, "desc"), "c");
    CHECK_EQ_STR(field(n, "ext"), "e");
    json_decref(n);
}

static void test_gateway_body_has_every_field_and_the_id(void)
{
    json_t *row = json_pack("{s:s, s:s, s:i, s:s}", "provider", "fcm", "token", "t", "badge", 3,
                            "desc", "hi");
    push_note_t n = {42, 2, row};
    char *text = push_gateway_body(&n);
    json_t *b = json_loads(text, 0, NULL);
    REQUIRE(b != NULL);
    CHECK_EQ_INT(json_integer_value(json_object_get(b, "notificationID")), 42);
    CHECK_EQ_INT(json_integer_value(json_object_get(b, "attempt")), 2);
    CHECK_EQ_INT(json_integer_value(json_object_get(b, "badge")), 3);
    CHECK_EQ_STR(field(b, "token"), "t");
    CHECK(json_is_null(json_object_get(b, "groupID")));
    CHECK_EQ_INT(json_object_size(b), 17);
    json_decref(b);
    free(text);
    json_decref(row);
}

UNIT_MAIN(test_text_elements_run_together, test_offline_push_info_overrides, test_no_notice,
          test_gateway_body_has_every_field_and_the_id)
