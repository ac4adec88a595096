/*
 * hook — chatd's own admin API over the webhook outbox (chatd_webhook/list_dead, retry_dead;
 * docs/webhooks.md). rest.c is its only door; the outbox itself is store/webhook.c and the
 * dispatcher webhook/.
 */
#ifndef CHATD_API_HOOK_H
#define CHATD_API_HOOK_H

enum {
    HOOK_LIST_DEFAULT = 100, /* dead events per list_dead page when Limit is absent */
    HOOK_LIST_MAX = 1000,    /* … at most */
    HOOK_RETRY_MAX = 1000,   /* EventIds per retry_dead */
};

#endif
