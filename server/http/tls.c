#include "http/tls.h"

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/xalloc.h"

struct tls {
    SSL_CTX *ctx;
    int64_t not_after;
};

/* TLS 1.2 suites with forward secrecy and AEAD; TLS 1.3's own list is OpenSSL's default. */
static const char tls12_ciphers[] = "ECDHE+AESGCM:ECDHE+CHACHA20";

static void openssl_reason(const char *what, const char *file, char *err, size_t errlen)
{
    char text[256] = "unknown error";
    unsigned long e = ERR_peek_last_error();
    if (e != 0)
        ERR_error_string_n(e, text, sizeof text);
    ERR_clear_error();
    snprintf(err, errlen, "%s (%s): %s", what, file, text);
}

/* Offers http/1.1 when the client speaks ALPN (browsers do); no other protocol is served. */
static int on_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                   const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char http11[] = "\x08http/1.1";
    unsigned char *sel = NULL;
    if (SSL_select_next_proto(&sel, outlen, http11, sizeof http11 - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK;
    *out = sel;
    return SSL_TLSEXT_ERR_OK;
}

static int64_t cert_not_after(SSL_CTX *ctx)
{
    X509 *cert = SSL_CTX_get0_certificate(ctx);
    struct tm tm;
    if (cert == NULL || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

static SSL_CTX *context_new(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        openssl_reason("TLS", "context", err, errlen);
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                                 SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(ctx, on_alpn, NULL);
    if (SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1) {
        openssl_reason("TLS", "cipher list", err, errlen);
    } else if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1) {
        openssl_reason("cannot load key 'tls_cert_file'", cert_file, err, errlen);
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) != 1) {
        openssl_reason("cannot load key 'tls_key_file'", key_file, err, errlen);
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        openssl_reason("key 'tls_key_file' does not match the certificate", cert_file, err, errlen);
    } else {
        return ctx;
    }
    SSL_CTX_free(ctx);
    return NULL;
}

tls_t *tls_new(const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    SSL_CTX *ctx = context_new(cert_file, key_file, err, errlen);
    if (ctx == NULL)
        return NULL;
    tls_t *t = XNEW(tls_t);
    t->ctx = ctx;
    t->not_after = cert_not_after(ctx);
    return t;
}

bool tls_reload(tls_t *t, const char *cert_file, const char *key_file, char *err, size_t errlen)
{
    SSL_CTX *ctx = context_new(cert_file, key_file, err, errlen);
    if (ctx == NULL)
        return false;
    SSL_CTX_free(t->ctx); /* open connections hold their own reference */
    t->ctx = ctx;
    t->not_after = cert_not_after(ctx);
    return true;
}

struct bufferevent *tls_bufferevent(struct event_base *base, void *arg)
{
    tls_t *t = arg;
    SSL *ssl = SSL_new(t->ctx);
    if (ssl == NULL) {
        ERR_clear_error();
        return NULL;
    }
    struct bufferevent *bev = bufferevent_openssl_socket_new(
        base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (bev == NULL) {
        SSL_free(ssl);
        return NULL;
    }
    /* Clients that close without close_notify are common and harmless for HTTP/1.1 framing. */
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    return bev;
}

bool tls_bufferevent_is_tls(struct bufferevent *bev)
{
    return bufferevent_openssl_get_ssl(bev) != NULL;
}

int64_t tls_not_after(const tls_t *t)
{
    return t->not_after;
}

void tls_free(tls_t *t)
{
    if (t == NULL)
        return;
    SSL_CTX_free(t->ctx);
    xfree(t);
}
