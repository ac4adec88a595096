/* The pure parts of the callback protocol: signing, backoff, query strings, bodies, answers. */
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/sbuf.h"
#include "core/xalloc.h"
#include "webhook/webhook.h"

void webhook_sign(const char *token, int64_t request_time, char out[65])
{
    char t[24];
    snprintf(t, sizeof t, "%" PRId64, request_time);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    EVP_DigestUpdate(ctx, token, strlen(token));
    EVP_DigestUpdate(ctx, t, strlen(t));
    EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; i < len && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = '\0';
}

int64_t webhook_backoff_ms(int attempt, int base_ms, int max_ms, uint32_t rnd)
{
    if (attempt < 1)
        attempt = 1;
    int64_t d = base_ms;
    for (int i = 1; i < attempt && d < max_ms; i++)
        d *= 2;
    if (d > max_ms)
        d = max_ms;
    int64_t half = d / 2;
    return d - half + (half > 0 ? (int64_t)(rnd % (uint64_t)(half + 1)) : 0);
}

static void put_encoded(sbuf_t *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~')
            sbuf_append(b, (const char *)p, 1);
        else
            sbuf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
}

char *webhook_query(uint64_t sdkappid, const char *command, const char *client_ip,
                    const char *platform, const char *token, int64_t request_time)
{
    sbuf_t b = {0};
    sbuf_printf(&b, "SdkAppid=%" PRIu64 "&CallbackCommand=", sdkappid);
    put_encoded(&b, command);
    sbuf_puts(&b, "&contenttype=json&ClientIP=");
    put_encoded(&b, client_ip ? client_ip : "");
    sbuf_puts(&b, "&OptPlatform=");
    put_encoded(&b, platform ? platform : "RESTAPI");
    if (token && *token) {
        char sign[65];
        webhook_sign(token, request_time, sign);
        sbuf_printf(&b, "&Sign=%s&RequestTime=%" PRId64, sign, request_time);
    }
    return sbuf_steal(&b);
}

/* JSON's insignificant whitespace (RFC 8259 §2). */
static bool json_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

char *webhook_event_body(const char *command, const char *fields_json, int64_t event_time,
                         int64_t event_id)
{
    /* Spliced as text: the stored fields keep their order and are not parsed again. */
    const char *p = fields_json;
    while (json_blank(*p))
        p++;
    const char *e = p + strlen(p);
    while (e > p && json_blank(e[-1]))
        e--;
    if (e - p < 2 || *p != '{' || e[-1] != '}')
        return NULL;
    json_t *cmd = json_string(command);
    char *cmd_text = json_dumps(cmd, JSON_ENCODE_ANY);
    json_decref(cmd);
    const char *inner = p + 1, *inner_end = e - 1;
    while (inner < inner_end && json_blank(*inner))
        inner++;
    bool empty = inner == inner_end;
    char *out = xasprintf(
        "{\"CallbackCommand\":%s%s%.*s,\"EventTime\":%" PRId64 ",\"EventId\":%" PRId64 "}",
        cmd_text, empty ? "" : ",", (int)(inner_end - inner), inner, event_time, event_id);
    free(cmd_text);
    return out;
}

/* The answer as a JSON object, or NULL with why. */
static json_t *answer_object(int status, const char *body, size_t len, char *why, size_t whylen)
{
    if (status != 200) {
        snprintf(why, whylen, "HTTP %d", status);
        return NULL;
    }
    json_error_t jerr;
    json_t *v = body ? json_loadb(body, len, 0, &jerr) : NULL;
    if (!json_is_object(v)) {
        snprintf(why, whylen, "HTTP 200 but the body is not a JSON object");
        json_decref(v);
        return NULL;
    }
    return v;
}

bool webhook_after_ok(int status, const char *body, size_t len, char *why, size_t whylen)
{
    json_t *v = answer_object(status, body, len, why, whylen);
    if (v == NULL)
        return false;
    json_t *code = json_object_get(v, "ErrorCode");
    const char *action = json_string_value(json_object_get(v, "ActionStatus"));
    bool ok;
    if (action && strcmp(action, "FAIL") == 0)
        ok = false;
    else if (code != NULL)
        ok = json_is_integer(code) && json_integer_value(code) == 0;
    else
        ok = action && strcmp(action, "OK") == 0;
    if (!ok) {
        const char *info = json_string_value(json_object_get(v, "ErrorInfo"));
        snprintf(why, whylen, "answered ActionStatus %s, ErrorCode %" JSON_INTEGER_FORMAT "%s%s",
                 action ? action : "(none)", json_is_integer(code) ? json_integer_value(code) : -1,
                 info && *info ? ": " : "", info && *info ? info : "");
    }
    json_decref(v);
    return ok;
}

void webhook_before_parse(const store_webhook_cmd_def_t *def, int status, const char *body,
                          size_t len, webhook_before_t *out)
{
    memset(out, 0, sizeof *out);
    out->kind = WEBHOOK_BEFORE_FAILED;
    json_t *v = answer_object(status, body, len, out->info, sizeof out->info);
    if (v == NULL)
        return;
    json_t *code = json_object_get(v, "ErrorCode");
    const char *action = json_string_value(json_object_get(v, "ActionStatus"));
    const char *info = json_string_value(json_object_get(v, "ErrorInfo"));
    json_int_t c;
    if (code == NULL && action && strcmp(action, "OK") == 0)
        c = 0;
    else if (json_is_integer(code))
        c = json_integer_value(code);
    else {
        snprintf(out->info, sizeof out->info, "the answer has no integer ErrorCode");
        json_decref(v);
        return;
    }
    if (c == 0) {
        out->kind = WEBHOOK_BEFORE_ALLOW;
        out->reply = v;
        return;
    }
    if (c == 1 && def->refuse_code != 0) {
        out->kind = WEBHOOK_BEFORE_REFUSE;
        out->code = def->refuse_code;
    } else if (c == 2) {
        out->kind = WEBHOOK_BEFORE_DROP;
    } else if (def->custom_max > 0 && c >= def->custom_min && c <= def->custom_max) {
        out->kind = WEBHOOK_BEFORE_REFUSE;
        out->code = (int)c;
        snprintf(out->info, sizeof out->info, "%s",
                 info && *info ? info : "refused by the app's callback");
    } else {
        snprintf(out->info, sizeof out->info, "unexpected ErrorCode %" JSON_INTEGER_FORMAT, c);
    }
    json_decref(v);
}
