/*
 * fuzz_ws_handshake — the RFC 6455 opening handshake helpers (ws/handshake.h).
 *
 * The input is read as the header block of an upgrade request: lines split at "\n" (a trailing
 * "\r" dropped), each "Name: value" (names matched case-insensitively, the first occurrence
 * kept, as evhttp_find_header() does). The harness then makes session.c's decision: Upgrade has
 * the token "websocket", Connection the token "upgrade", Sec-WebSocket-Version is "13" and
 * ws_accept_key() takes Sec-WebSocket-Key. Every value also goes through ws_header_has_token()
 * with the two tokens and with its own header name, and through ws_accept_key(). Asserted:
 * ws_header_has_token() agrees with a plain model (split at ',', trim spaces and tabs, compare
 * case-insensitively; tokens are never empty, as no caller passes one); ws_accept_key() accepts
 * exactly 22 base64 characters followed by "==" and answers
 * base64(SHA-1(key + GUID)), computed here with EVP_Digest, 28 characters and a NUL; RFC 6455's
 * own example key gives its example answer. Everything is freed.
 */
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "ws/handshake.h"

#define GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define MAX_HEADERS 32

typedef struct {
    char *name, *value;
} header_t;

static bool model_has_token(const char *value, const char *token)
{
    size_t tlen = strlen(token);
    const char *p = value;
    for (;;) {
        const char *end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        const char *s = p, *e = end;
        while (s < e && (*s == ' ' || *s == '\t'))
            s++;
        while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - s) == tlen && strncasecmp(s, token, tlen) == 0)
            return true;
        if (*end == '\0')
            return false;
        p = end + 1;
    }
}

static bool has_token(const char *value, const char *token)
{
    bool got = ws_header_has_token(value, token);
    FUZZ_ASSERT(got == model_has_token(value, token));
    return got;
}

static bool is_b64(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

static bool accept_key(const char *key, char out[WS_ACCEPT_LEN + 1])
{
    memset(out, 'x', WS_ACCEPT_LEN + 1);
    bool ok = ws_accept_key(key, out);
    size_t n = strlen(key);
    bool shape = n == 24 && key[22] == '=' && key[23] == '=';
    for (size_t i = 0; shape && i < 22; i++)
        shape = is_b64(key[i]);
    FUZZ_ASSERT(ok == shape);
    if (!ok)
        return false;
    FUZZ_ASSERT(out[WS_ACCEPT_LEN] == '\0' && strlen(out) == WS_ACCEPT_LEN);
    char buf[24 + sizeof GUID];
    memcpy(buf, key, 24);
    memcpy(buf + 24, GUID, sizeof GUID);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    FUZZ_ASSERT(EVP_Digest(buf, 24 + sizeof GUID - 1, md, &md_len, EVP_sha1(), NULL) == 1);
    char want[WS_ACCEPT_LEN + 1];
    FUZZ_ASSERT(EVP_EncodeBlock((unsigned char *)want, md, (int)md_len) == WS_ACCEPT_LEN);
    FUZZ_ASSERT(strcmp(out, want) == 0);
    return true;
}

static const char *find(const header_t *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool checked_rfc;
    char out[WS_ACCEPT_LEN + 1];
    if (!checked_rfc) {
        FUZZ_ASSERT(accept_key("dGhlIHNhbXBsZSBub25jZQ==", out));
        FUZZ_ASSERT(strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
        checked_rfc = true;
    }
    char *text = fuzz_str(data, size);
    header_t h[MAX_HEADERS];
    size_t n = 0;
    for (char *line = text, *next; line && n < MAX_HEADERS; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t len = strlen(line);
        if (len > 0 && line[len - 1] == '\r')
            line[len - 1] = '\0';
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        *colon = '\0';
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        h[n++] = (header_t){line, value};
    }
    for (size_t i = 0; i < n; i++) {
        has_token(h[i].value, "websocket");
        has_token(h[i].value, "upgrade");
        if (h[i].name[0] != '\0') /* every caller's token is a word; "" is outside the contract */
            has_token(h[i].value, h[i].name);
        accept_key(h[i].value, out);
    }
    const char *upgrade = find(h, n, "Upgrade"), *connection = find(h, n, "Connection");
    const char *version = find(h, n, "Sec-WebSocket-Version");
    const char *key = find(h, n, "Sec-WebSocket-Key");
    bool ok = upgrade && has_token(upgrade, "websocket") && connection &&
              has_token(connection, "upgrade") && version && strcmp(version, "13") == 0 && key &&
              accept_key(key, out);
    (void)ok;
    free(text);
    return 0;
}
