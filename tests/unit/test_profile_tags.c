/* Profile tag rules (api/profile_tags.h): which tags exist, each tag kind's type, byte limit and
 * enumeration, and the values reported for tags never set. */
#include "api/user/tags.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static const char *const STRING_TAGS[] = {"Tag_Profile_IM_Nick", "Tag_Profile_IM_SelfSignature",
                                          "Tag_Profile_IM_Image", "Tag_Profile_IM_Location"};
static const size_t STRING_LIMITS[] = {500, 500, 500, 16};
static const char *const UINT32_TAGS[] = {"Tag_Profile_IM_BirthDay", "Tag_Profile_IM_Language",
                                          "Tag_Profile_IM_MsgSettings", "Tag_Profile_IM_Level",
                                          "Tag_Profile_IM_Role"};

static const struct {
    const char *tag;
    const char *values[4];
} ENUMS[] = {
    {"Tag_Profile_IM_Gender", {"Gender_Type_Unknown", "Gender_Type_Female", "Gender_Type_Male"}},
    {"Tag_Profile_IM_AllowType",
     {"AllowType_Type_NeedConfirm", "AllowType_Type_AllowAny", "AllowType_Type_DenyAny"}},
    {"Tag_Profile_IM_AdminForbidType", {"AdminForbid_Type_None", "AdminForbid_Type_SendOut"}},
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Checks profile_tag_check(tag, value) == want and frees value. */
static void expect(const char *tag, json_t *value, err_t want, int line)
{
    err_t got = profile_tag_check(tag, value);
    if (got != want) {
        char *text = json_dumps(value, JSON_ENCODE_ANY);
        fprintf(stderr, "%s:%d: profile_tag_check(%s, %.60s) == %d, expected %d\n", __FILE__, line,
                tag, text ? text : "?", (int)got, (int)want);
        free(text);
        unit_test_failed_ = 1;
    }
    json_decref(value);
}
#define EXPECT(tag, value, want) expect(tag, value, want, __LINE__)

static json_t *string_of(size_t len, char c)
{
    char *s = malloc(len + 1);
    memset(s, c, len);
    s[len] = '\0';
    json_t *v = json_string(s);
    free(s);
    return v;
}

/* `count` copies of a multi-byte character. */
static json_t *repeat(const char *chr, size_t count)
{
    size_t n = strlen(chr);
    char *s = malloc(n * count + 1);
    for (size_t i = 0; i < count; i++)
        memcpy(s + i * n, chr, n);
    s[n * count] = '\0';
    json_t *v = json_string(s);
    free(s);
    return v;
}

static void test_known_tags(void)
{
    for (size_t i = 0; i < N(STRING_TAGS); i++)
        CHECK(profile_tag_known(STRING_TAGS[i]));
    for (size_t i = 0; i < N(UINT32_TAGS); i++)
        CHECK(profile_tag_known(UINT32_TAGS[i]));
    for (size_t i = 0; i < N(ENUMS); i++)
        CHECK(profile_tag_known(ENUMS[i].tag));
    static const char *const unknown[] = {"",
                                          "Nick",
                                          "Tag_Profile_IM_",
                                          "Tag_Profile_IM_Foo",
                                          "tag_profile_im_nick",
                                          "Tag_Profile_IM_Nick ",
                                          " Tag_Profile_IM_Nick",
                                          "Tag_Profile_IM_NickName",
                                          "Tag_SNS_IM_Remark",
                                          "Tag_Profile_Custom"};
    for (size_t i = 0; i < N(unknown); i++)
        CHECK(!profile_tag_known(unknown[i]));
}

static void test_custom_tag_names(void)
{
    CHECK(profile_tag_known("Tag_Profile_Custom_a"));
    CHECK(profile_tag_known("Tag_Profile_Custom_Hobby"));
    CHECK(profile_tag_known("Tag_Profile_Custom_abcdefgh")); /* 8 letters */
    CHECK(profile_tag_known("Tag_Profile_Custom_ABCDEFGH"));
    CHECK(!profile_tag_known("Tag_Profile_Custom_"));          /* no key */
    CHECK(!profile_tag_known("Tag_Profile_Custom_abcdefghi")); /* 9 letters */
    CHECK(!profile_tag_known("Tag_Profile_Custom_ab1"));
    CHECK(!profile_tag_known("Tag_Profile_Custom_a_b"));
    CHECK(!profile_tag_known("Tag_Profile_Custom_a b"));
    CHECK(!profile_tag_known("Tag_Profile_Custom_\xc3\xa9"));
    CHECK(!profile_tag_known("tag_profile_custom_Hobby"));
}

static void test_unknown_tag_is_40009(void)
{
    EXPECT("Tag_Profile_IM_Foo", json_string("x"), ERR_PROFILE_TAG);
    EXPECT("Tag_Profile_Custom_abcdefghi", json_string("x"), ERR_PROFILE_TAG);
    EXPECT("", json_integer(1), ERR_PROFILE_TAG);
    CHECK_EQ_INT(ERR_PROFILE_TAG, 40009);
}

static void test_string_limits(void)
{
    for (size_t i = 0; i < N(STRING_TAGS); i++) {
        const char *tag = STRING_TAGS[i];
        size_t max = STRING_LIMITS[i];
        err_t too_long = max == 500 ? ERR_PROFILE_VALUE_LONG : ERR_PROFILE_VALUE;
        EXPECT(tag, json_string(""), ERR_OK);
        EXPECT(tag, string_of(max, 'x'), ERR_OK);
        EXPECT(tag, string_of(max + 1, 'x'), too_long);
        EXPECT(tag, repeat("\xc3\xa9", max / 2), ERR_OK);           /* limit in bytes */
        EXPECT(tag, repeat("\xc3\xa9", max / 2 + 1), too_long);     /* max + 2 bytes */
        EXPECT(tag, repeat("\xe5\xbc\xa0", max / 3 + 1), too_long); /* > max bytes */
    }
    CHECK_EQ_INT(ERR_PROFILE_VALUE_LONG, 40601);
    CHECK_EQ_INT(ERR_PROFILE_VALUE, 40605);
}

static void test_string_wrong_type(void)
{
    for (size_t i = 0; i < N(STRING_TAGS); i++) {
        EXPECT(STRING_TAGS[i], json_integer(5), ERR_PROFILE_VALUE_TYPE);
        EXPECT(STRING_TAGS[i], json_real(1.5), ERR_PROFILE_VALUE_TYPE);
        EXPECT(STRING_TAGS[i], json_null(), ERR_PROFILE_VALUE_TYPE);
        EXPECT(STRING_TAGS[i], json_true(), ERR_PROFILE_VALUE_TYPE);
        EXPECT(STRING_TAGS[i], json_array(), ERR_PROFILE_VALUE_TYPE);
        EXPECT(STRING_TAGS[i], json_object(), ERR_PROFILE_VALUE_TYPE);
    }
    CHECK_EQ_INT(ERR_PROFILE_VALUE_TYPE, 40610);
}

static void test_string_with_nul_refused(void)
{
    EXPECT("Tag_Profile_IM_Nick", json_stringn("a\0b", 3), ERR_PROFILE_VALUE);
    EXPECT("Tag_Profile_Custom_Hobby", json_stringn("\0", 1), ERR_PROFILE_VALUE);
}

static void test_enums(void)
{
    for (size_t i = 0; i < N(ENUMS); i++) {
        const char *tag = ENUMS[i].tag;
        for (size_t j = 0; ENUMS[i].values[j]; j++) {
            EXPECT(tag, json_string(ENUMS[i].values[j]), ERR_OK);
            char padded[80];
            snprintf(padded, sizeof padded, "%s ", ENUMS[i].values[j]);
            EXPECT(tag, json_string(padded), ERR_PROFILE_VALUE);
        }
        EXPECT(tag, json_string(""), ERR_PROFILE_VALUE);
        EXPECT(tag, json_string("Other"), ERR_PROFILE_VALUE);
        EXPECT(tag, string_of(500, 'x'), ERR_PROFILE_VALUE);
        EXPECT(tag, json_integer(0), ERR_PROFILE_VALUE_TYPE);
        EXPECT(tag, json_null(), ERR_PROFILE_VALUE_TYPE);
    }
    /* Case-sensitive, and one enumeration's values are not another's. */
    EXPECT("Tag_Profile_IM_Gender", json_string("gender_type_male"), ERR_PROFILE_VALUE);
    EXPECT("Tag_Profile_IM_Gender", json_string("AllowType_Type_AllowAny"), ERR_PROFILE_VALUE);
    EXPECT("Tag_Profile_IM_AllowType", json_string("AdminForbid_Type_None"), ERR_PROFILE_VALUE);
}

static void test_uint32(void)
{
    for (size_t i = 0; i < N(UINT32_TAGS); i++) {
        const char *tag = UINT32_TAGS[i];
        EXPECT(tag, json_integer(0), ERR_OK);
        EXPECT(tag, json_integer(20190419), ERR_OK);
        EXPECT(tag, json_integer(UINT32_MAX), ERR_OK);
        EXPECT(tag, json_integer((json_int_t)UINT32_MAX + 1), ERR_PROFILE_VALUE);
        EXPECT(tag, json_integer(INT64_MAX), ERR_PROFILE_VALUE);
        EXPECT(tag, json_integer(-1), ERR_PROFILE_VALUE_TYPE);
        EXPECT(tag, json_integer(INT64_MIN), ERR_PROFILE_VALUE_TYPE);
        EXPECT(tag, json_real(1.0), ERR_PROFILE_VALUE_TYPE);
        EXPECT(tag, json_string("1"), ERR_PROFILE_VALUE_TYPE);
        EXPECT(tag, json_true(), ERR_PROFILE_VALUE_TYPE);
        EXPECT(tag, json_null(), ERR_PROFILE_VALUE_TYPE);
        EXPECT(tag, json_pack("[i]", 1), ERR_PROFILE_VALUE_TYPE);
    }
}

static void test_custom_values(void)
{
    const char *tag = "Tag_Profile_Custom_Hobby";
    EXPECT(tag, json_string(""), ERR_OK);
    EXPECT(tag, string_of(500, 'x'), ERR_OK);
    EXPECT(tag, repeat("\xc3\xa9", 250), ERR_OK);
    EXPECT(tag, string_of(501, 'x'), ERR_PROFILE_VALUE_LONG);
    EXPECT(tag, repeat("\xc3\xa9", 251), ERR_PROFILE_VALUE_LONG);
    EXPECT(tag, json_integer(5), ERR_PROFILE_VALUE_TYPE);
    EXPECT(tag, json_null(), ERR_PROFILE_VALUE_TYPE);
    EXPECT(tag, json_pack("{}"), ERR_PROFILE_VALUE_TYPE);
}

static void test_defaults(void)
{
    for (size_t i = 0; i < N(STRING_TAGS); i++)
        CHECK_EQ_STR(json_string_value(profile_tag_default(STRING_TAGS[i])), "");
    for (size_t i = 0; i < N(ENUMS); i++)
        CHECK_EQ_STR(json_string_value(profile_tag_default(ENUMS[i].tag)), "");
    for (size_t i = 0; i < N(UINT32_TAGS); i++) {
        json_t *v = profile_tag_default(UINT32_TAGS[i]);
        CHECK(json_is_integer(v) && json_integer_value(v) == 0);
    }
    CHECK_EQ_STR(json_string_value(profile_tag_default("Tag_Profile_Custom_Hobby")), "");
    /* Borrowed: the same object each time, never freed by the caller. */
    CHECK(profile_tag_default("Tag_Profile_IM_Nick") == profile_tag_default("Tag_Profile_IM_Nick"));
}

UNIT_MAIN(test_known_tags, test_custom_tag_names, test_unknown_tag_is_40009, test_string_limits,
          test_string_wrong_type, test_string_with_nul_refused, test_enums, test_uint32,
          test_custom_values, test_defaults)
