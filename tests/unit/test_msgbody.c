/* MsgBody, CloudCustomData and OfflinePushInfo validation: every element type, every required
 * field, every wrong type, the message shape and the 12 KB limit counted in bytes. */
#include "api/message/body.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

/* Test JSON is written with ' for " and converted by parse(). */
#define EL(type, content) "{'MsgType':'" type "','MsgContent':" content "}"

#define TEXT "{'Text':'hello'}"
#define LOCATION "{'Desc':'office','Latitude':22.54,'Longitude':113.93}"
#define FACE "{'Index':1,'Data':'smile'}"
#define CUSTOM "{'Data':'d','Desc':'push text','Ext':'e','Sound':'dingdong.aiff'}"
#define SOUND "{'Url':'https://x/a.mp3','UUID':'s1','Size':100,'Second':5,'Download_Flag':2}"
#define IMAGE                                                                                      \
    "{'UUID':'i1','ImageFormat':1,'ImageInfoArray':["                                              \
    "{'Type':1,'Size':1000,'Width':640,'Height':480,'URL':'https://x/1'},"                         \
    "{'Type':3,'Size':100,'Width':64,'Height':48,'URL':'https://x/3'}]}"
#define FILE_                                                                                      \
    "{'Url':'https://x/f','UUID':'f1','FileSize':1000,'FileName':'a.txt','Download_Flag':2}"
#define VIDEO                                                                                      \
    "{'VideoUrl':'https://x/v','VideoUUID':'v1','VideoSize':1194603,'VideoSecond':5,"              \
    "'VideoFormat':'mp4','VideoDownloadFlag':2,'ThumbUrl':'https://x/t','ThumbUUID':'t1',"         \
    "'ThumbSize':13907,'ThumbWidth':720,'ThumbHeight':1280,'ThumbFormat':'JPG',"                   \
    "'ThumbDownloadFlag':2}"
#define RELAY                                                                                      \
    "{'Title':'Chat history','MsgNum':1,'CompatibleText':'upgrade','AbstractList':['a: hi'],"      \
    "'MsgList':[{'From_Account':'a','To_Account':'b','MsgSeq':1,'MsgRandom':2,"                    \
    "'MsgTimeStamp':1700000000,'MsgBody':[" EL("TIMTextElem",                                      \
                                               "{'Text':'hi'}") "],"                               \
                                                                "'CloudCustomData':''}]}"

static json_t *parse(const char *text)
{
    char *s = strdup(text);
    for (char *p = s; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_error_t error;
    json_t *v = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &error);
    if (v == NULL)
        fprintf(stderr, "bad test JSON: %s: %s\n", error.text, s);
    free(s);
    return v;
}

/* Compares an outcome with a table row; ctx names the row when it differs. */
static void expect(const char *ctx, err_t got, const char *detail, err_t want,
                   const char *want_detail)
{
    if (got != want || (want_detail != NULL && strcmp(detail, want_detail) != 0))
        fprintf(stderr, "  case: %s\n", ctx);
    CHECK_EQ_INT(got, want);
    if (want_detail != NULL)
        CHECK_EQ_STR(detail, want_detail);
}

static void expect_body(const char *text, err_t want, const char *want_detail)
{
    json_t *body = parse(text);
    char detail[256];
    expect(text, msgbody_validate(body, detail, sizeof detail), detail, want, want_detail);
    json_decref(body);
}

static void test_every_element_type_valid(void)
{
    static const char *const cases[] = {
        "[" EL("TIMTextElem", TEXT) "]",
        "[" EL("TIMLocationElem", LOCATION) "]",
        "[" EL("TIMFaceElem", FACE) "]",
        "[" EL("TIMCustomElem", CUSTOM) "]",
        "[" EL("TIMSoundElem", SOUND) "]",
        "[" EL("TIMImageElem", IMAGE) "]",
        "[" EL("TIMFileElem", FILE_) "]",
        "[" EL("TIMVideoFileElem", VIDEO) "]",
        "[" EL("TIMRelayElem", RELAY) "]",
        /* Minimal forms: only the required fields. */
        "[" EL("TIMTextElem", "{'Text':''}") "]",
        "[" EL("TIMLocationElem", "{'Desc':'','Latitude':22,'Longitude':-113}") "]",
        "[" EL("TIMFaceElem", "{'Index':0}") "]",
        "[" EL("TIMCustomElem", "{'Data':''}") "]",
        "[" EL("TIMCustomElem", "{'Desc':'only a push text'}") "]",
        "[" EL("TIMCustomElem", "{'Ext':'x'}") "]",
        "[" EL("TIMCustomElem", "{'Sound':'x'}") "]",
        "[" EL("TIMSoundElem", "{'UUID':'s','Size':1,'Second':1}") "]", /* 2.x/3.x SDKs */
        "[" EL("TIMImageElem", "{'UUID':'i','ImageFormat':255,'ImageInfoArray':[]}") "]",
        "[" EL("TIMFileElem", "{'UUID':'f','FileSize':0,'FileName':'x'}") "]",
        "[" EL("TIMVideoFileElem",
               "{'VideoUUID':'v','VideoSize':1,'VideoSecond':1,'VideoFormat':'mp4',"
               "'ThumbUUID':'t','ThumbSize':1,'ThumbWidth':1,'ThumbHeight':1,"
               "'ThumbFormat':'JPG'}") "]",
        "[" EL("TIMRelayElem", "{'Title':'t','MsgNum':300,'JsonMsgKey':'k'}") "]",
        "[" EL("TIMRelayElem", "{'Title':'t','MsgNum':0,'MsgList':[]}") "]",
        /* Unknown extra fields, in the element and in its content, are kept. */
        "[{'MsgType':'TIMTextElem','MsgContent':{'Text':'x','Future':[1]},'Extra':true}]",
        /* Elements combine; one custom element among others is fine. */
        "[" EL("TIMTextElem", TEXT) "," EL("TIMFaceElem", FACE) "," EL("TIMTextElem", TEXT) "]",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_body(cases[i], ERR_OK, "");

    /* All nine types in one message (the first nine cases). */
    json_t *all = json_array();
    for (size_t i = 0; i < 9; i++) {
        json_t *one = parse(cases[i]);
        json_array_extend(all, one);
        json_decref(one);
    }
    char detail[128];
    CHECK_EQ_INT(json_array_size(all), 9);
    CHECK_EQ_INT(msgbody_validate(all, detail, sizeof detail), ERR_OK);
    json_decref(all);
}

/* Body [TEXT, element]: the element under test sits at index 1 so details must name it. */
static json_t *second_element(const char *type, const char *content)
{
    json_t *body = json_array();
    json_array_append_new(body, parse(EL("TIMTextElem", TEXT)));
    json_t *el = json_object();
    json_object_set_new(el, "MsgType", json_string(type));
    json_object_set_new(el, "MsgContent", parse(content));
    json_array_append_new(body, el);
    return body;
}

static json_t *content_of(json_t *body)
{
    return json_object_get(json_array_get(body, 1), "MsgContent");
}

static void test_each_required_field_missing(void)
{
    static const struct {
        const char *type, *content, *field;
    } cases[] = {
        {"TIMTextElem", TEXT, "Text"},
        {"TIMLocationElem", LOCATION, "Desc"},
        {"TIMLocationElem", LOCATION, "Latitude"},
        {"TIMLocationElem", LOCATION, "Longitude"},
        {"TIMFaceElem", FACE, "Index"},
        {"TIMSoundElem", SOUND, "UUID"},
        {"TIMSoundElem", SOUND, "Size"},
        {"TIMSoundElem", SOUND, "Second"},
        {"TIMImageElem", IMAGE, "UUID"},
        {"TIMImageElem", IMAGE, "ImageFormat"},
        {"TIMImageElem", IMAGE, "ImageInfoArray"},
        {"TIMFileElem", FILE_, "UUID"},
        {"TIMFileElem", FILE_, "FileSize"},
        {"TIMFileElem", FILE_, "FileName"},
        {"TIMVideoFileElem", VIDEO, "VideoUUID"},
        {"TIMVideoFileElem", VIDEO, "VideoSize"},
        {"TIMVideoFileElem", VIDEO, "VideoSecond"},
        {"TIMVideoFileElem", VIDEO, "VideoFormat"},
        {"TIMVideoFileElem", VIDEO, "ThumbUUID"},
        {"TIMVideoFileElem", VIDEO, "ThumbSize"},
        {"TIMVideoFileElem", VIDEO, "ThumbWidth"},
        {"TIMVideoFileElem", VIDEO, "ThumbHeight"},
        {"TIMVideoFileElem", VIDEO, "ThumbFormat"},
        {"TIMRelayElem", RELAY, "Title"},
        {"TIMRelayElem", RELAY, "MsgNum"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = second_element(cases[i].type, cases[i].content);
        json_object_del(content_of(body), cases[i].field);
        char want[128], detail[256];
        snprintf(want, sizeof want, "MsgBody[1].MsgContent.%s is required", cases[i].field);
        expect(want, msgbody_validate(body, detail, sizeof detail), detail, ERR_MSGBODY_FORMAT,
               want);
        json_decref(body);
    }
}

static void test_optional_fields_may_be_missing(void)
{
    static const struct {
        const char *type, *content, *field;
    } cases[] = {
        {"TIMFaceElem", FACE, "Data"},
        {"TIMSoundElem", SOUND, "Url"},
        {"TIMSoundElem", SOUND, "Download_Flag"},
        {"TIMFileElem", FILE_, "Url"},
        {"TIMFileElem", FILE_, "Download_Flag"},
        {"TIMVideoFileElem", VIDEO, "VideoUrl"},
        {"TIMVideoFileElem", VIDEO, "VideoDownloadFlag"},
        {"TIMVideoFileElem", VIDEO, "ThumbUrl"},
        {"TIMVideoFileElem", VIDEO, "ThumbDownloadFlag"},
        {"TIMRelayElem", RELAY, "CompatibleText"},
        {"TIMRelayElem", RELAY, "AbstractList"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = second_element(cases[i].type, cases[i].content);
        json_object_del(content_of(body), cases[i].field);
        char detail[256];
        expect(cases[i].field, msgbody_validate(body, detail, sizeof detail), detail, ERR_OK, "");
        json_decref(body);
    }
}

static void test_each_field_wrong_type(void)
{
    static const struct {
        const char *type, *content, *field, *bad, *kind;
    } cases[] = {
        {"TIMTextElem", TEXT, "Text", "1", "a string"},
        {"TIMTextElem", TEXT, "Text", "null", "a string"},
        {"TIMTextElem", TEXT, "Text", "['x']", "a string"},
        {"TIMLocationElem", LOCATION, "Desc", "{}", "a string"},
        {"TIMLocationElem", LOCATION, "Latitude", "'22.5'", "a number"},
        {"TIMLocationElem", LOCATION, "Longitude", "true", "a number"},
        {"TIMFaceElem", FACE, "Index", "'1'", "an integer"},
        {"TIMFaceElem", FACE, "Index", "1.5", "an integer"},
        {"TIMFaceElem", FACE, "Index", "1.0", "an integer"},
        {"TIMFaceElem", FACE, "Data", "2", "a string"},
        {"TIMCustomElem", CUSTOM, "Data", "{}", "a string"},
        {"TIMCustomElem", CUSTOM, "Desc", "1", "a string"},
        {"TIMCustomElem", CUSTOM, "Ext", "false", "a string"},
        {"TIMCustomElem", CUSTOM, "Sound", "[]", "a string"},
        {"TIMSoundElem", SOUND, "Url", "1", "a string"},
        {"TIMSoundElem", SOUND, "UUID", "1", "a string"},
        {"TIMSoundElem", SOUND, "Size", "'100'", "an integer"},
        {"TIMSoundElem", SOUND, "Second", "5.5", "an integer"},
        {"TIMSoundElem", SOUND, "Download_Flag", "'2'", "an integer"},
        {"TIMImageElem", IMAGE, "UUID", "7", "a string"},
        {"TIMImageElem", IMAGE, "ImageFormat", "'JPG'", "an integer"},
        {"TIMImageElem", IMAGE, "ImageInfoArray", "{}", "an array"},
        {"TIMFileElem", FILE_, "Url", "[]", "a string"},
        {"TIMFileElem", FILE_, "UUID", "null", "a string"},
        {"TIMFileElem", FILE_, "FileSize", "'1000'", "an integer"},
        {"TIMFileElem", FILE_, "FileName", "1", "a string"},
        {"TIMFileElem", FILE_, "Download_Flag", "2.0", "an integer"},
        {"TIMVideoFileElem", VIDEO, "VideoUrl", "1", "a string"},
        {"TIMVideoFileElem", VIDEO, "VideoUUID", "1", "a string"},
        {"TIMVideoFileElem", VIDEO, "VideoSize", "'1'", "an integer"},
        {"TIMVideoFileElem", VIDEO, "VideoSecond", "1.5", "an integer"},
        {"TIMVideoFileElem", VIDEO, "VideoFormat", "1", "a string"},
        {"TIMVideoFileElem", VIDEO, "VideoDownloadFlag", "'2'", "an integer"},
        {"TIMVideoFileElem", VIDEO, "ThumbUrl", "{}", "a string"},
        {"TIMVideoFileElem", VIDEO, "ThumbUUID", "1", "a string"},
        {"TIMVideoFileElem", VIDEO, "ThumbSize", "'1'", "an integer"},
        {"TIMVideoFileElem", VIDEO, "ThumbWidth", "true", "an integer"},
        {"TIMVideoFileElem", VIDEO, "ThumbHeight", "null", "an integer"},
        {"TIMVideoFileElem", VIDEO, "ThumbFormat", "2", "a string"},
        {"TIMVideoFileElem", VIDEO, "ThumbDownloadFlag", "[]", "an integer"},
        {"TIMRelayElem", RELAY, "Title", "1", "a string"},
        {"TIMRelayElem", RELAY, "MsgNum", "'1'", "an integer"},
        {"TIMRelayElem", RELAY, "CompatibleText", "1", "a string"},
        {"TIMRelayElem", RELAY, "AbstractList", "'a'", "an array"},
        {"TIMRelayElem", RELAY, "MsgList", "{}", "an array"},
        {"TIMRelayElem", RELAY, "JsonMsgKey", "1", "a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *body = second_element(cases[i].type, cases[i].content);
        json_object_set_new(content_of(body), cases[i].field, parse(cases[i].bad));
        char want[128], detail[256];
        snprintf(want, sizeof want, "MsgBody[1].MsgContent.%s must be %s", cases[i].field,
                 cases[i].kind);
        expect(want, msgbody_validate(body, detail, sizeof detail), detail, ERR_MSGBODY_FORMAT,
               want);
        json_decref(body);
    }
}

static void test_message_shape(void)
{
    static const struct {
        const char *json, *detail;
    } cases[] = {
        {"[]", "MsgBody must be a non-empty array"},
        {"{}", "MsgBody must be a non-empty array"},
        {"'hello'", "MsgBody must be a non-empty array"},
        {"null", "MsgBody must be a non-empty array"},
        {"[1]", "MsgBody[0] must be an object"},
        {"[" EL("TIMTextElem", TEXT) ",[]]", "MsgBody[1] must be an object"},
        {"[{'MsgContent':" TEXT "}]", "MsgBody[0].MsgType must be a string"},
        {"[{'MsgType':1,'MsgContent':" TEXT "}]", "MsgBody[0].MsgType must be a string"},
        {"[" EL("TIMGroupTipElem", "{}") "]",
         "MsgBody[0].MsgType \"TIMGroupTipElem\" is not a known element type"},
        {"[" EL("timtextelem", TEXT) "]",
         "MsgBody[0].MsgType \"timtextelem\" is not a known element type"},
        {"[" EL("", TEXT) "]", "MsgBody[0].MsgType \"\" is not a known element type"},
        {"[" EL("TIMTextElem\\u0000", TEXT) "]",
         "MsgBody[0].MsgType \"TIMTextElem\" is not a known element type"},
        {"[{'MsgType':'TIMTextElem'}]", "MsgBody[0].MsgContent is required"},
        {"[" EL("TIMTextElem", "'hello'") "]", "MsgBody[0].MsgContent must be an object"},
        {"[" EL("TIMTextElem", "null") "]", "MsgBody[0].MsgContent must be an object"},
        /* The first bad element is the one reported. */
        {"[" EL("TIMTextElem", "{}") "," EL("TIMFaceElem", "{}") "]",
         "MsgBody[0].MsgContent.Text is required"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_body(cases[i].json, ERR_MSGBODY_FORMAT, cases[i].detail);

    char detail[64];
    CHECK_EQ_INT(msgbody_validate(NULL, detail, sizeof detail), ERR_MSGBODY_FORMAT);
    CHECK_EQ_STR(detail, "MsgBody must be a non-empty array");
}

static void test_element_rules(void)
{
    static const struct {
        const char *json, *detail;
    } cases[] = {
        {"[" EL("TIMCustomElem", CUSTOM) "," EL("TIMTextElem", TEXT) "," EL("TIMCustomElem",
                                                                            "{'Data':'again'}") "]",
         "MsgBody[2] is a second TIMCustomElem; a message may carry only one"},
        {"[" EL("TIMCustomElem", "{}") "]",
         "MsgBody[0].MsgContent needs Data or Desc or Ext or Sound"},
        {"[" EL("TIMCustomElem", "{'Other':'x'}") "]",
         "MsgBody[0].MsgContent needs Data or Desc or Ext or Sound"},
        {"[" EL("TIMRelayElem", "{'Title':'t','MsgNum':1}") "]",
         "MsgBody[0].MsgContent needs MsgList or JsonMsgKey"},
        {"[" EL("TIMImageElem", "{'UUID':'i','ImageFormat':1,'ImageInfoArray':[1]}") "]",
         "MsgBody[0].MsgContent.ImageInfoArray[0] must be an object"},
        {"[" EL("TIMImageElem",
                "{'UUID':'i','ImageFormat':1,'ImageInfoArray':[{'Type':1,'Size':1,'Width':1,"
                "'Height':1,'URL':'u'},{'Type':4,'Size':1,'Width':1,'Height':1,'URL':'u'}]}") "]",
         "MsgBody[0].MsgContent.ImageInfoArray[1].Type must be between 1 and 3"},
        {"[" EL("TIMImageElem", "{'UUID':'i','ImageFormat':1,'ImageInfoArray':[{'Type':0,"
                                "'Size':1,'Width':1,'Height':1,'URL':'u'}]}") "]",
         "MsgBody[0].MsgContent.ImageInfoArray[0].Type must be between 1 and 3"},
        {"[" EL("TIMImageElem", "{'UUID':'i','ImageFormat':1,'ImageInfoArray':[{'Type':'1',"
                                "'Size':1,'Width':1,'Height':1,'URL':'u'}]}") "]",
         "MsgBody[0].MsgContent.ImageInfoArray[0].Type must be an integer"},
        {"[" EL("TIMImageElem", "{'UUID':'i','ImageFormat':1,'ImageInfoArray':[{'Type':2,"
                                "'Width':1,'Height':1,'URL':'u'}]}") "]",
         "MsgBody[0].MsgContent.ImageInfoArray[0].Size is required"},
        {"[" EL("TIMImageElem", "{'UUID':'i','ImageFormat':1,'ImageInfoArray':[{'Type':2,"
                                "'Size':1,'Width':'1','Height':1,'URL':'u'}]}") "]",
         "MsgBody[0].MsgContent.ImageInfoArray[0].Width must be an integer"},
        {"[" EL("TIMImageElem", "{'UUID':'i','ImageFormat':1,'ImageInfoArray':[{'Type':2,"
                                "'Size':1,'Width':1,'URL':'u'}]}") "]",
         "MsgBody[0].MsgContent.ImageInfoArray[0].Height is required"},
        {"[" EL("TIMImageElem", "{'UUID':'i','ImageFormat':1,'ImageInfoArray':[{'Type':2,"
                                "'Size':1,'Width':1,'Height':1,'URL':3}]}") "]",
         "MsgBody[0].MsgContent.ImageInfoArray[0].URL must be a string"},
        {"[" EL("TIMRelayElem", "{'Title':'t','MsgNum':1,'JsonMsgKey':'k','AbstractList':[1]}") "]",
         "MsgBody[0].MsgContent.AbstractList[0] must be a string"},
        {"[" EL("TIMRelayElem", "{'Title':'t','MsgNum':1,'MsgList':['x']}") "]",
         "MsgBody[0].MsgContent.MsgList[0] must be an object"},
        {"[" EL("TIMRelayElem", "{'Title':'t','MsgNum':1,'MsgList':[{'MsgBody':'x'}]}") "]",
         "MsgBody[0].MsgContent.MsgList[0].MsgBody must be an array"},
        {"[" EL("TIMRelayElem", "{'Title':'t','MsgNum':1,'MsgList':[{'MsgSeq':'1'}]}") "]",
         "MsgBody[0].MsgContent.MsgList[0].MsgSeq must be an integer"},
        {"[" EL("TIMRelayElem", "{'Title':'t','MsgNum':1,'MsgList':[{'From_Account':1}]}") "]",
         "MsgBody[0].MsgContent.MsgList[0].From_Account must be a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        expect_body(cases[i].json, ERR_MSGBODY_FORMAT, cases[i].detail);
}

/* A one-text-element body whose compact JSON is exactly total bytes: the text repeats unit
 * (one UTF-8 character) and is padded with ASCII. */
static json_t *text_body(size_t total, const char *unit, size_t *chars)
{
    static const char shell[] = "[{\"MsgType\":\"TIMTextElem\",\"MsgContent\":{\"Text\":\"\"}}]";
    size_t want = total - (sizeof shell - 1), unit_len = strlen(unit), used = 0;
    char *text = malloc(want + 1);
    *chars = 0;
    for (; used + unit_len <= want; used += unit_len, ++*chars)
        memcpy(text + used, unit, unit_len);
    for (; used < want; used++, ++*chars)
        text[used] = 'a';
    text[used] = '\0';
    json_t *body =
        json_pack("[{s:s,s:{s:s}}]", "MsgType", "TIMTextElem", "MsgContent", "Text", text);
    free(text);
    return body;
}

static void test_size_limit_in_bytes(void)
{
    static const struct {
        const char *unit;
        size_t total;
        err_t want;
    } cases[] = {
        {"a", 12288, ERR_OK},
        {"a", 12289, ERR_MSG_TOO_LONG},
        {"\xc3\xa9", 12288, ERR_OK},           /* é, 2 bytes */
        {"\xc3\xa9", 12289, ERR_MSG_TOO_LONG}, /* ~6100 characters, still too long */
        {"\xe2\x82\xac", 12288, ERR_OK},       /* €, 3 bytes */
        {"\xe2\x82\xac", 12289, ERR_MSG_TOO_LONG},
        {"\xf0\x9f\x98\x80", 12288, ERR_OK}, /* 😀, 4 bytes */
        {"\xf0\x9f\x98\x80", 12289, ERR_MSG_TOO_LONG},
        {"a", 100000, ERR_MSG_TOO_LONG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t chars;
        json_t *body = text_body(cases[i].total, cases[i].unit, &chars);
        char ctx[64], detail[128], want[128] = "";
        snprintf(ctx, sizeof ctx, "unit %s, %zu bytes", cases[i].unit, cases[i].total);
        CHECK_EQ_INT(msgbody_size(body), cases[i].total);
        if (cases[i].want == ERR_MSG_TOO_LONG)
            snprintf(want, sizeof want, "MsgBody is %zu bytes; at most 12288 are allowed",
                     cases[i].total);
        expect(ctx, msgbody_validate(body, detail, sizeof detail), detail, cases[i].want, want);
        if (strlen(cases[i].unit) > 1)
            CHECK(chars < 12288 / 2 + 100);
        json_decref(body);
    }

    /* Format errors win over size: the caller learns what to fix first. */
    size_t chars;
    json_t *body = text_body(20000, "a", &chars);
    json_array_append_new(body, json_integer(1));
    char detail[128];
    CHECK_EQ_INT(msgbody_validate(body, detail, sizeof detail), ERR_MSGBODY_FORMAT);
    CHECK_EQ_STR(detail, "MsgBody[1] must be an object");
    json_decref(body);
}

static void test_size_is_compact_serialization(void)
{
    static const char *const cases[] = {
        "[" EL("TIMTextElem", "{'Text':'a \\\"quoted\\\" \\\\ line\\n'}") "]",
        "[" EL("TIMTextElem", "{'Text':'\\u00e9\\u20ac\\ud83d\\ude00 / \\u0001'}") "]",
        "[" EL("TIMLocationElem", LOCATION) "," EL("TIMImageElem", IMAGE) "]",
        "'just a string'",
        "[]",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *v = parse(cases[i]);
        char *dump = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        CHECK_EQ_INT(msgbody_size(v), strlen(dump));
        free(dump);
        json_decref(v);
    }
    json_t *v = parse("['\\u00e9']"); /* escaped on input, two raw UTF-8 bytes on output */
    CHECK_EQ_INT(msgbody_size(v), strlen("[\"\"]") + 2);
    json_decref(v);
}

static void test_cloud_custom_data(void)
{
    static const struct {
        const char *ccd; /* NULL: absent */
        size_t body_len;
        err_t want;
        const char *detail;
    } cases[] = {
        {NULL, 12288, ERR_OK, ""},
        {"''", 12288, ERR_OK, ""},
        {"'a'", 12287, ERR_OK, ""},
        {"'ab'", 12287, ERR_MSG_TOO_LONG,
         "MsgBody and CloudCustomData are 12289 bytes; at most 12288 are allowed"},
        {"'\\u00e9'", 12286, ERR_OK, ""},
        {"'\\u00e9'", 12287, ERR_MSG_TOO_LONG,
         "MsgBody and CloudCustomData are 12289 bytes; at most 12288 are allowed"},
        {"'\\ud83d\\ude00'", 12284, ERR_OK, ""},
        {"'\\ud83d\\ude00'", 12285, ERR_MSG_TOO_LONG, NULL},
        {"''", 12289, ERR_MSG_TOO_LONG, NULL},
        {"''", SIZE_MAX, ERR_MSG_TOO_LONG, NULL},
        {"'x'", SIZE_MAX, ERR_MSG_TOO_LONG, NULL},
        {"1", 10, ERR_BAD_PARAM, "CloudCustomData must be a string"},
        {"null", 10, ERR_BAD_PARAM, "CloudCustomData must be a string"},
        {"{}", 10, ERR_BAD_PARAM, "CloudCustomData must be a string"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *ccd = cases[i].ccd ? parse(cases[i].ccd) : NULL;
        char ctx[64], detail[128];
        snprintf(ctx, sizeof ctx, "%s + %zu", cases[i].ccd ? cases[i].ccd : "(absent)",
                 cases[i].body_len);
        expect(ctx,
               msgbody_validate_cloud_custom_data(ccd, cases[i].body_len, detail, sizeof detail),
               detail, cases[i].want, cases[i].detail);
        json_decref(ccd);
    }

    /* As a door uses it: the body's own size plus the custom data. */
    size_t chars;
    json_t *body = text_body(12000, "a", &chars);
    char pad[290];
    memset(pad, 'x', 289);
    pad[289] = '\0';
    json_t *over = json_string(pad);
    pad[288] = '\0';
    json_t *fits = json_string(pad);
    CHECK_EQ_INT(msgbody_size(body), 12000);
    CHECK_EQ_INT(msgbody_validate(body, NULL, 0), ERR_OK);
    CHECK_EQ_INT(msgbody_validate_cloud_custom_data(fits, msgbody_size(body), NULL, 0), ERR_OK);
    CHECK_EQ_INT(msgbody_validate_cloud_custom_data(over, msgbody_size(body), NULL, 0),
                 ERR_MSG_TOO_LONG);
    json_decref(fits);
    json_decref(over);
    json_decref(body);
}

static void test_offline_push_info(void)
{
    static const struct {
        const char *json; /* NULL: absent */
        err_t want;
        const char *detail;
    } cases[] = {
        {NULL, ERR_OK, ""},
        {"{}", ERR_OK, ""},
        {"{'PushFlag':0,'Title':'t','Desc':'d','Ext':'{}','AndroidInfo':{'Sound':'a.mp3',"
         "'PushStyle':1,'HuaWeiChannelID':'h','XiaoMiChannelID':'x','OPPOChannelID':'o',"
         "'GoogleChannelID':'g','VIVOClassification':1,'VIVOCategory':'IM',"
         "'HuaWeiImportance':'NORMAL','ExtAsHuaweiIntentParam':1,'HuaWeiCategory':'IM',"
         "'HuaWeiImage':'https://x/h','HonorImage':'https://x/o','HonorImportance':'LOW',"
         "'GoogleImage':'https://x/g'},'ApnsInfo':{'Sound':'a.caf','BadgeMode':1,'Title':'t',"
         "'SubTitle':'s','Image':'https://x/i','MutableContent':1,"
         "'InterruptionLevel':'time-sensitive','ContentAvailable':1}}",
         ERR_OK, ""},
        {"{'PushFlag':1}", ERR_OK, ""},
        {"{'Future':1,'AndroidInfo':{'Future':[]},'ApnsInfo':{'Future':{}}}", ERR_OK, ""},
        {"{'AndroidInfo':{'HuaWeiImportance':'HIGH'}}", ERR_OK, ""},
        {"'x'", ERR_OFFLINE_PUSH, "OfflinePushInfo must be an object"},
        {"[]", ERR_OFFLINE_PUSH, "OfflinePushInfo must be an object"},
        {"null", ERR_OFFLINE_PUSH, "OfflinePushInfo must be an object"},
        {"{'PushFlag':2}", ERR_OFFLINE_PUSH, "OfflinePushInfo.PushFlag must be between 0 and 1"},
        {"{'PushFlag':-1}", ERR_OFFLINE_PUSH, "OfflinePushInfo.PushFlag must be between 0 and 1"},
        {"{'PushFlag':'0'}", ERR_OFFLINE_PUSH, "OfflinePushInfo.PushFlag must be an integer"},
        {"{'PushFlag':0.0}", ERR_OFFLINE_PUSH, "OfflinePushInfo.PushFlag must be an integer"},
        {"{'Title':1}", ERR_OFFLINE_PUSH, "OfflinePushInfo.Title must be a string"},
        {"{'Desc':[]}", ERR_OFFLINE_PUSH, "OfflinePushInfo.Desc must be a string"},
        {"{'Ext':{}}", ERR_OFFLINE_PUSH, "OfflinePushInfo.Ext must be a string"},
        {"{'AndroidInfo':'x'}", ERR_OFFLINE_PUSH, "OfflinePushInfo.AndroidInfo must be an object"},
        {"{'AndroidInfo':{'Sound':1}}", ERR_OFFLINE_PUSH,
         "OfflinePushInfo.AndroidInfo.Sound must be a string"},
        {"{'AndroidInfo':{'VIVOClassification':'1'}}", ERR_OFFLINE_PUSH,
         "OfflinePushInfo.AndroidInfo.VIVOClassification must be an integer"},
        {"{'AndroidInfo':{'PushStyle':'0'}}", ERR_OFFLINE_PUSH,
         "OfflinePushInfo.AndroidInfo.PushStyle must be an integer"},
        {"{'AndroidInfo':{'ExtAsHuaweiIntentParam':true}}", ERR_OFFLINE_PUSH,
         "OfflinePushInfo.AndroidInfo.ExtAsHuaweiIntentParam must be an integer"},
        {"{'AndroidInfo':{'OPPOChannelID':2}}", ERR_OFFLINE_PUSH,
         "OfflinePushInfo.AndroidInfo.OPPOChannelID must be a string"},
        {"{'ApnsInfo':[]}", ERR_OFFLINE_PUSH, "OfflinePushInfo.ApnsInfo must be an object"},
        {"{'ApnsInfo':{'BadgeMode':1.5}}", ERR_OFFLINE_PUSH,
         "OfflinePushInfo.ApnsInfo.BadgeMode must be an integer"},
        {"{'ApnsInfo':{'MutableContent':'1'}}", ERR_OFFLINE_PUSH,
         "OfflinePushInfo.ApnsInfo.MutableContent must be an integer"},
        {"{'ApnsInfo':{'Title':2}}", ERR_OFFLINE_PUSH,
         "OfflinePushInfo.ApnsInfo.Title must be a string"},
        {"{'ApnsInfo':{'InterruptionLevel':1}}", ERR_OFFLINE_PUSH,
         "OfflinePushInfo.ApnsInfo.InterruptionLevel must be a string"},
        {"{'ApnsInfo':{'ContentAvailable':null}}", ERR_OFFLINE_PUSH,
         "OfflinePushInfo.ApnsInfo.ContentAvailable must be an integer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *info = cases[i].json ? parse(cases[i].json) : NULL;
        char detail[256];
        expect(cases[i].json ? cases[i].json : "(absent)",
               msgbody_validate_offline_push(info, detail, sizeof detail), detail, cases[i].want,
               cases[i].detail);
        json_decref(info);
    }
}

static void test_detail_buffer(void)
{
    json_t *bad = parse("[" EL("TIMTextElem", "{'Text':1}") "]");
    json_t *good = parse("[" EL("TIMTextElem", TEXT) "]");
    char small[8] = "xxxxxxx", detail[128] = "stale";

    CHECK_EQ_INT(msgbody_validate(bad, NULL, 0), ERR_MSGBODY_FORMAT);
    CHECK_EQ_INT(msgbody_validate(bad, small, 0), ERR_MSGBODY_FORMAT);
    CHECK_EQ_STR(small, "xxxxxxx"); /* detail_len 0: nothing written */
    CHECK_EQ_INT(msgbody_validate(bad, small, sizeof small), ERR_MSGBODY_FORMAT);
    CHECK_EQ_STR(small, "MsgBody"); /* truncated, still terminated */
    CHECK_EQ_INT(msgbody_validate(good, detail, sizeof detail), ERR_OK);
    CHECK_EQ_STR(detail, "");
    CHECK_EQ_INT(msgbody_validate_offline_push(bad, NULL, 0), ERR_OFFLINE_PUSH);
    CHECK_EQ_INT(msgbody_validate_cloud_custom_data(bad, 0, NULL, 0), ERR_BAD_PARAM);
    json_decref(bad);
    json_decref(good);
}

/* A relay element with n forwarded text messages of `size` bytes each. */
static json_t *relay_body(size_t n, size_t size)
{
    char *text = malloc(size + 1);
    memset(text, 'x', size);
    text[size] = '\0';
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list,
                              json_pack("{s:s, s:[{s:s, s:{s:s}}]}", "From_Account", "a", "MsgBody",
                                        "MsgType", "TIMTextElem", "MsgContent", "Text", text));
    free(text);
    return json_pack("[{s:s, s:{s:s, s:I, s:o}}]", "MsgType", "TIMRelayElem", "MsgContent", "Title",
                     "t", "MsgNum", (json_int_t)n, "MsgList", list);
}

static const json_t *relay_content(const json_t *body)
{
    return json_object_get(json_array_get(body, 0), "MsgContent");
}

static void test_merged_lists(void)
{
    char detail[160];
    /* Inline when the message fits: nothing moves. */
    json_t *small = relay_body(3, 10), *lists;
    CHECK_EQ_INT(msgbody_validate(small, detail, sizeof detail), ERR_OK);
    json_t *form = msgbody_stored_form(small, true, &lists);
    CHECK(lists == NULL);
    CHECK(json_equal(form, small));
    CHECK_EQ_INT(msgbody_stored_size(small), msgbody_size(small));
    json_decref(form);

    /* Over 12 KB: the list moves out under a fresh key; what is stored is small. */
    json_t *big = relay_body(40, 400);
    CHECK(msgbody_size(big) > MSGBODY_MAX_BYTES);
    CHECK_EQ_INT(msgbody_validate(big, detail, sizeof detail), ERR_OK);
    form = msgbody_stored_form(big, true, &lists);
    const json_t *c = relay_content(form);
    CHECK(json_object_get(c, "MsgList") == NULL);
    const char *key = json_string_value(json_object_get(c, "JsonMsgKey"));
    CHECK(key != NULL && strlen(key) == MSGBODY_MERGER_KEY_LEN && strncmp(key, "mrg_", 4) == 0);
    CHECK_EQ_INT(json_array_size(lists), 1);
    const json_t *item = json_array_get(lists, 0);
    CHECK_EQ_STR(json_string_value(json_object_get(item, "key")), key);
    json_t *back = json_loads(json_string_value(json_object_get(item, "list")), 0, NULL);
    CHECK(json_equal(back, json_object_get(relay_content(big), "MsgList")));
    CHECK_EQ_INT(msgbody_stored_size(big), msgbody_size(form));
    /* Two forms of one body get different keys. */
    json_t *lists2, *form2 = msgbody_stored_form(big, true, &lists2);
    CHECK(strcmp(json_string_value(json_object_get(relay_content(form2), "JsonMsgKey")), key) != 0);
    json_decref(back);
    json_decref(form);
    json_decref(form2);
    json_decref(lists);
    json_decref(lists2);

    /* The heap-text form used by the send paths. */
    char *text = json_dumps(big, JSON_COMPACT), *lists_text;
    msgbody_to_stored(&text, &lists_text);
    CHECK(lists_text != NULL && strlen(text) < MSGBODY_MAX_BYTES);
    CHECK(strstr(text, "MsgList") == NULL && strstr(lists_text, "\"list\"") != NULL);
    free(text);
    free(lists_text);
    text = json_dumps(small, JSON_COMPACT);
    char *same = strdup(text);
    msgbody_to_stored(&text, &lists_text);
    CHECK(lists_text == NULL);
    CHECK_EQ_STR(text, same);
    free(text);
    free(same);

    /* A key alone (a forwarded merged message) names the list to copy. */
    json_t *fwd = parse("[" EL("TIMRelayElem", "{'Title':'t','MsgNum':2,'JsonMsgKey':'old'}") "]");
    CHECK_EQ_INT(msgbody_validate(fwd, detail, sizeof detail), ERR_OK);
    form = msgbody_stored_form(fwd, true, &lists);
    CHECK_EQ_STR(json_string_value(json_object_get(json_array_get(lists, 0), "from")), "old");
    CHECK(strcmp(json_string_value(json_object_get(relay_content(form), "JsonMsgKey")), "old") !=
          0);
    json_decref(form);
    json_decref(lists);
    json_decref(fwd);

    /* Limits: 300 messages; 1 MB of list; the rest of the message must still fit 12 KB. */
    json_t *many = relay_body(301, 1);
    CHECK_EQ_INT(msgbody_validate(many, detail, sizeof detail), ERR_MSGBODY_FORMAT);
    CHECK_EQ_STR(detail, "MsgBody[0].MsgContent.MsgList has 301 messages; at most 300 are allowed");
    json_t *huge = relay_body(300, 3600);
    CHECK_EQ_INT(msgbody_validate(huge, detail, sizeof detail), ERR_MSG_TOO_LONG);
    CHECK(strstr(detail, "MsgBody[0].MsgContent.MsgList is ") == detail);
    size_t chars;
    json_t *with_text = text_body(12250, "a", &chars);
    json_array_append(with_text, json_array_get(big, 0));
    CHECK_EQ_INT(msgbody_validate(with_text, detail, sizeof detail), ERR_MSG_TOO_LONG);
    json_decref(with_text);
    json_decref(many);
    json_decref(huge);
    json_decref(big);
    json_decref(small);
}

static void test_error_codes(void)
{
    CHECK_EQ_INT(err_code(ERR_MSGBODY_FORMAT, NULL), 90002);
    CHECK_EQ_INT(err_code(ERR_MSG_TOO_LONG, NULL), 80002);
    CHECK_EQ_INT(err_code(ERR_OFFLINE_PUSH, NULL), 90043);
    CHECK_EQ_STR(err_text(90002), "MsgBody format error");
    CHECK_EQ_STR(err_text(80002), "message body too long (> 12 KB)");
    CHECK_EQ_STR(err_text(90043), "OfflinePushInfo format error");
}

UNIT_MAIN(test_every_element_type_valid, test_each_required_field_missing,
          test_optional_fields_may_be_missing, test_each_field_wrong_type, test_message_shape,
          test_element_rules, test_size_limit_in_bytes, test_size_is_compact_serialization,
          test_cloud_custom_data, test_offline_push_info, test_detail_buffer, test_merged_lists,
          test_error_codes)
