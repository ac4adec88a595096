/*
 * admin — chatd's own admin APIs for the web console (chatd_admin/…; docs/rest-api.md,
 * docs/console.md): what no Tencent API gives an operator. Searches of accounts and groups by
 * ID or name prefix (store/admin.h), a user's live sessions on this node (router/), and the
 * running configuration with its secrets masked (config/). rest.c is the only door.
 */
#ifndef CHATD_API_ADMIN_H
#define CHATD_API_ADMIN_H

enum {
    ADMIN_SEARCH_DEFAULT = 20, /* rows per search page when Limit is absent */
    ADMIN_SEARCH_MAX = 100,    /* … at most */
    ADMIN_PREFIX_MAX = 100,    /* bytes of a search Prefix */
    ADMIN_SESSIONS_MAX = 128,  /* sessions listed for one user */
};

#endif
