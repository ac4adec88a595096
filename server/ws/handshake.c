#include "ws/handshake.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>
#include <strings.h>

static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool ws_accept_key(const char *client_key, char out[WS_ACCEPT_LEN + 1])
{
    unsigned char raw[32];
    /* OpenSSL's block decoder takes '=' anywhere: check the alphabet first (RFC 6455 §4.2.1). */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if (strlen(client_key) != 24 || strspn(client_key, b64) != 22 || client_key[22] != '=' ||
        client_key[23] != '=' || EVP_DecodeBlock(raw, (const unsigned char *)client_key, 24) != 18)
        return false;
    char buf[64];
    memcpy(buf, client_key, 24);
    memcpy(buf + 24, guid, sizeof guid - 1);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)buf, 24 + sizeof guid - 1, digest);
    EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH);
    out[WS_ACCEPT_LEN] = '\0';
    return true;
}

bool ws_header_has_token(const char *value, const char *token)
{
    size_t tlen = strlen(token);
    const char *p = value;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *end = p;
        while (*end && *end != ',')
            end++;
        const char *e = end;
        while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if ((size_t)(e - p) == tlen && strncasecmp(p, token, tlen) == 0)
            return true;
        p = end;
    }
    return false;
}
