/* Field tables (api/fields.h): one table read from either door's spellings into one typed
 * struct, limits and required fields enforced with the door's own name in the detail, owned
 * values released on every error. The group profile and message tables (api/group/fields.c,
 * api/message/fields.c) are the real tables under test. */
#include "api/fields.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "api/group/ops.h"
#include "api/group/rules.h"
#include "api/message/message.h"
#include "unit.h"

static json_t *parse(const char *text)
{
    json_t *v = json_loads(text, 0, NULL);
    if (v == NULL)
        fprintf(stderr, "bad JSON in test: %s\n", text);
    return v;
}

static err_t read_profile(const char *text, field_door_t door, gop_profile_t *p, char *detail)
{
    json_t *body = parse(text);
    memset(p, 0, sizeof *p);
    err_t err = fields_read(&gop_profile_fields, door, body, p, detail, 200);
    json_decref(body); /* texts are borrowed: the callers below only look at given and ints */
    return err;
}

static void test_both_doors_fill_the_same_struct(void)
{
    json_t *rest = parse("{\"Name\": \"n\", \"ApplyJoinOption\": \"FreeAccess\", "
                         "\"MuteAllMember\": \"On\", \"MaxMemberNum\": 200, "
                         "\"AppDefinedData\": [{\"Key\": \"k\", \"Value\": \"v\"}]}");
    json_t *sdk = parse("{\"groupName\": \"n\", \"addOpt\": 2, \"isAllMuted\": true, "
                        "\"memberMaxCount\": 200, \"customInfo\": {\"k\": \"v\"}}");
    gop_profile_t a = {0}, b = {0};
    char detail[200];
    REQUIRE(fields_read(&gop_profile_fields, FIELD_REST, rest, &a, detail, sizeof detail) ==
            ERR_OK);
    REQUIRE(fields_read(&gop_profile_fields, FIELD_SDK, sdk, &b, detail, sizeof detail) == ERR_OK);
    unsigned want =
        GROUP_F_NAME | GROUP_F_APPLY_OPT | GROUP_F_MUTE_ALL | GROUP_F_MAX_MEMBERS | GROUP_F_CUSTOM;
    CHECK_EQ_INT(a.given, want);
    CHECK_EQ_INT(b.given, want);
    CHECK_EQ_STR(a.name, b.name);
    CHECK_EQ_INT(a.apply_opt, GROUP_OPT_FREE);
    CHECK_EQ_INT(b.apply_opt, GROUP_OPT_FREE);
    CHECK(a.mute_all && b.mute_all);
    CHECK_EQ_INT(a.max_members, 200);
    CHECK_EQ_INT(b.max_members, 200);
    CHECK(json_equal(a.custom, b.custom));
    fields_release(&gop_profile_fields, &a);
    fields_release(&gop_profile_fields, &b);
    CHECK(a.custom == NULL && a.given == 0);
    json_decref(rest);
    json_decref(sdk);
}

static void test_a_door_reads_only_its_own_spellings(void)
{
    gop_profile_t p;
    char detail[200];
    CHECK_EQ_INT(read_profile("{\"groupName\": \"n\"}", FIELD_REST, &p, detail), ERR_OK);
    CHECK_EQ_INT(p.given, 0);
    CHECK_EQ_INT(read_profile("{\"Name\": \"n\"}", FIELD_SDK, &p, detail), ERR_OK);
    CHECK_EQ_INT(p.given, 0);
    /* HistoryMsgBeforeJoin has no SDK spelling. */
    CHECK_EQ_INT(read_profile("{\"HistoryMsgBeforeJoin\": \"On\"}", FIELD_SDK, &p, detail), ERR_OK);
    CHECK_EQ_INT(p.given, 0);
    /* A legacy spelling counts as the field. */
    CHECK_EQ_INT(read_profile("{\"ShutUpAllMember\": \"Off\"}", FIELD_REST, &p, detail), ERR_OK);
    CHECK_EQ_INT(p.given, GROUP_F_MUTE_ALL);
    CHECK(!p.mute_all);
}

static void test_limits_and_shapes_name_the_doors_field(void)
{
    static const struct {
        const char *body;
        field_door_t door;
        const char *named;
    } rows[] = {
        {"{\"Name\": \"\"}", FIELD_REST, "Name"},
        {"{\"groupName\": \"0123456789012345678901234567890\"}", FIELD_SDK, "groupName"},
        {"{\"Introduction\": 5}", FIELD_REST, "Introduction"},
        {"{\"MaxMemberCount\": 0}", FIELD_REST, "MaxMemberCount"},
        {"{\"memberMaxCount\": \"10\"}", FIELD_SDK, "memberMaxCount"},
        {"{\"ApplyJoinOption\": \"Sometimes\"}", FIELD_REST, "ApplyJoinOption"},
        {"{\"groupApproveOpt\": 7}", FIELD_SDK, "groupApproveOpt"},
        {"{\"MuteAllMember\": \"Yes\"}", FIELD_REST, "MuteAllMember"},
        {"{\"AppDefinedData\": {\"k\": \"v\"}}", FIELD_REST, "AppDefinedData"},
        {"{\"customInfo\": [{\"Key\": \"k\", \"Value\": \"v\"}]}", FIELD_SDK, "customInfo"},
        {"{\"customInfo\": {\"9bad\": \"v\"}}", FIELD_SDK, "AppDefinedData"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        gop_profile_t p;
        char detail[200] = "";
        err_t err = read_profile(rows[i].body, rows[i].door, &p, detail);
        if (err != ERR_GROUP_PARAM || strstr(detail, rows[i].named) == NULL)
            fprintf(stderr, "row %zu: %s → %d \"%s\"\n", i, rows[i].body, err, detail);
        CHECK_EQ_INT(err, ERR_GROUP_PARAM);
        CHECK(strstr(detail, rows[i].named) != NULL);
        CHECK(p.given == 0 && p.custom == NULL); /* released on error */
    }
}

static void test_required_fields(void)
{
    json_t *body = parse("{\"groupName\": \"n\"}");
    gop_new_t g = {0};
    char detail[200];
    CHECK_EQ_INT(gop_read_new(body, FIELD_SDK, true, &g, detail, sizeof detail), ERR_GROUP_PARAM);
    CHECK(strstr(detail, "groupType") != NULL);
    CHECK(g.members == NULL && g.profile.given == 0);
    json_decref(body);
}

static void test_member_list_entries_use_the_entry_table(void)
{
    json_t *rest = parse("{\"Type\": \"Public\", \"Name\": \"n\", \"MemberList\": "
                         "[{\"Member_Account\": \"a\"}, {\"Member_Account\": \"b\", \"Role\": "
                         "\"Admin\", \"AppMemberDefinedData\": [{\"Key\": \"k\", \"Value\": "
                         "\"v\"}]}]}");
    json_t *bad = parse("{\"groupType\": \"Work\", \"groupName\": \"n\", \"memberList\": "
                        "[{\"userID\": \"a\"}, {\"userID\": \"b\", \"role\": 400}]}");
    gop_new_t g = {0};
    char detail[200];
    REQUIRE(gop_read_new(rest, FIELD_REST, true, &g, detail, sizeof detail) == ERR_OK);
    CHECK_EQ_INT(g.type, GROUP_PUBLIC);
    CHECK_EQ_INT(g.n_members, 2);
    CHECK_EQ_STR(g.members[1].user, "b");
    CHECK_EQ_INT(g.members[1].role, GROUP_ROLE_ADMIN);
    CHECK_EQ_STR(json_string_value(json_object_get(g.members[1].custom, "k")), "v");
    gop_new_release(&g);
    CHECK(g.members == NULL && g.n_members == 0);
    memset(&g, 0, sizeof g);
    CHECK_EQ_INT(gop_read_new(bad, FIELD_SDK, true, &g, detail, sizeof detail), ERR_GROUP_PARAM);
    CHECK(strstr(detail, "memberList[1]") != NULL && strstr(detail, "role") != NULL);
    CHECK(g.members == NULL);
    json_decref(rest);
    json_decref(bad);
}

static err_t read_msg(const char *text, field_door_t door, msg_fields_t *f, char *detail)
{
    json_t *body = parse(text);
    memset(f, 0, sizeof *f);
    err_t err = fields_read(&msg_send_fields, door, body, f, detail, 200);
    json_decref(body);
    return err;
}

#define BODY "\"MsgBody\": [{\"MsgType\": \"TIMTextElem\", \"MsgContent\": {\"Text\": \"hi\"}}]"
#define SDK_BODY "\"msgBody\": [{\"MsgType\": \"TIMTextElem\", \"MsgContent\": {\"Text\": \"hi\"}}]"

static void test_a_field_may_be_required_on_one_door_only(void)
{
    msg_fields_t f;
    char detail[200];
    /* MsgRandom is required on REST, with Tencent's own code; random is optional on the SDK. */
    CHECK_EQ_INT(read_msg("{" BODY "}", FIELD_REST, &f, detail), ERR_OPENIM_MSG_RANDOM);
    CHECK(strstr(detail, "MsgRandom") != NULL);
    CHECK_EQ_INT(read_msg("{" SDK_BODY "}", FIELD_SDK, &f, detail), ERR_OK);
    CHECK(!(f.given & MSG_F_RANDOM) && (f.given & MSG_F_BODY));
    CHECK_EQ_INT(read_msg("{" SDK_BODY ", \"random\": -1}", FIELD_SDK, &f, detail), ERR_BAD_PARAM);
}

static void test_door_codes_and_type_codes(void)
{
    static const struct {
        const char *body;
        field_door_t door;
        err_t want;
    } rows[] = {
        {"{\"MsgRandom\": 1, " BODY ", \"MsgLifeTime\": \"60\"}", FIELD_REST,
         ERR_OPENIM_LIFETIME_TYPE},
        {"{\"MsgRandom\": 1, " BODY ", \"MsgLifeTime\": 604801}", FIELD_REST, ERR_OPENIM_LIFETIME},
        {"{\"MsgRandom\": 1, " BODY ", \"SyncOtherMachine\": 3}", FIELD_REST,
         ERR_OPENIM_SYNC_OTHER},
        {"{\"MsgRandom\": 1, " BODY ", \"OfflinePushInfo\": \"x\"}", FIELD_REST, ERR_OFFLINE_PUSH},
        {"{" SDK_BODY ", \"offlinePushInfo\": \"x\"}", FIELD_SDK, ERR_BAD_PARAM},
        {"{\"MsgRandom\": 1}", FIELD_REST,
         ERR_MSGBODY_FORMAT}, /* the check judges a missing body */
        {"{}", FIELD_SDK, ERR_MSGBODY_FORMAT},
        {"{\"MsgRandom\": 1, " BODY ", \"IsNeedReadReceipt\": true}", FIELD_REST, ERR_BAD_PARAM},
        {"{\"MsgRandom\": 1, " BODY ", \"SendMsgControl\": [\"NoUnread\", \"Loud\"]}", FIELD_REST,
         ERR_BAD_PARAM},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        msg_fields_t f;
        char detail[200] = "";
        err_t err = read_msg(rows[i].body, rows[i].door, &f, detail);
        if (err != rows[i].want)
            fprintf(stderr, "row %zu: %s → %d \"%s\"\n", i, rows[i].body, err, detail);
        CHECK_EQ_INT(err, rows[i].want);
        CHECK(detail[0] != '\0');
    }
}

static void test_flags_and_sets_per_door(void)
{
    msg_fields_t f;
    char detail[200];
    REQUIRE(read_msg("{\"MsgRandom\": 7, " BODY ", \"IsNeedReadReceipt\": 1, "
                     "\"SendMsgControl\": [\"NoLastMsg\", \"NoUnread\"], "
                     "\"ForbidCallbackControl\": [\"ForbidAfterSendMsgCallback\"]}",
                     FIELD_REST, &f, detail) == ERR_OK);
    CHECK(f.need_read_receipt);
    CHECK_EQ_INT(f.random, 7);
    CHECK_EQ_INT(f.control, MSG_CONTROL_NO_UNREAD | 1 << 1);
    CHECK_EQ_INT(f.forbid, MSG_FORBID_AFTER);
    REQUIRE(read_msg("{" SDK_BODY ", \"needReadReceipt\": true, \"onlineUserOnly\": 0, "
                     "\"disableCloudMessagePreHook\": true}",
                     FIELD_SDK, &f, detail) == ERR_OK);
    CHECK(f.need_read_receipt && !f.online_only && f.no_before_hook);
    CHECK_EQ_INT(f.given & MSG_F_CONTROL, 0); /* a REST-only field is not read on the SDK */
}

UNIT_MAIN(test_a_field_may_be_required_on_one_door_only, test_door_codes_and_type_codes,
          test_flags_and_sets_per_door, test_both_doors_fill_the_same_struct,
          test_a_door_reads_only_its_own_spellings, test_limits_and_shapes_name_the_doors_field,
          test_required_fields, test_member_list_entries_use_the_entry_table)
