/*
 * fuzz_webhook_reply — the pure parts of the callback protocol (webhook/webhook.h, proto.c) and
 * the command table behind them (store/webhook.h).
 *
 * The first byte picks a mode. Even: the app's answer. Bit 1 of the first byte asks for an HTTP
 * status taken from the next two bytes (else 200); the rest is the body, handed over in a buffer
 * of exactly its length. webhook_before_parse() runs for every command definition and
 * webhook_after_ok() once. Asserted: a kind of the enum; ALLOW exactly with a reply object;
 * FAILED, or a refusal with a custom code, with a non-empty reason; for status 200 and an
 * object whose ErrorCode is an integer, the header's table: 0 allow, 1 refuse with the
 * command's refuse_code (when it has one), 2 drop, a code in the command's custom range refuse
 * with that code, else failed; any other status fails; after_ok() true only on 200 with
 * ErrorCode 0 (or none and ActionStatus "OK") and never with ActionStatus "FAIL", false with a
 * reason. Odd: integers and strings for the rest — webhook_backoff_ms() stays in
 * [d - d/2, d] for d = base·2^(attempt−1) capped at max (attempt any int, base and max in
 * 1..INT_MAX); webhook_query() percent-encodes each value so that decoding gives it back, adds
 * Sign (SHA-256 hex of token and time, recomputed here) and RequestTime exactly with a token;
 * webhook_event_body() of a stored JSON object keeps its fields and adds CallbackCommand,
 * EventTime and EventId; store_webhook_cmds_parse() of a list gives a mask of known commands
 * only, with a reason when it refuses. Everything is freed.
 */
#include <ctype.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#include "core/xalloc.h"
#include "fuzz.h"
#include "store/webhook.h"
#include "webhook/webhook.h"

static bool nul_within(const char *s, size_t n)
{
    return memchr(s, '\0', n) != NULL;
}

static void check_before(const store_webhook_cmd_def_t *def, int status, const char *body,
                         size_t len, const json_t *model)
{
    webhook_before_t b;
    webhook_before_parse(def, status, body, len, &b);
    FUZZ_ASSERT(b.kind >= WEBHOOK_BEFORE_ALLOW && b.kind <= WEBHOOK_BEFORE_FAILED);
    FUZZ_ASSERT(nul_within(b.info, sizeof b.info));
    FUZZ_ASSERT((b.kind == WEBHOOK_BEFORE_ALLOW) == (b.reply != NULL));
    FUZZ_ASSERT(b.reply == NULL || json_is_object(b.reply));
    if (b.kind == WEBHOOK_BEFORE_FAILED)
        FUZZ_ASSERT(b.info[0] != '\0');
    if (b.kind == WEBHOOK_BEFORE_REFUSE && b.code != def->refuse_code)
        FUZZ_ASSERT(b.info[0] != '\0' && b.code >= def->custom_min && b.code <= def->custom_max);
    if (status != 200 || !json_is_object(model))
        FUZZ_ASSERT(b.kind == WEBHOOK_BEFORE_FAILED);
    const json_t *code = json_object_get(model, "ErrorCode");
    if (status == 200 && json_is_integer(code)) {
        json_int_t c = json_integer_value(code);
        if (c == 0)
            FUZZ_ASSERT(b.kind == WEBHOOK_BEFORE_ALLOW);
        else if (c == 1 && def->refuse_code != 0)
            FUZZ_ASSERT(b.kind == WEBHOOK_BEFORE_REFUSE && b.code == def->refuse_code);
        else if (c == 2)
            FUZZ_ASSERT(b.kind == WEBHOOK_BEFORE_DROP);
        else if (def->custom_max > 0 && c >= def->custom_min && c <= def->custom_max)
            FUZZ_ASSERT(b.kind == WEBHOOK_BEFORE_REFUSE && b.code == c);
        else
            FUZZ_ASSERT(b.kind == WEBHOOK_BEFORE_FAILED);
    }
    json_decref(b.reply);
}

static void mode_reply(fuzz_input_t in, bool with_status)
{
    int status = with_status ? (int)fuzz_take_u64(&in, 2) - 1000 : 200;
    /* Exactly the body's bytes, no NUL after them: a read past len is caught. */
    char *body = in.size ? xmalloc(in.size) : NULL;
    if (body)
        memcpy(body, in.data, in.size);
    json_t *model = body ? json_loadb(body, in.size, 0, NULL) : NULL;

    static const store_webhook_cmd_def_t after_only = {"Fuzz.After", false, 0, 0, 0, "FUZZ"};
    check_before(&after_only, status, body, in.size, model);
    for (int i = 0; i < STORE_WEBHOOK_NCMDS; i++) {
        const store_webhook_cmd_def_t *def = store_webhook_cmd((store_webhook_cmd_t)i);
        FUZZ_ASSERT(def != NULL && def->name != NULL);
        if (def->before)
            check_before(def, status, body, in.size, model);
    }

    char why[200];
    memset(why, 'x', sizeof why);
    bool ok = webhook_after_ok(status, body, in.size, why, sizeof why);
    const char *action = json_string_value(json_object_get(model, "ActionStatus"));
    const json_t *code = json_object_get(model, "ErrorCode");
    if (ok) {
        FUZZ_ASSERT(status == 200 && json_is_object(model));
        FUZZ_ASSERT(!(action && strcmp(action, "FAIL") == 0));
        FUZZ_ASSERT(code ? json_is_integer(code) && json_integer_value(code) == 0
                         : action && strcmp(action, "OK") == 0);
    } else {
        FUZZ_ASSERT(nul_within(why, sizeof why) && why[0] != '\0');
    }
    json_decref(model);
    xfree(body);
}

static int64_t backoff_model(int attempt, int base, int max)
{
    int64_t d = base;
    for (int i = 1; i < attempt && d < max; i++)
        d = d > INT64_MAX / 2 ? INT64_MAX : d * 2;
    return d < max ? d : max;
}

static void check_backoff(int attempt, int base, int max, uint32_t rnd)
{
    int64_t got = webhook_backoff_ms(attempt, base, max, rnd);
    int64_t d = backoff_model(attempt < 1 ? 1 : attempt, base, max);
    FUZZ_ASSERT(got >= d - d / 2 && got <= d && got >= 1);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes [s, e) into a heap string; NULL unless every byte is unreserved or %XX. */
static char *decode(const char *s, const char *e)
{
    char *out = xmalloc((size_t)(e - s) + 1), *o = out;
    for (const char *p = s; p < e; p++) {
        if (*p == '%') {
            int hi = p + 2 < e ? hexval(p[1]) : -1, lo = p + 2 < e ? hexval(p[2]) : -1;
            if (hi < 0 || lo < 0)
                goto bad;
            *o++ = (char)(hi * 16 + lo);
            p += 2;
        } else if (isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            *o++ = *p;
        } else {
            goto bad;
        }
    }
    *o = '\0';
    return out;
bad:
    xfree(out);
    return NULL;
}

/* The query's next "name=value" must be `name`, its value decoding to `want`; advances *q. */
static void expect_param(const char **q, const char *name, const char *want)
{
    size_t n = strlen(name);
    FUZZ_ASSERT(strncmp(*q, name, n) == 0 && (*q)[n] == '=');
    const char *v = *q + n + 1, *end = strchr(v, '&');
    if (end == NULL)
        end = v + strlen(v);
    char *got = decode(v, end);
    FUZZ_ASSERT(got != NULL);
    if (want)
        FUZZ_ASSERT(strcmp(got, want) == 0);
    xfree(got);
    *q = *end ? end + 1 : end;
}

static void check_query(uint64_t sdkappid, const char *command, const char *ip,
                        const char *platform, const char *token, int64_t time)
{
    char *q = webhook_query(sdkappid, command, ip, platform, token, time);
    FUZZ_ASSERT(q != NULL);
    const char *p = q;
    char num[24];
    snprintf(num, sizeof num, "%" PRIu64, sdkappid);
    expect_param(&p, "SdkAppid", num);
    expect_param(&p, "CallbackCommand", command);
    expect_param(&p, "contenttype", "json");
    expect_param(&p, "ClientIP", ip ? ip : "");
    expect_param(&p, "OptPlatform", platform ? platform : "RESTAPI");
    if (token && *token) {
        snprintf(num, sizeof num, "%" PRId64, time);
        char *signed_text = xasprintf("%s%s", token, num);
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        FUZZ_ASSERT(EVP_Digest(signed_text, strlen(signed_text), md, &md_len, EVP_sha256(), NULL));
        xfree(signed_text);
        char want[65], sign[65];
        for (unsigned int i = 0; i < md_len; i++)
            snprintf(want + 2 * i, 3, "%02x", md[i]);
        webhook_sign(token, time, sign);
        FUZZ_ASSERT(strcmp(sign, want) == 0);
        expect_param(&p, "Sign", want);
        expect_param(&p, "RequestTime", num);
    }
    FUZZ_ASSERT(*p == '\0');
    xfree(q);
}

static void check_event_body(const char *command, const char *fields, int64_t time, int64_t id)
{
    char *body = webhook_event_body(command, fields, time, id);
    json_t *stored = json_loads(fields, 0, NULL);
    if (json_is_object(stored))
        FUZZ_ASSERT(body != NULL);
    if (body != NULL) {
        json_t *v = json_loads(body, 0, NULL);
        if (json_is_object(stored)) {
            FUZZ_ASSERT(json_is_object(v));
            FUZZ_ASSERT(json_integer_value(json_object_get(v, "EventId")) == id);
            FUZZ_ASSERT(json_integer_value(json_object_get(v, "EventTime")) == time);
            if (json_object_get(stored, "CallbackCommand") == NULL)
                FUZZ_ASSERT(
                    strcmp(json_string_value(json_object_get(v, "CallbackCommand")), command) == 0);
            const char *key;
            json_t *value;
            json_object_foreach(stored, key, value)
            {
                if (strcmp(key, "EventId") != 0 && strcmp(key, "EventTime") != 0)
                    FUZZ_ASSERT(json_equal(json_object_get(v, key), value));
            }
        }
        json_decref(v);
        xfree(body);
    }
    json_decref(stored);
}

static void check_cmds_parse(const char *list)
{
    uint64_t mask = 0xdeadbeef;
    char err[200] = "";
    if (store_webhook_cmds_parse(list, &mask, err, sizeof err)) {
        FUZZ_ASSERT(mask != 0 && mask <= (((uint64_t)1 << STORE_WEBHOOK_NCMDS) - 1));
    } else {
        FUZZ_ASSERT(mask == 0xdeadbeef && err[0] != '\0');
    }
    store_webhook_cmd_t c;
    if (store_webhook_cmd_find(list, &c))
        FUZZ_ASSERT(strcmp(store_webhook_cmd(c)->name, list) == 0);
    const char *platform = store_webhook_platform(list, STORE_WEBHOOK_STATE_CHANGE);
    FUZZ_ASSERT(platform != NULL && *platform != '\0');
}

static void mode_values(fuzz_input_t in)
{
    int attempt = (int)(uint32_t)fuzz_take_u64(&in, 4);
    int base = 1 + (int)(fuzz_take_u64(&in, 4) % INT_MAX);
    int max = 1 + (int)(fuzz_take_u64(&in, 4) % INT_MAX);
    uint32_t rnd = (uint32_t)fuzz_take_u64(&in, 4);
    check_backoff(attempt, base, max, rnd);
    check_backoff(attempt, base, max, 0);
    check_backoff(attempt, base, max, UINT32_MAX);

    uint64_t sdkappid = fuzz_take_u64(&in, 8);
    int64_t time = (int64_t)fuzz_take_u64(&in, 8);
    uint8_t cmd = fuzz_take_u8(&in);
    char *command = fuzz_take_str(&in), *ip = fuzz_take_str(&in);
    char *platform = fuzz_take_str(&in), *token = fuzz_take_str(&in);
    char *fields = fuzz_str(in.data, in.size);
    check_query(sdkappid, command, ip, platform, token, time);
    check_query(sdkappid, command, NULL, NULL, "", time);
    const store_webhook_cmd_def_t *def =
        store_webhook_cmd((store_webhook_cmd_t)(cmd % STORE_WEBHOOK_NCMDS));
    check_event_body(def->name, fields, time, (int64_t)sdkappid);
    check_cmds_parse(command);
    check_cmds_parse(fields);
    free(command);
    free(ip);
    free(platform);
    free(token);
    free(fields);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    fuzz_input_t in = {data + 1, size - 1};
    if (data[0] & 1)
        mode_values(in);
    else
        mode_reply(in, data[0] & 2);
    return 0;
}
