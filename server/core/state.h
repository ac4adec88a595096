/*
 * state — allowed-transition tables for the state machines of long-lived objects (db
 * connections, WebSocket sessions, webhook requests and the dispatcher), as PgBouncer's
 * change_client_state() does.
 *
 * A module lists, for each state, the set of states it may move to:
 *
 *     static const unsigned allowed[] = {
 *         [DB_CONN_IDLE] = STATE_BIT(DB_CONN_BUSY) | STATE_BIT(DB_CONN_BROKEN), ...};
 *
 * and its one state-changing function asserts STATE_ALLOWED(allowed, from, to) before it logs
 * the change at debug level. Staying in the same state is never a transition: the setter skips
 * it. States are small enum values (< 32). assert() is active in every build chatd ships and
 * tests (no NDEBUG), so a forbidden transition aborts with the file and line.
 */
#ifndef CHATD_CORE_STATE_H
#define CHATD_CORE_STATE_H

#include <assert.h>

#define STATE_BIT(s) (1u << (unsigned)(s))
#define STATE_ALLOWED(table, from, to) (((table)[(from)] & STATE_BIT(to)) != 0)

#endif
