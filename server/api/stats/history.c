/* REST open_msg_svc/get_history: hourly message export files (api/stats/stats.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "api/stats/stats.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"

#define PAGE_ROWS 500
#define OUT_CHUNK 16384
#define HOUR_S 3600

typedef enum { EXPORT_BUILDING = 0, EXPORT_READY } export_state_t;

typedef struct waiter {
    api_call_t *call;
    struct waiter *next;
} waiter_t;

typedef struct export export_t;
struct export
{
    history_exports_t *owner;
    char chat_type[8]; /* "C2C" or "Group" */
    char msg_time[11]; /* YYYYMMDDHH */
    int64_t start;     /* the hour's first second */
    export_state_t state;
    char token[64]; /* "<expires>-<hex>" */
    char name[40];  /* "C2C-2026120317.json.gz" */
    int64_t expires;
    int64_t file_size, gzip_size, count;
    char file_md5[33], gzip_md5[33];
    waiter_t *waiters; /* calls answered when the build ends */
    /* while building */
    int fd;
    bool z_open;
    z_stream z;
    EVP_MD_CTX *raw_md, *gz_md;
    int64_t after_ts, after_seq; /* the keyset cursor: the last row written */
    char *after_conv;
    export_t *next;
};

struct history_exports {
    const api_env_t *env;
    export_t *list;
};

/* ---- pure parts ---- */

bool history_hour_parse(const char *text, int64_t *start)
{
    if (text == NULL || strlen(text) != 10 || strspn(text, "0123456789") != 10)
        return false;
    struct tm tm = {0};
    if (sscanf(text, "%4d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour) != 4)
        return false;
    int year = tm.tm_year, mon = tm.tm_mon, mday = tm.tm_mday, hour = tm.tm_hour;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    /* timegm normalises 2026-02-30 into March: only a date it leaves alone is one. */
    if (t == (time_t)-1 || tm.tm_year != year - 1900 || tm.tm_mon != mon - 1 ||
        tm.tm_mday != mday || tm.tm_hour != hour || year < 1970)
        return false;
    *start = (int64_t)t;
    return true;
}

static bool token_ok(const char *t, size_t len, int64_t *expires)
{
    size_t digits = strspn(t, "0123456789");
    if (digits == 0 || digits > 19 || t[digits] != '-' || len != digits + 1 + 32)
        return false;
    for (size_t i = digits + 1; i < len; i++)
        if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
            return false;
    *expires = strtoll(t, NULL, 10);
    return true;
}

static bool name_ok(const char *n)
{
    const char *rest = strncmp(n, "C2C-", 4) == 0     ? n + 4
                       : strncmp(n, "Group-", 6) == 0 ? n + 6
                                                      : NULL;
    return rest && strspn(rest, "0123456789") == 10 && strcmp(rest + 10, ".json.gz") == 0;
}

bool history_export_path(const char *dir, const char *url_path, int64_t now, char *out, size_t len)
{
    if (strncmp(url_path, "/export/", 8) != 0)
        return false;
    const char *token = url_path + 8, *slash = strchr(token, '/');
    int64_t expires;
    if (slash == NULL || !token_ok(token, (size_t)(slash - token), &expires) || expires <= now ||
        !name_ok(slash + 1))
        return false;
    int n = snprintf(out, len, "%s/%.*s/%s", dir, (int)(slash - token), token, slash + 1);
    return n > 0 && (size_t)n < len;
}

/* ---- files ---- */

static char *export_dir(const history_exports_t *h, const char *token)
{
    return xasprintf("%s/%s", h->env->cfg->history_export_dir, token);
}

/* Removes an export's directory and what is in it (one file, maybe its .tmp). */
static void remove_dir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *file = xasprintf("%s/%s", path, e->d_name);
        unlink(file);
        xfree(file);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

/* Removes the expired export directories under history_export_dir. */
static void sweep_dir(const history_exports_t *h, int64_t now)
{
    DIR *d = opendir(h->env->cfg->history_export_dir);
    struct dirent *e;
    int64_t expires;
    while (d && (e = readdir(d)) != NULL) {
        if (!token_ok(e->d_name, strlen(e->d_name), &expires) || expires > now)
            continue;
        char *path = export_dir(h, e->d_name);
        remove_dir(path);
        xfree(path);
    }
    if (d)
        closedir(d);
}

static bool write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Appends JSON text to the file: counted and hashed as is, then compressed and written. */
static bool emit(export_t *e, const char *data, size_t len, bool finish)
{
    unsigned char out[OUT_CHUNK];
    EVP_DigestUpdate(e->raw_md, data, len);
    e->file_size += (int64_t)len;
    e->z.next_in = (unsigned char *)data;
    e->z.avail_in = (uInt)len;
    int rc;
    do {
        e->z.next_out = out;
        e->z.avail_out = sizeof out;
        rc = deflate(&e->z, finish ? Z_FINISH : Z_NO_FLUSH);
        if (rc == Z_STREAM_ERROR)
            return false;
        size_t n = sizeof out - e->z.avail_out;
        EVP_DigestUpdate(e->gz_md, out, n);
        e->gzip_size += (int64_t)n;
        if (n > 0 && !write_all(e->fd, out, n))
            return false;
    } while (e->z.avail_out == 0 || (finish && rc != Z_STREAM_END));
    return true;
}

static void hex_digest(EVP_MD_CTX *md, char out[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(md, d, &n);
    for (unsigned int i = 0; i < n && i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static char *tmp_path(const export_t *e)
{
    return xasprintf("%s/%s/%s.tmp", e->owner->env->cfg->history_export_dir, e->token, e->name);
}

/* mkdir -p: path and its missing parents. */
static bool make_dirs(const char *path)
{
    char *p = xstrdup(path);
    bool ok = true;
    for (char *s = p + 1; ok && *s; s++)
        if (*s == '/') {
            *s = '\0';
            ok = mkdir(p, 0750) == 0 || errno == EEXIST;
            *s = '/';
        }
    ok = ok && (mkdir(p, 0750) == 0 || errno == EEXIST);
    xfree(p);
    return ok;
}

/* Creates the directories and the .tmp file and starts the gzip stream. */
static bool export_open(export_t *e)
{
    const char *dir = e->owner->env->cfg->history_export_dir;
    char *tdir = export_dir(e->owner, e->token);
    bool ok = make_dirs(dir) && mkdir(tdir, 0750) == 0;
    if (!ok)
        log_error("history: cannot create %s: %s", tdir, strerror(errno));
    xfree(tdir);
    if (!ok)
        return false;
    char *path = tmp_path(e);
    e->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (e->fd < 0)
        log_error("history: cannot create %s: %s", path, strerror(errno));
    xfree(path);
    if (e->fd < 0)
        return false;
    /* windowBits 15 + 16: a gzip wrapper around the deflate stream. */
    if (deflateInit2(&e->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return false;
    e->z_open = true;
    e->raw_md = EVP_MD_CTX_new();
    e->gz_md = EVP_MD_CTX_new();
    EVP_DigestInit_ex(e->raw_md, EVP_md5(), NULL);
    EVP_DigestInit_ex(e->gz_md, EVP_md5(), NULL);
    char head[96];
    snprintf(head, sizeof head, "{\"ChatType\":\"%s\",\"MsgTime\":\"%s\",\"MsgList\":[",
             e->chat_type, e->msg_time);
    return emit(e, head, strlen(head), false);
}

/* Ends the build's resources (the file stays, or is removed when `discard`). */
static void export_close(export_t *e, bool discard)
{
    if (e->z_open)
        deflateEnd(&e->z);
    e->z_open = false;
    if (e->fd >= 0)
        close(e->fd);
    e->fd = -1;
    EVP_MD_CTX_free(e->raw_md);
    EVP_MD_CTX_free(e->gz_md);
    e->raw_md = e->gz_md = NULL;
    xfree(e->after_conv);
    e->after_conv = NULL;
    if (discard) {
        char *tdir = export_dir(e->owner, e->token);
        remove_dir(tdir);
        xfree(tdir);
    }
}

static void export_unlink(export_t *e)
{
    export_t **pp = &e->owner->list;
    while (*pp && *pp != e)
        pp = &(*pp)->next;
    if (*pp)
        *pp = e->next;
}

static void export_free(export_t *e)
{
    export_close(e, false);
    while (e->waiters) {
        waiter_t *w = e->waiters;
        e->waiters = w->next;
        xfree(w);
    }
    xfree(e);
}

/* ---- answers ---- */

static void answer(api_call_t *call, const export_t *e)
{
    const config_t *cfg = call->env->cfg;
    char base[300];
    if (*cfg->history_export_url)
        snprintf(base, sizeof base, "%s", cfg->history_export_url);
    else
        snprintf(base, sizeof base, "http://%s:%d",
                 strcmp(cfg->listen_host, "0.0.0.0") == 0 ? "127.0.0.1" : cfg->listen_host,
                 cfg->listen_port);
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        base[--blen] = '\0';
    char *url = xasprintf("%s/export/%s/%s", base, e->token, e->name);
    char expire[24];
    time_t t = (time_t)e->expires;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(expire, sizeof expire, "%Y-%m-%d %H:%M:%S", &tm);
    json_t *file = json_pack("{s:s, s:s, s:I, s:s, s:I, s:s}", "URL", url, "ExpireTime", expire,
                             "FileSize", (json_int_t)e->file_size, "FileMD5", e->file_md5,
                             "GzipSize", (json_int_t)e->gzip_size, "GzipMD5", e->gzip_md5);
    xfree(url);
    api_finish(call, json_pack("{s:[o]}", "File", file));
}

/* Ends a build that failed: every waiter gets err, the export and its files go. */
static void export_fail(export_t *e, err_t err, const char *detail)
{
    export_unlink(e);
    export_close(e, true);
    for (waiter_t *w = e->waiters; w; w = w->next)
        api_fail(w->call, err, detail ? "%s" : NULL, detail);
    export_free(e);
}

/* ---- the build ---- */

/* clang-format off */
#define PAGE_SQL(fields, like)                                                                     \
    "SELECT m.ts, m.conv_key, m.seq, json_build_object(" fields ","                                \
    "  'MsgSeq', m.seq, 'MsgRandom', m.random, 'MsgTimeStamp', m.ts,"                              \
    "  'MsgFlagBits', CASE WHEN m.flags & 16 <> 0 THEN 8 ELSE 0 END, 'MsgId', m.msg_id,"           \
    "  'MsgBody', m.body, 'CloudCustomData', COALESCE(m.cloud_custom_data, ''))::text"             \
    " FROM messages m WHERE m.ts >= GREATEST($1::bigint, $2::bigint)"                              \
    " AND m.ts < $1::bigint + 3600 AND m.conv_key LIKE '" like "' AND m.flags & 8 = 0"             \
    " AND (m.ts, m.conv_key, m.seq) > ($2::bigint, $3::text, $4::bigint)"                          \
    " ORDER BY m.ts, m.conv_key, m.seq LIMIT 500"
/* admin_getroammsg's fields for one-to-one messages, group_msg_get_simple's for groups; tips
 * (flag 8) are no one's messages. */
static const char c2c_page_sql[] = PAGE_SQL(
    "'From_Account', m.sender, 'To_Account', m.receiver,"
    "  'MsgKey', m.seq || '_' || m.random || '_' || m.ts", "c:%");
static const char group_page_sql[] = PAGE_SQL(
    "'GroupId', substr(m.conv_key, 3), 'From_Account', m.sender", "g:%");
/* clang-format on */

static void on_page(db_batch_t *b, err_t err, void *arg);

static void next_page(export_t *e)
{
    char start[24], ts[24], seq[24];
    snprintf(start, sizeof start, "%lld", (long long)e->start);
    snprintf(ts, sizeof ts, "%lld", (long long)e->after_ts);
    snprintf(seq, sizeof seq, "%lld", (long long)e->after_seq);
    db_batch_t *b = db_batch_new();
    const char *sql = strcmp(e->chat_type, "C2C") == 0 ? c2c_page_sql : group_page_sql;
    db_batch_add(b, sql, 4, (const char *[]){start, ts, e->after_conv ? e->after_conv : "", seq});
    db_pool_submit(e->owner->env->db, b, on_page, e);
}

/* The last page was written: close the JSON and the gzip stream, publish the file. */
static void export_finish(export_t *e)
{
    if (e->count == 0) {
        export_fail(e, ERR_HISTORY_NONE, "no messages of that type in that hour");
        return;
    }
    if (!emit(e, "]}\n", 3, true)) {
        export_fail(e, ERR_INTERNAL, "cannot write the export file");
        return;
    }
    hex_digest(e->raw_md, e->file_md5);
    hex_digest(e->gz_md, e->gzip_md5);
    char *tmp = tmp_path(e);
    char *final = xasprintf("%s/%s/%s", e->owner->env->cfg->history_export_dir, e->token, e->name);
    bool ok = close(e->fd) == 0 && rename(tmp, final) == 0;
    e->fd = -1;
    xfree(tmp);
    xfree(final);
    if (!ok) {
        export_fail(e, ERR_INTERNAL, "cannot write the export file");
        return;
    }
    export_close(e, false);
    e->state = EXPORT_READY;
    log_info("history: %s %s exported, %lld messages, %lld bytes gzipped", e->chat_type,
             e->msg_time, (long long)e->count, (long long)e->gzip_size);
    while (e->waiters) {
        waiter_t *w = e->waiters;
        e->waiters = w->next;
        answer(w->call, e);
        xfree(w);
    }
}

static void on_page(db_batch_t *b, err_t err, void *arg)
{
    export_t *e = arg;
    if (err != ERR_OK) {
        export_fail(e, err, NULL);
        return;
    }
    int rows = db_batch_rows(b, 0);
    for (int r = 0; r < rows; r++) {
        const char *msg = db_batch_value(b, 0, r, 3);
        if ((e->count++ > 0 && !emit(e, ",", 1, false)) || !emit(e, msg, strlen(msg), false)) {
            export_fail(e, ERR_INTERNAL, "cannot write the export file");
            return;
        }
    }
    if (rows > 0) {
        e->after_ts = db_batch_int(b, 0, rows - 1, 0, 0);
        xfree(e->after_conv);
        e->after_conv = xstrdup(db_batch_value(b, 0, rows - 1, 1));
        e->after_seq = db_batch_int(b, 0, rows - 1, 2, 0);
    }
    if (rows == PAGE_ROWS)
        next_page(e);
    else
        export_finish(e);
}

/* ---- the handler ---- */

static export_t *export_find(history_exports_t *h, const char *type, const char *msg_time)
{
    for (export_t *e = h->list; e; e = e->next)
        if (strcmp(e->chat_type, type) == 0 && strcmp(e->msg_time, msg_time) == 0)
            return e;
    return NULL;
}

/* Forgets the ready exports that expired and removes their files. */
static void sweep(history_exports_t *h, int64_t now)
{
    export_t **pp = &h->list;
    while (*pp) {
        export_t *e = *pp;
        if (e->state == EXPORT_READY && e->expires <= now) {
            *pp = e->next;
            char *tdir = export_dir(h, e->token);
            remove_dir(tdir);
            xfree(tdir);
            export_free(e);
        } else {
            pp = &e->next;
        }
    }
    sweep_dir(h, now);
}

static void add_waiter(export_t *e, api_call_t *call)
{
    waiter_t *w = XNEW(waiter_t);
    w->call = call;
    w->next = e->waiters;
    e->waiters = w;
}

void api_get_history(api_call_t *call)
{
    history_exports_t *h = call->env->exports;
    const char *type = json_string_value(json_object_get(call->body, "ChatType"));
    if (type == NULL || (strcmp(type, "C2C") != 0 && strcmp(type, "Group") != 0)) {
        api_fail(call, ERR_BAD_PARAM, "ChatType must be \"C2C\" or \"Group\"");
        return;
    }
    const json_t *mt = json_object_get(call->body, "MsgTime");
    char msg_time[24] = "";
    if (json_is_string(mt))
        snprintf(msg_time, sizeof msg_time, "%s", json_string_value(mt));
    else if (json_is_integer(mt))
        snprintf(msg_time, sizeof msg_time, "%lld", (long long)json_integer_value(mt));
    int64_t start, now = (int64_t)time(NULL);
    if (!history_hour_parse(msg_time, &start)) {
        api_fail(call, ERR_BAD_PARAM, "MsgTime must be an hour, YYYYMMDDHH (UTC)");
        return;
    }
    if (start + HOUR_S > now) {
        api_fail(call, ERR_HISTORY_NONE, "the hour %s is not over yet", msg_time);
        return;
    }
    sweep(h, now);
    export_t *e = export_find(h, type, msg_time);
    if (e && e->state == EXPORT_READY) {
        answer(call, e);
        return;
    }
    if (e) { /* building: answered with the others when it ends */
        add_waiter(e, call);
        return;
    }
    e = XNEW(export_t);
    e->owner = h;
    e->fd = -1;
    snprintf(e->chat_type, sizeof e->chat_type, "%s", type);
    snprintf(e->msg_time, sizeof e->msg_time, "%.10s", msg_time);
    e->start = start;
    e->expires = now + call->env->cfg->history_export_ttl_s;
    unsigned char rnd[16];
    rand_bytes(rnd, sizeof rnd);
    int n = snprintf(e->token, sizeof e->token, "%lld-", (long long)e->expires);
    for (size_t i = 0; i < sizeof rnd; i++)
        n += snprintf(e->token + n, sizeof e->token - (size_t)n, "%02x", rnd[i]);
    snprintf(e->name, sizeof e->name, "%s-%s.json.gz", type, msg_time);
    e->next = h->list;
    h->list = e;
    add_waiter(e, call);
    if (!export_open(e)) {
        export_fail(e, ERR_INTERNAL, "cannot write to history_export_dir");
        return;
    }
    next_page(e);
}

history_exports_t *history_exports_new(const api_env_t *env)
{
    history_exports_t *h = XNEW(history_exports_t);
    h->env = env;
    sweep_dir(h, (int64_t)time(NULL));
    return h;
}

void history_exports_free(history_exports_t *h)
{
    if (h == NULL)
        return;
    while (h->list) {
        export_t *e = h->list;
        h->list = e->next;
        export_free(e);
    }
    xfree(h);
}
