/*
 * handshake — the RFC 6455 opening handshake as pure functions (unit-tested).
 */
#ifndef CHATD_WS_HANDSHAKE_H
#define CHATD_WS_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/attr.h"

#define WS_ACCEPT_LEN 28 /* base64 of a SHA-1 digest */

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: base64(SHA1(key + GUID)).
 * `out` receives WS_ACCEPT_LEN characters and a NUL. False when the key is not 24 base64
 * characters (16 bytes). */
MUSTCHECK bool ws_accept_key(const char *client_key, char out[WS_ACCEPT_LEN + 1]);

/* True when a comma-separated header value contains `token` (case-insensitive), as in
 * "Connection: keep-alive, Upgrade". */
bool ws_header_has_token(const char *value, const char *token);

#endif
