/* Group rules (api/group_rules.h): each type's row of the capability matrix (reference §5.1),
 * the role decisions (who may kick, mute, set admins, invite, modify, quit, dismiss), the
 * spellings of both doors, group ID rules (§5.5) and custom-field keys (§5.4). */
#include "api/group/rules.h"

#include <string.h>

#include "unit.h"

#define CHECK_ROW(cond, row, what)                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: CHECK failed: %s (row %zu: %s)\n", __FILE__, __LINE__, #cond,  \
                    (size_t)(row), what);                                                          \
            unit_test_failed_ = 1;                                                                 \
        }                                                                                          \
    } while (0)

#define N GROUP_ROLE_NONE
#define M GROUP_ROLE_MEMBER
#define A GROUP_ROLE_ADMIN
#define O GROUP_ROLE_OWNER
#define X GROUP_ROLE_APP_ADMIN

static const group_type_t W = GROUP_WORK, P = GROUP_PUBLIC, MT = GROUP_MEETING,
                          AV = GROUP_AVCHATROOM, C = GROUP_COMMUNITY;

static void test_type_spellings(void)
{
    static const struct {
        const char *s;
        bool ok;
        group_type_t t;
    } rows[] = {
        {"Private", true, GROUP_WORK},
        {"Work", true, GROUP_WORK},
        {"Public", true, GROUP_PUBLIC},
        {"ChatRoom", true, GROUP_MEETING},
        {"Meeting", true, GROUP_MEETING},
        {"AVChatRoom", true, GROUP_AVCHATROOM},
        {"BChatRoom", true, GROUP_AVCHATROOM},
        {"Community", true, GROUP_COMMUNITY},
        {"private", false, GROUP_WORK},
        {"", false, GROUP_WORK},
        {NULL, false, GROUP_WORK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        group_type_t t = GROUP_TYPE_COUNT;
        bool ok = group_type_parse(rows[i].s, &t);
        CHECK_ROW(ok == rows[i].ok, i, rows[i].s ? rows[i].s : "NULL");
        if (ok)
            CHECK_ROW(t == rows[i].t, i, rows[i].s);
    }
    /* REST emits the legacy names, the SDK the new ones. */
    CHECK_EQ_STR(group_type_rest(GROUP_WORK), "Private");
    CHECK_EQ_STR(group_type_rest(GROUP_MEETING), "ChatRoom");
    CHECK_EQ_STR(group_type_sdk(GROUP_WORK), "Work");
    CHECK_EQ_STR(group_type_sdk(GROUP_MEETING), "Meeting");
}

static void test_role_and_option_spellings(void)
{
    CHECK_EQ_INT(group_role_parse("Owner"), GROUP_ROLE_OWNER);
    CHECK_EQ_INT(group_role_parse("Admin"), GROUP_ROLE_ADMIN);
    CHECK_EQ_INT(group_role_parse("Member"), GROUP_ROLE_MEMBER);
    CHECK_EQ_INT(group_role_parse("NotMember"), GROUP_ROLE_NONE);
    CHECK_EQ_INT(group_role_parse(NULL), GROUP_ROLE_NONE);
    CHECK_EQ_INT(group_role_sdk(GROUP_ROLE_OWNER), 400);
    CHECK_EQ_INT(group_role_sdk(GROUP_ROLE_ADMIN), 300);
    CHECK_EQ_INT(group_role_sdk(GROUP_ROLE_MEMBER), 200);
    CHECK_EQ_INT(group_role_from_sdk(300), GROUP_ROLE_ADMIN);
    CHECK_EQ_INT(group_role_from_sdk(100), GROUP_ROLE_NONE);

    group_opt_t o;
    CHECK(group_opt_parse("FreeAccess", &o) && o == GROUP_OPT_FREE);
    CHECK(group_opt_parse("NeedPermission", &o) && o == GROUP_OPT_PERMISSION);
    CHECK(group_opt_parse("DisableApply", &o) && o == GROUP_OPT_DISABLE);
    CHECK(group_opt_parse("DisableInvite", &o) && o == GROUP_OPT_DISABLE);
    CHECK(!group_opt_parse("freeaccess", &o));
    CHECK_EQ_STR(group_opt_rest(GROUP_OPT_DISABLE, false), "DisableApply");
    CHECK_EQ_STR(group_opt_rest(GROUP_OPT_DISABLE, true), "DisableInvite");
    CHECK_EQ_INT(group_opt_sdk(GROUP_OPT_FREE), 2);
    CHECK_EQ_INT(group_opt_sdk(GROUP_OPT_PERMISSION), 1);
    CHECK_EQ_INT(group_opt_sdk(GROUP_OPT_DISABLE), 0);
    CHECK(group_opt_from_sdk(1, &o) && o == GROUP_OPT_PERMISSION);
    CHECK(!group_opt_from_sdk(3, &o));

    CHECK_EQ_INT(group_msg_flag_to_recv_opt("AcceptAndNotify"), 0);
    CHECK_EQ_INT(group_msg_flag_to_recv_opt("Discard"), 1);
    CHECK_EQ_INT(group_msg_flag_to_recv_opt("AcceptNotNotify"), 2);
    CHECK_EQ_INT(group_msg_flag_to_recv_opt("bogus"), -1);
    CHECK_EQ_STR(group_msg_flag_from_recv_opt(3), "AcceptNotNotifyExceptAt");
}

/* The matrix's flags per type. */
static void test_type_rows(void)
{
    static const struct {
        group_type_t t;
        bool admins, owner_quits, history, unread, pre_join, importable, initial, listed;
        int64_t max;
    } rows[] = {
        {GROUP_WORK, false, true, true, true, false, true, true, true, 6000},
        {GROUP_PUBLIC, true, false, true, true, false, true, true, true, 6000},
        {GROUP_MEETING, true, false, true, false, true, true, true, true, 6000},
        {GROUP_AVCHATROOM, true, false, false, false, false, false, false, false, 0},
        {GROUP_COMMUNITY, true, false, true, true, false, true, true, true, 100000},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const group_type_rules_t *r = group_rules(rows[i].t);
        const char *what = r->rest_name;
        CHECK_ROW(r->has_admins == rows[i].admins, i, what);
        CHECK_ROW(r->owner_may_quit == rows[i].owner_quits, i, what);
        CHECK_ROW(r->stores_history == rows[i].history, i, what);
        CHECK_ROW(r->counts_unread == rows[i].unread, i, what);
        CHECK_ROW(group_rule_pre_join_visible(rows[i].t, r->history_before_join) ==
                      rows[i].pre_join,
                  i, what);
        CHECK_ROW(r->importable == rows[i].importable, i, what);
        CHECK_ROW(r->initial_members == rows[i].initial, i, what);
        CHECK_ROW(r->in_joined_list == rows[i].listed, i, what);
        CHECK_ROW(r->default_max_members == rows[i].max, i, what);
    }
    /* HistoryMsgBeforeJoin switches it for Work/Public/Meeting; AVChatRoom never has history. */
    CHECK(group_rule_pre_join_visible(GROUP_WORK, true));
    CHECK(!group_rule_pre_join_visible(GROUP_MEETING, false));
    CHECK(!group_rule_pre_join_visible(GROUP_AVCHATROOM, true));
    CHECK(group_rules(GROUP_WORK)->needs_activation);
    CHECK(!group_rules(GROUP_PUBLIC)->needs_activation);
}

static void test_join(void)
{
    static const struct {
        group_type_t t;
        group_opt_t opt;
        err_t err;
        bool approval;
    } rows[] = {
        {GROUP_WORK, GROUP_OPT_FREE, ERR_GROUP_PERMISSION, false}, /* invitation only */
        {GROUP_PUBLIC, GROUP_OPT_PERMISSION, ERR_OK, true},
        {GROUP_PUBLIC, GROUP_OPT_FREE, ERR_OK, false},
        {GROUP_PUBLIC, GROUP_OPT_DISABLE, ERR_GROUP_PERMISSION, false},
        {GROUP_MEETING, GROUP_OPT_FREE, ERR_OK, false},
        {GROUP_MEETING, GROUP_OPT_PERMISSION, ERR_OK, true},
        {GROUP_AVCHATROOM, GROUP_OPT_PERMISSION, ERR_OK, false}, /* always free */
        {GROUP_AVCHATROOM, GROUP_OPT_DISABLE, ERR_OK, false},
        {GROUP_COMMUNITY, GROUP_OPT_FREE, ERR_OK, false},
        {GROUP_COMMUNITY, GROUP_OPT_DISABLE, ERR_GROUP_PERMISSION, false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bool approval = !rows[i].approval;
        CHECK_ROW(group_rule_join(rows[i].t, rows[i].opt, &approval) == rows[i].err, i,
                  group_type_rest(rows[i].t));
        CHECK_ROW(approval == rows[i].approval, i, group_type_rest(rows[i].t));
    }
}

static void test_invite(void)
{
    static const struct {
        group_type_t t;
        group_opt_t opt;
        group_role_t actor;
        err_t err;
        bool approval;
    } rows[] = {
        {GROUP_WORK, GROUP_OPT_FREE, M, ERR_OK, false},
        {GROUP_WORK, GROUP_OPT_PERMISSION, M, ERR_OK, true},
        {GROUP_WORK, GROUP_OPT_PERMISSION, O, ERR_OK, false},
        {GROUP_WORK, GROUP_OPT_DISABLE, M, ERR_GROUP_PERMISSION, false},
        {GROUP_WORK, GROUP_OPT_FREE, N, ERR_GROUP_PERMISSION, false},
        {GROUP_PUBLIC, GROUP_OPT_FREE, M, ERR_GROUP_PERMISSION, false},
        {GROUP_PUBLIC, GROUP_OPT_PERMISSION, A, ERR_OK, false},
        {GROUP_MEETING, GROUP_OPT_FREE, M, ERR_GROUP_PERMISSION, false},
        {GROUP_MEETING, GROUP_OPT_FREE, O, ERR_OK, false},
        {GROUP_AVCHATROOM, GROUP_OPT_FREE, O, ERR_GROUP_PERMISSION, false},
        {GROUP_AVCHATROOM, GROUP_OPT_FREE, X, ERR_GROUP_PERMISSION, false},
        {GROUP_COMMUNITY, GROUP_OPT_FREE, M, ERR_OK, false},
        {GROUP_COMMUNITY, GROUP_OPT_PERMISSION, M, ERR_OK, true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        bool approval = !rows[i].approval;
        CHECK_ROW(group_rule_invite(rows[i].t, rows[i].opt, rows[i].actor, &approval) ==
                      rows[i].err,
                  i, group_type_rest(rows[i].t));
        if (rows[i].err == ERR_OK)
            CHECK_ROW(approval == rows[i].approval, i, group_type_rest(rows[i].t));
    }
}

/* Who may kick whom, per type: a member can't kick, an admin can't kick the owner or another
 * admin, nobody kicks in an AVChatRoom, Work groups have only the owner. */
static void test_kick(void)
{
    static const struct {
        group_type_t t;
        group_role_t actor, target;
        err_t err;
    } rows[] = {
        {GROUP_PUBLIC, M, M, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, A, M, ERR_OK},
        {GROUP_PUBLIC, A, A, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, A, O, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, O, A, ERR_OK},
        {GROUP_PUBLIC, O, M, ERR_OK},
        {GROUP_PUBLIC, X, A, ERR_OK},
        {GROUP_PUBLIC, X, O, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, N, M, ERR_GROUP_PERMISSION},
        {GROUP_WORK, M, M, ERR_GROUP_PERMISSION},
        {GROUP_WORK, O, M, ERR_OK},
        {GROUP_WORK, X, M, ERR_OK},
        {GROUP_MEETING, A, M, ERR_OK},
        {GROUP_COMMUNITY, A, M, ERR_OK},
        {GROUP_COMMUNITY, A, A, ERR_GROUP_PERMISSION},
        {GROUP_AVCHATROOM, O, M, ERR_GROUP_PERMISSION},
        {GROUP_AVCHATROOM, X, M, ERR_GROUP_PERMISSION},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_ROW(group_rule_kick(rows[i].t, rows[i].actor, rows[i].target) == rows[i].err, i,
                  group_type_rest(rows[i].t));
}

static void test_mute(void)
{
    static const struct {
        group_type_t t;
        group_role_t actor, target;
        err_t err;
    } rows[] = {
        {GROUP_WORK, O, M, ERR_GROUP_PERMISSION}, /* Work members do not mute… */
        {GROUP_WORK, X, M, ERR_OK},               /* …but app admins do */
        {GROUP_PUBLIC, M, M, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, A, M, ERR_OK},
        {GROUP_PUBLIC, A, A, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, O, A, ERR_OK},
        {GROUP_PUBLIC, X, O, ERR_GROUP_PERMISSION}, /* the owner is never muted */
        {GROUP_MEETING, A, M, ERR_OK},
        {GROUP_AVCHATROOM, O, M, ERR_OK},
        {GROUP_AVCHATROOM, M, M, ERR_GROUP_PERMISSION},
        {GROUP_COMMUNITY, A, M, ERR_OK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_ROW(group_rule_mute(rows[i].t, rows[i].actor, rows[i].target) == rows[i].err, i,
                  group_type_rest(rows[i].t));
    CHECK(group_rule_mute_all(P, A) == ERR_OK);
    CHECK(group_rule_mute_all(P, M) == ERR_GROUP_PERMISSION);
    CHECK(group_rule_mute_all(W, O) == ERR_GROUP_PERMISSION);
    CHECK(group_rule_mute_all(W, X) == ERR_OK);
}

static void test_set_admin_and_transfer(void)
{
    static const struct {
        group_type_t t;
        group_role_t actor, target;
        err_t admin, transfer;
    } rows[] = {
        {GROUP_WORK, O, M, ERR_GROUP_PERMISSION, ERR_OK},
        {GROUP_WORK, X, M, ERR_GROUP_PERMISSION, ERR_OK},
        {GROUP_PUBLIC, O, M, ERR_OK, ERR_OK},
        {GROUP_PUBLIC, O, A, ERR_OK, ERR_OK},
        {GROUP_PUBLIC, A, M, ERR_GROUP_PERMISSION, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, M, M, ERR_GROUP_PERMISSION, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, X, O, ERR_GROUP_PERMISSION, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, O, N, ERR_GROUP_PERMISSION, ERR_GROUP_PERMISSION},
        {GROUP_AVCHATROOM, O, M, ERR_OK, ERR_GROUP_PERMISSION},
        {GROUP_COMMUNITY, X, M, ERR_OK, ERR_OK},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        CHECK_ROW(group_rule_set_admin(rows[i].t, rows[i].actor, rows[i].target) == rows[i].admin,
                  i, group_type_rest(rows[i].t));
        CHECK_ROW(group_rule_transfer(rows[i].t, rows[i].actor, rows[i].target) == rows[i].transfer,
                  i, group_type_rest(rows[i].t));
    }
}

static void test_modify(void)
{
    const unsigned basic = GROUP_F_NAME | GROUP_F_NOTIFICATION;
    static const struct {
        group_type_t t;
        group_role_t actor;
        unsigned fields;
        err_t err;
    } rows[] = {
        {GROUP_WORK, M, GROUP_F_NAME | GROUP_F_NOTIFICATION, ERR_OK},
        {GROUP_WORK, M, GROUP_F_CUSTOM, ERR_GROUP_PERMISSION},
        {GROUP_WORK, M, GROUP_F_APPLY_OPT, ERR_GROUP_PERMISSION},
        {GROUP_WORK, O, GROUP_F_CUSTOM, ERR_OK},
        {GROUP_WORK, O, GROUP_F_MUTE_ALL, ERR_GROUP_PERMISSION},
        {GROUP_WORK, N, GROUP_F_NAME, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, M, GROUP_F_NAME, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, A, GROUP_F_NAME | GROUP_F_CUSTOM, ERR_OK},
        {GROUP_PUBLIC, A, GROUP_F_MUTE_ALL, ERR_OK},
        {GROUP_PUBLIC, O, GROUP_F_MAX_MEMBERS, ERR_GROUP_PERMISSION},
        {GROUP_PUBLIC, X, GROUP_F_MAX_MEMBERS, ERR_OK},
        {GROUP_MEETING, A, GROUP_F_NAME, ERR_GROUP_PERMISSION},
        {GROUP_MEETING, O, GROUP_F_NAME, ERR_OK},
        {GROUP_AVCHATROOM, A, GROUP_F_NAME, ERR_GROUP_PERMISSION},
        {GROUP_AVCHATROOM, O, GROUP_F_HISTORY, ERR_GROUP_PERMISSION},
        {GROUP_COMMUNITY, A, GROUP_F_INTRODUCTION, ERR_OK},
        {GROUP_COMMUNITY, X, GROUP_F_HISTORY, ERR_GROUP_PERMISSION},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_ROW(group_rule_modify(rows[i].t, rows[i].actor, rows[i].fields) == rows[i].err, i,
                  group_type_rest(rows[i].t));
    CHECK(group_rule_modify(W, M, basic) == ERR_OK);
    CHECK(group_rule_modify(P, N, 0) == ERR_OK);
}

static void test_quit_dismiss_applications(void)
{
    CHECK(group_rule_quit(W, O) == ERR_OK); /* the group becomes ownerless */
    CHECK(group_rule_quit(P, O) == ERR_GROUP_OWNER_QUIT);
    CHECK(group_rule_quit(MT, O) == ERR_GROUP_OWNER_QUIT);
    CHECK(group_rule_quit(AV, O) == ERR_GROUP_OWNER_QUIT);
    CHECK(group_rule_quit(C, O) == ERR_GROUP_OWNER_QUIT);
    CHECK(group_rule_quit(P, M) == ERR_OK);
    CHECK(group_rule_quit(P, N) == ERR_GROUP_PERMISSION);

    CHECK(group_rule_dismiss(W, O) == ERR_GROUP_PERMISSION); /* Work: app admins only */
    CHECK(group_rule_dismiss(W, X) == ERR_OK);
    CHECK(group_rule_dismiss(P, O) == ERR_OK);
    CHECK(group_rule_dismiss(P, A) == ERR_GROUP_PERMISSION);
    CHECK(group_rule_dismiss(AV, O) == ERR_OK);

    CHECK(group_rule_handle_application(P, A) == ERR_OK);
    CHECK(group_rule_handle_application(P, M) == ERR_GROUP_PERMISSION);
    CHECK(group_rule_handle_application(W, O) == ERR_OK);
    CHECK(group_rule_handle_application(W, M) == ERR_GROUP_PERMISSION);

    CHECK(group_rule_member_info(P, M, M, true) == ERR_OK);
    CHECK(group_rule_member_info(P, M, M, false) == ERR_GROUP_PERMISSION);
    CHECK(group_rule_member_info(P, A, M, false) == ERR_OK);
    CHECK(group_rule_member_info(P, A, A, false) == ERR_GROUP_PERMISSION);
    CHECK(group_rule_member_info(P, O, A, false) == ERR_OK);
    CHECK(group_rule_member_info(P, N, N, true) == ERR_GROUP_PERMISSION);

    CHECK(group_rule_read_info(W, N) == ERR_GROUP_PERMISSION);
    CHECK(group_rule_read_info(P, N) == ERR_OK);
}

static void test_custom_ids(void)
{
    static const struct {
        group_type_t t;
        const char *id;
        bool ok;
    } rows[] = {
        {GROUP_PUBLIC, "team-42", true},
        {GROUP_PUBLIC, "a", true},
        {GROUP_PUBLIC, "", false},
        {GROUP_PUBLIC, "@TGS#abc", false},
        {GROUP_PUBLIC, "@TGS#_abc", false},
        {GROUP_PUBLIC, "with space ok", true},
        {GROUP_PUBLIC, "tab\there", false},
        {GROUP_PUBLIC, "caf\xc3\xa9", false},
        {GROUP_PUBLIC, "12345678901234567890123456789012345678901234567", true},   /* 47 */
        {GROUP_PUBLIC, "123456789012345678901234567890123456789012345678", false}, /* 48 */
        {GROUP_COMMUNITY, "@TGS#_club", true},
        {GROUP_COMMUNITY, "club", false},
        {GROUP_COMMUNITY, "@TGS#club", false},
        {GROUP_COMMUNITY, "@TGS#_", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_ROW(group_id_valid_custom(rows[i].t, rows[i].id, strlen(rows[i].id)) == rows[i].ok, i,
                  rows[i].id);
}

static void test_generated_ids(void)
{
    const unsigned char rnd[10] = {0, 1, 2, 61, 62, 255, 10, 36, 100, 7};
    char id[40];
    group_id_generate(GROUP_PUBLIC, rnd, id, sizeof id);
    CHECK(strncmp(id, "@TGS#", 5) == 0);
    CHECK_EQ_INT(strlen(id), 15);
    for (size_t i = 5; i < strlen(id); i++)
        CHECK((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'A' && id[i] <= 'Z') ||
              (id[i] >= 'a' && id[i] <= 'z'));
    group_id_generate(GROUP_COMMUNITY, rnd, id, sizeof id);
    CHECK(strncmp(id, "@TGS#_@TGS#", 11) == 0);
    CHECK(strlen(id) < 48);
}

static void test_custom_keys(void)
{
    static const struct {
        const char *key;
        bool ok;
    } rows[] = {
        {"level", true},
        {"Level_2", true},
        {"_x", true},
        {"2fast", false},
        {"", false},
        {"has space", false},
        {"dash-key", false},
        {"abcdefghijklmnop", true},
        {"abcdefghijklmnopq", false},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        CHECK_ROW(group_custom_key_valid(rows[i].key, strlen(rows[i].key)) == rows[i].ok, i,
                  rows[i].key);
    CHECK(group_attr_key_valid("seat-1 any bytes", 16));
    CHECK(!group_attr_key_valid("", 0));
    CHECK(!group_attr_key_valid("123456789012345678901234567890123", 33));
}

UNIT_MAIN(test_type_spellings, test_role_and_option_spellings, test_type_rows, test_join,
          test_invite, test_kick, test_mute, test_set_admin_and_transfer, test_modify,
          test_quit_dismiss_applications, test_custom_ids, test_generated_ids, test_custom_keys)
