/* The docs against the tables they describe: every ErrorCode of err_table() has its row in
 * docs/errors.md (and no row names a code chatd cannot emit), each service's (and WebSocket's)
 * spelling of the generic error kinds is the one docs/errors.md shows, every config key is
 * documented in config/chatd.conf (which must load as shipped), every REST route is in the
 * "Implemented APIs" table of docs/rest-api.md, every WebSocket command has a table row in
 * docs/protocol.md, every operation has its row in the authorization audit of docs/security.md
 * (with its REST service's not-admin code) and no row is left of one that is gone. Paths are
 * relative: run from the repository root, as `make test-unit` does. */
#include <ctype.h>
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"
#include "config/config.h"
#include "core/err.h"
#include "core/file.h"
#include "core/xalloc.h"
#include "store/webhook.h"
#include "unit.h"

#define ERRORS_MD "docs/errors.md"
#define REST_MD "docs/rest-api.md"
#define PROTOCOL_MD "docs/protocol.md"
#define ARCHITECTURE_MD "docs/architecture.md"
#define SECURITY_MD "docs/security.md"
#define CONF "config/chatd.conf"

/* The whole file as a string (xfree), or NULL after saying why. */
static char *slurp(const char *path)
{
    char *text = NULL;
    if (!file_read_all(path, &text, NULL))
        fprintf(stderr, "%s: cannot open; run from the repository root\n", path);
    return text;
}

static const char *next_line(const char *line)
{
    const char *nl = strchr(line, '\n');
    return nl ? nl + 1 : NULL;
}

static bool has_line_starting(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *line = text; line != NULL; line = next_line(line))
        if (strncmp(line, prefix, n) == 0)
            return true;
    return false;
}

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* `word` occurs in text with no letter, digit or '_' right before or after it. */
static bool has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = strstr(text, word); p != NULL; p = strstr(p + 1, word))
        if ((p == text || !is_word_char(p[-1])) && !is_word_char(p[n]))
            return true;
    return false;
}

static bool in_err_table(int code)
{
    size_t n;
    const err_entry_t *table = err_table(&n);
    for (size_t i = 0; i < n; i++)
        if (table[i].code == code)
            return true;
    return false;
}

static void test_every_error_code_has_a_row(void)
{
    char *doc = slurp(ERRORS_MD);
    REQUIRE(doc != NULL);
    size_t n;
    const err_entry_t *table = err_table(&n);
    for (size_t i = 0; i < n; i++) {
        char row[64];
        snprintf(row, sizeof row, "| %d |", table[i].code);
        bool found = has_line_starting(doc, row);
        if (!found)
            fprintf(stderr, "%s: no row starting \"%s\"\n", ERRORS_MD, row);
        CHECK(found);
    }
    xfree(doc);
}

static void test_error_rows_quote_the_error_text(void)
{
    char *doc = slurp(ERRORS_MD);
    REQUIRE(doc != NULL);
    size_t n;
    const err_entry_t *table = err_table(&n);
    for (size_t i = 0; i < n; i++) {
        char code[32], row[1024];
        snprintf(code, sizeof code, "| %d |", table[i].code);
        snprintf(row, sizeof row, "| %d | %s |", table[i].code, table[i].text);
        if (!has_line_starting(doc, code))
            continue; /* reported by test_every_error_code_has_a_row */
        bool found = has_line_starting(doc, row);
        if (!found)
            fprintf(stderr, "%s: the row of %d must start \"%s\"\n", ERRORS_MD, table[i].code, row);
        CHECK(found);
    }
    xfree(doc);
}

static void test_error_rows_name_only_codes_in_the_table(void)
{
    char *doc = slurp(ERRORS_MD);
    REQUIRE(doc != NULL);
    for (const char *line = doc; line != NULL; line = next_line(line)) {
        if (strncmp(line, "| ", 2) != 0 || !isdigit((unsigned char)line[2]))
            continue;
        char *end;
        long code = strtol(line + 2, &end, 10);
        if (strncmp(end, " |", 2) != 0)
            continue;
        bool known = in_err_table((int)code);
        if (!known)
            fprintf(stderr, "%s: row for %ld, which is not in err_table()\n", ERRORS_MD, code);
        CHECK(known);
    }
    xfree(doc);
}

/* The row of the per-service table: service, then how it spells each generic kind. */
static void service_row(const char *service, const err_service_t *errors, char *row, size_t len)
{
    static const err_t kinds[] = {ERR_JSON,      ERR_BAD_PARAM,    ERR_INTERNAL,
                                  ERR_NOT_ADMIN, ERR_NOT_IMPORTED, ERR_TOO_MANY};
    int n = snprintf(row, len, "| %s |", service);
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        int code = err_code(kinds[i], errors);
        n += snprintf(row + n, len - (size_t)n, " %d |", code);
        if (!in_err_table(code))
            fprintf(stderr, "service %s reports %d, which is not in err_table()\n", service, code);
        CHECK(in_err_table(code));
    }
}

static void test_service_rows_show_each_services_codes(void)
{
    char *doc = slurp(ERRORS_MD);
    REQUIRE(doc != NULL);
    size_t n;
    const api_op_t *ops = api_ops(&n);
    for (size_t i = 0; i < n; i++) {
        const char *service = ops[i].rest.service;
        bool seen = service == NULL;
        for (size_t j = 0; j < i && !seen; j++)
            seen = ops[j].rest.service && strcmp(ops[j].rest.service, service) == 0;
        if (seen)
            continue;
        const api_service_t *svc = api_service_find(service);
        char row[256];
        service_row(service, svc ? &svc->errors : NULL, row, sizeof row);
        bool found = has_line_starting(doc, row);
        if (!found)
            fprintf(stderr, "%s: no row starting \"%s\"\n", ERRORS_MD, row);
        CHECK(found);
    }
    /* WebSocket commands spell the generic kinds with api_ws_errors. */
    char row[256];
    service_row("WebSocket", &api_ws_errors, row, sizeof row);
    bool found = has_line_starting(doc, row);
    if (!found)
        fprintf(stderr, "%s: no row starting \"%s\"\n", ERRORS_MD, row);
    CHECK(found);
    xfree(doc);
}

static void test_every_config_key_is_documented(void)
{
    char *conf = slurp(CONF);
    REQUIRE(conf != NULL);
    for (const char *const *key = config_key_names(); *key != NULL; key++) {
        char set[128], commented[136];
        snprintf(set, sizeof set, "%s =", *key);
        snprintf(commented, sizeof commented, "# %s =", *key);
        bool found = has_line_starting(conf, set) || has_line_starting(conf, commented);
        if (!found)
            fprintf(stderr, "%s: no line \"%s …\" (or \"%s …\")\n", CONF, set, commented);
        CHECK(found);
    }
    xfree(conf);
}

static void test_shipped_config_loads(void)
{
    for (const char *const *key = config_key_names(); *key != NULL; key++) {
        char var[128] = "CHATD_";
        for (size_t i = 0; (*key)[i] != '\0' && i + 7 < sizeof var; i++)
            var[6 + i] = (char)toupper((unsigned char)(*key)[i]);
        unsetenv(var);
    }
    config_t cfg;
    char err[512] = "";
    bool ok = config_load(CONF, &cfg, err, sizeof err);
    if (!ok)
        fprintf(stderr, "%s does not load: %s\n", CONF, err);
    CHECK(ok);
    if (ok)
        config_clear(&cfg);
}

/* The text of the section that starts with the line `heading` (up to the next "## " line), as
 * a string (xfree), or NULL when there is no such heading. */
static char *section(const char *text, const char *heading)
{
    for (const char *line = text; line != NULL; line = next_line(line)) {
        if (strncmp(line, heading, strlen(heading)) != 0 || line[strlen(heading)] != '\n')
            continue;
        const char *end = next_line(line);
        while (end != NULL && strncmp(end, "## ", 3) != 0)
            end = next_line(end);
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *out = xmalloc(len + 1);
        memcpy(out, line, len);
        out[len] = '\0';
        return out;
    }
    return NULL;
}

static void test_every_route_is_documented(void)
{
    char *doc = slurp(REST_MD);
    REQUIRE(doc != NULL);
    char *table = section(doc, "## Implemented APIs");
    if (table == NULL)
        fprintf(stderr, "%s: no \"## Implemented APIs\" section\n", REST_MD);
    CHECK(table != NULL);
    size_t n;
    const api_op_t *ops = api_ops(&n);
    for (size_t i = 0; i < n; i++) {
        if (ops[i].rest.service == NULL)
            continue;
        char api[160];
        snprintf(api, sizeof api, "%s/%s", ops[i].rest.service, ops[i].rest.command);
        bool found = has_word(doc, api);
        if (!found)
            fprintf(stderr, "%s: %s is not mentioned\n", REST_MD, api);
        CHECK(found);
        bool listed = table != NULL && has_word(table, api);
        if (found && !listed)
            fprintf(stderr, "%s: %s is not in the \"Implemented APIs\" table\n", REST_MD, api);
        CHECK(listed);
    }
    xfree(table);
    xfree(doc);
}

/* Every WebSocket command (the ws door of api_ops(), plus login and logout, which ws/ handles
 * itself) has a row `| \`<name>\` |` in a commands table of docs/protocol.md. */
static void test_every_ws_command_is_documented(void)
{
    char *doc = slurp(PROTOCOL_MD);
    REQUIRE(doc != NULL);
    static const char *const session_cmds[] = {"login", "logout"};
    size_t n;
    const api_op_t *ops = api_ops(&n);
    for (size_t i = 0; i < n + 2; i++) {
        const char *name = i < n ? ops[i].ws.name : session_cmds[i - n];
        if (name == NULL)
            continue;
        char row[128];
        snprintf(row, sizeof row, "| `%s` |", name);
        bool found = has_line_starting(doc, row);
        if (!found)
            fprintf(stderr, "%s: no row starting \"%s\"\n", PROTOCOL_MD, row);
        CHECK(found);
    }
    xfree(doc);
}

/* The line of text that starts with prefix, or NULL. */
static const char *line_starting(const char *text, const char *prefix)
{
    size_t n = strlen(prefix);
    for (const char *line = text; line != NULL; line = next_line(line))
        if (strncmp(line, prefix, n) == 0)
            return line;
    return NULL;
}

/* Whether the line at `line` (up to its newline) ends with `suffix`. */
static bool line_ends_with(const char *line, const char *suffix)
{
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line), n = strlen(suffix);
    return len >= n && strncmp(line + len - n, suffix, n) == 0;
}

/* The authorization audit of docs/security.md has one table row per operation (its REST route
 * and its WebSocket command, `—` for a door it lacks), plus login and logout, and no other: a row
 * `| \`svc/cmd\` | \`name\` | … |` whose last cell is the code a non-admin gets from the REST
 * door (that service's not-admin code), or `—` without one. */
static void test_every_op_has_an_authorization_row(void)
{
    char *doc = slurp(SECURITY_MD);
    REQUIRE(doc != NULL);
    char *audit = section(doc, "## Authorization audit");
    if (audit == NULL)
        fprintf(stderr, "%s: no \"## Authorization audit\" section\n", SECURITY_MD);
    REQUIRE(audit != NULL);
    static const char *const session_cmds[] = {"login", "logout"};
    size_t n;
    const api_op_t *ops = api_ops(&n);
    for (size_t i = 0; i < n + 2; i++) {
        const api_route_t *r = i < n && ops[i].rest.service ? &ops[i].rest : NULL;
        const char *ws = i < n ? ops[i].ws.name : session_cmds[i - n];
        char rest_cell[160] = "\xe2\x80\x94", ws_cell[128] = "\xe2\x80\x94", row[300];
        char last[32] = "| \xe2\x80\x94 |";
        if (r) {
            snprintf(rest_cell, sizeof rest_cell, "`%s/%s`", r->service, r->command);
            const api_service_t *svc = api_service_find(r->service);
            REQUIRE(svc != NULL);
            snprintf(last, sizeof last, "| %d |", err_code(ERR_NOT_ADMIN, &svc->errors));
        }
        if (ws)
            snprintf(ws_cell, sizeof ws_cell, "`%s`", ws);
        snprintf(row, sizeof row, "| %s | %s |", rest_cell, ws_cell);
        const char *line = line_starting(audit, row);
        if (line == NULL)
            fprintf(stderr, "%s: no authorization row starting \"%s\"\n", SECURITY_MD, row);
        CHECK(line != NULL);
        bool code = line != NULL && line_ends_with(line, last);
        if (line != NULL && !code)
            fprintf(stderr, "%s: the row \"%s\" must end with \"%s\"\n", SECURITY_MD, row, last);
        CHECK(code);
    }
    size_t rows = 0;
    for (const char *line = audit; line != NULL; line = next_line(line))
        rows += strncmp(line, "| `", 3) == 0 || strncmp(line, "| \xe2\x80\x94 |", 7) == 0;
    if (rows != n + 2)
        fprintf(stderr, "%s: %zu authorization rows for %zu operations and login, logout\n",
                SECURITY_MD, rows, n);
    CHECK(rows == n + 2);
    xfree(audit);
    xfree(doc);
}

/* Every operation belongs to an area that docs/architecture.md describes, has at least one door,
 * and no REST route or WebSocket command is listed twice. */
static void test_every_op_has_an_area_and_unique_names(void)
{
    char *doc = slurp(ARCHITECTURE_MD);
    REQUIRE(doc != NULL);
    size_t n;
    const api_op_t *ops = api_ops(&n);
    for (size_t i = 0; i < n; i++) {
        char folder[64];
        snprintf(folder, sizeof folder, "`%s/`", ops[i].area);
        if (strstr(doc, folder) == NULL)
            fprintf(stderr, "%s: area %s is not described\n", ARCHITECTURE_MD, folder);
        CHECK(strstr(doc, folder) != NULL);
        CHECK(ops[i].rest.service != NULL || ops[i].ws.name != NULL);
        for (size_t j = 0; j < i; j++) {
            bool same_rest = ops[i].rest.service && ops[j].rest.service &&
                             strcmp(ops[i].rest.service, ops[j].rest.service) == 0 &&
                             strcmp(ops[i].rest.command, ops[j].rest.command) == 0;
            bool same_ws =
                ops[i].ws.name && ops[j].ws.name && strcmp(ops[i].ws.name, ops[j].ws.name) == 0;
            if (same_rest || same_ws)
                fprintf(stderr, "api_ops: row %zu repeats row %zu\n", i, j);
            CHECK(!same_rest && !same_ws);
        }
    }
    xfree(doc);
}

/* Appends every .c file under dir (recursively) but `skip` to *all, one after the other. */
static void slurp_sources(const char *dir, const char *skip, char **all, size_t *len)
{
    DIR *d = opendir(dir);
    REQUIRE(d != NULL);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n = strlen(e->d_name);
        if (e->d_type == DT_DIR) {
            slurp_sources(path, skip, all, len);
        } else if (n > 2 && strcmp(e->d_name + n - 2, ".c") == 0 && strcmp(path, skip) != 0) {
            char *text = slurp(path);
            REQUIRE(text != NULL);
            size_t t = strlen(text);
            *all = xrealloc(*all, *len + t + 2);
            memcpy(*all + *len, text, t);
            (*all)[*len + t] = '\n';
            *len += t + 1;
            (*all)[*len] = '\0';
            xfree(text);
        }
    }
    closedir(d);
}

/* Every command webhook_commands accepts is sent by some code path: its enum constant (or its
 * name quoted in SQL, 'Sns.CallbackFriendAdd') is used outside the catalogue. */
static void test_every_webhook_command_has_a_sender(void)
{
    char *all = xstrdup("");
    size_t len = 0;
    slurp_sources("server", "server/store/webhook.c", &all, &len);
    for (int i = 0; i < STORE_WEBHOOK_NCMDS; i++) {
        const store_webhook_cmd_def_t *def = store_webhook_cmd((store_webhook_cmd_t)i);
        char quoted[128];
        snprintf(quoted, sizeof quoted, "'%s'", def->name);
        bool sent = has_word(all, def->ident) || strstr(all, quoted) != NULL;
        if (!sent)
            fprintf(stderr, "webhook command %s (%s) has no sender\n", def->name, def->ident);
        CHECK(sent);
    }
    xfree(all);
}

UNIT_MAIN(test_every_webhook_command_has_a_sender, test_every_op_has_an_area_and_unique_names,
          test_every_error_code_has_a_row, test_error_rows_quote_the_error_text,
          test_error_rows_name_only_codes_in_the_table, test_service_rows_show_each_services_codes,
          test_every_config_key_is_documented, test_shipped_config_loads,
          test_every_route_is_documented, test_every_ws_command_is_documented,
          test_every_op_has_an_authorization_row)
