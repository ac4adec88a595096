/*
 * tls — the server side of TLS for the HTTP door: one SSL_CTX built from tls_cert_file and
 * tls_key_file, handed to evhttp as a bufferevent factory, so https and wss share every route.
 *
 * Defaults: TLS 1.2 and 1.3 only, AEAD ciphers with forward secrecy for 1.2, the server's
 * order, no compression, no renegotiation, ALPN http/1.1. tls_reload() builds a fresh context
 * from the files and swaps it in only when it loads: connections already open keep the one they
 * were made with (each SSL holds a reference to its context), new ones get the new certificate.
 *
 * Ownership: tls_new() returns a tls_t owned by the caller (tls_free()). Errors come back as a
 * one-line reason with OpenSSL's own text.
 */
#ifndef CHATD_HTTP_TLS_H
#define CHATD_HTTP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/attr.h"

typedef struct tls tls_t;
struct bufferevent;
struct event_base;

/* Loads the certificate chain and key; NULL with a reason when either is unusable or they do
 * not match. */
MUSTCHECK tls_t *tls_new(const char *cert_file, const char *key_file, char *err, size_t errlen);
/* Builds a new context from the files; on failure the running one stays and false is returned
 * with a reason. */
MUSTCHECK bool tls_reload(tls_t *t, const char *cert_file, const char *key_file, char *err,
                          size_t errlen);
/* A server-side TLS bufferevent without a socket yet (evhttp sets it): evhttp's bevcb. */
struct bufferevent *tls_bufferevent(struct event_base *base, void *tls);
/* Whether bev speaks TLS (made by tls_bufferevent()): its bytes cannot go to the socket as
 * they are. */
bool tls_bufferevent_is_tls(struct bufferevent *bev);
/* The current certificate's notAfter as Unix seconds (for the expiry metric). */
int64_t tls_not_after(const tls_t *t);
void tls_free(tls_t *t);

#endif
