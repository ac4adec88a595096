#include "http/console.h"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <string.h>

#include "core/log.h"

/* Only the console's own files, scripts and styles; its fetches go to this origin (the REST
 * API and /metrics); no frames, no forms elsewhere, no plugins. */
static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                          "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
                          "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const http_console_file_t *http_console_find(const char *name)
{
    for (const http_console_file_t *f = http_console_files; f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* One entity tag of a list at *p (spaces and commas around it skipped): its opaque part (from
 * the opening quote on) in [*tag, *tag + *len); false at the end or on a malformed tag. */
static bool next_tag(const char **p, const char **tag, size_t *len)
{
    const char *s = *p + strspn(*p, " \t,");
    if (*s == '\0')
        return false;
    if (strncmp(s, "W/", 2) == 0)
        s += 2;
    if (*s != '"')
        return false;
    const char *end = strchr(s + 1, '"');
    if (end == NULL)
        return false;
    *tag = s;
    *len = (size_t)(end + 1 - s);
    *p = end + 1;
    return true;
}

bool http_console_etag_matches(const char *if_none_match, const char *etag)
{
    const char *p = if_none_match + strspn(if_none_match, " \t"), *tag;
    size_t len;
    if (*p == '*')
        return true;
    while (next_tag(&p, &tag, &len))
        if (len == strlen(etag) && memcmp(tag, etag, len) == 0)
            return true;
    return false;
}

http_console_answer_t http_console_answer(const char *path, const char *if_none_match)
{
    http_console_answer_t a = {404, NULL};
    if (strcmp(path, "/console") == 0) {
        a.status = 301;
        return a;
    }
    if (strncmp(path, "/console/", 9) != 0)
        return a;
    const char *name = path[9] == '\0' ? "index.html" : path + 9;
    a.file = http_console_find(name);
    if (a.file == NULL)
        return a;
    bool fresh = if_none_match && http_console_etag_matches(if_none_match, a.file->etag);
    a.status = fresh ? 304 : 200;
    return a;
}

void http_console_handle(struct evhttp_request *req, const char *path, bool enabled)
{
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    const char *inm = evhttp_find_header(evhttp_request_get_input_headers(req), "If-None-Match");
    http_console_answer_t a =
        enabled ? http_console_answer(path, inm) : (http_console_answer_t){404, NULL};
    evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
    evhttp_add_header(h, "Referrer-Policy", "no-referrer");
    evhttp_add_header(h, "X-Frame-Options", "DENY");
    evhttp_add_header(h, "Cache-Control", "no-cache");
    struct evbuffer *out = evbuffer_new();
    if (a.status == 404) {
        static const char body[] = "{\"error\":\"not found\"}";
        evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
        evbuffer_add(out, body, sizeof body - 1);
        evhttp_send_reply(req, 404, "Not Found", out);
    } else if (a.status == 301) {
        evhttp_add_header(h, "Location", "/console/");
        evhttp_send_reply(req, 301, "Moved Permanently", out);
    } else {
        evhttp_add_header(h, "ETag", a.file->etag);
        evhttp_add_header(h, "Content-Security-Policy", csp);
        if (a.status == 200) {
            evhttp_add_header(h, "Content-Type", a.file->content_type);
            evbuffer_add_reference(out, a.file->data, a.file->len, NULL, NULL);
        }
        evhttp_send_reply(req, a.status, a.status == 200 ? "OK" : "Not Modified", out);
    }
    evbuffer_free(out);
    log_debug("http: GET %s: %d", path, a.status);
}
