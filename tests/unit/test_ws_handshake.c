/* ws/handshake: the accept key of RFC 6455 and the key shapes it refuses, header tokens. */
#include "ws/handshake.h"

#include "unit.h"

static void test_accept_key_rfc_example(void)
{
    char out[WS_ACCEPT_LEN + 1];
    CHECK(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out));
    CHECK_EQ_STR(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

static void test_accept_key_refuses_other_shapes(void)
{
    char out[WS_ACCEPT_LEN + 1];
    const char *bad[] = {
        "", "dGhlIHNhbXBsZSBub25jZQ=", /* 23 characters */
        "dGhlIHNhbXBsZSBub25jZQ===",   /* 25 */
        "dGhlIHNhbXBsZSBub25jZQAA",    /* no padding: 18 bytes */
        "dGhlIHNhbXBsZSBub25jZ!==",    /* outside the alphabet */
        /* F1 (docs/security.md): '=' among the first 22 characters. */
        "x3JJHMb==1EzLkh9GBhXDw==", "=3JJHMbDL1EzLkh9GBhXDw==", "x3JJHMbDL1EzLkh9GBhXD==="};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK(!ws_accept_key(bad[i], out));
}

static void test_header_tokens(void)
{
    CHECK(ws_header_has_token("keep-alive, Upgrade", "upgrade"));
    CHECK(ws_header_has_token(" upgrade ", "Upgrade"));
    CHECK(!ws_header_has_token("keep-alive", "upgrade"));
    CHECK(!ws_header_has_token("upgraded", "upgrade"));
}

UNIT_MAIN(test_accept_key_rfc_example, test_accept_key_refuses_other_shapes, test_header_tokens)
