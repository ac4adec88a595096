/*
 * ws — the WebSocket door: RFC 6455 at GET /ws on the REST listener, client sessions and the
 * JSON command protocol of docs/protocol.md.
 *
 * Frames are parsed by wslay (the only user of <wslay/wslay.h>); pushes and responses are
 * written as whole frames straight into the connection's output buffer, so one serialized push
 * is shared by every recipient (router_frame_t references, no copy per session). A plain
 * (not TLS) session's output is written by the server's flusher at the end of the loop pass,
 * one writev per session and pass, straight to the socket: the bufferevent's EV_WRITE (two
 * epoll_ctl calls per write) is enabled only for what the socket did not take at once.
 *
 * Session states (session_set_state() in session.c is the one function that changes them: it
 * asserts the move against its table of allowed transitions and logs it at debug level):
 *   AWAIT_LOGIN -> LOGGING_IN -> ONLINE -> (logout) AWAIT_LOGIN;  LOGGING_IN -> (refused)
 *   AWAIT_LOGIN;  any -> CLOSING -> DEAD;  any -> DEAD (socket gone).
 * A session is freed only after the loop pass that killed it (the reaper), never inside its own
 * callbacks. Commands in flight hold the session's id, not its pointer: a reply for a session
 * that is gone is dropped.
 */
#ifndef CHATD_WS_WS_H
#define CHATD_WS_WS_H

#include <stddef.h>

#include "api/api.h"
#include "http/http.h"

typedef struct ws_server ws_server_t;

/* Installs the /ws upgrade hook on `http`. */
ws_server_t *ws_server_new(const api_env_t *env, http_server_t *http);
/* Closes every session (code 1001, going away). */
void ws_server_close_all(ws_server_t *s);
/* Frees every session and the server; call after the loop has stopped. */
void ws_server_free(ws_server_t *s);
size_t ws_server_session_count(const ws_server_t *s);

#endif
