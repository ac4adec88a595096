/* Configuration (config/config.h): defaults, every key type, the file format, errors that name
 * the key and the line, CHATD_<KEY> overrides, the admin list, JWT settings and reload.
 * (tests/unit/test_docs.c checks config/chatd.conf against the key table.) */
#include "config/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth/auth.h"
#include "core/log.h"
#include "unit.h"

#define REQUIRED                                                                                   \
    "database_url = postgresql://u@127.0.0.1:5432/chatd\n"                                         \
    "sdkappid = 1400000000\n"                                                                      \
    "secret_key = k3y\n"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static char tmp_path[64];

/* Writes `text` to a fresh temporary file; its path is in tmp_path. */
static const char *write_conf(const char *text)
{
    snprintf(tmp_path, sizeof tmp_path, "/tmp/chatd-test-config-XXXXXX");
    int fd = mkstemp(tmp_path);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        abort();
    close(fd);
    return tmp_path;
}

/* No CHATD_* variable from the caller's environment may leak into a test. */
static void clear_env(void)
{
    for (const char *const *k = config_key_names(); *k; k++) {
        char var[64] = "CHATD_";
        for (size_t i = 0; (*k)[i] && i + 7 < sizeof var; i++)
            var[6 + i] = (char)toupper((unsigned char)(*k)[i]);
        unsetenv(var);
    }
}

/* config_load of `text`; the file is removed again. */
static bool load(const char *text, config_t *cfg, char *err, size_t errlen)
{
    clear_env();
    const char *path = write_conf(text);
    err[0] = '\0';
    bool ok = config_load(path, cfg, err, errlen);
    unlink(path);
    return ok;
}

/* Expects config_load(text) to fail with an error containing `want` (a %s in it is replaced
 * by the temporary file's path). */
static void expect_error(const char *text, const char *want, int line)
{
    config_t cfg;
    char err[512], expected[512];
    if (load(text, &cfg, err, sizeof err)) {
        fprintf(stderr, "%s:%d: config loaded, expected error \"%s\"\n", __FILE__, line, want);
        unit_test_failed_ = 1;
        config_clear(&cfg);
        return;
    }
    snprintf(expected, sizeof expected, want, tmp_path);
    if (strstr(err, expected) == NULL) {
        fprintf(stderr, "%s:%d: error \"%s\" lacks \"%s\"\n", __FILE__, line, err, expected);
        unit_test_failed_ = 1;
    }
    CHECK(cfg.database_url == NULL && cfg.secret_key == NULL && cfg.admin_count == 0);
}
#define EXPECT_ERROR(text, want) expect_error(text, want, __LINE__)

static void test_defaults(void)
{
    config_t cfg;
    char err[512];
    REQUIRE(load(REQUIRED, &cfg, err, sizeof err));
    CHECK_EQ_STR(cfg.listen_host, "127.0.0.1");
    CHECK_EQ_INT(cfg.listen_port, 8080);
    CHECK_EQ_STR(cfg.database_url, "postgresql://u@127.0.0.1:5432/chatd");
    CHECK_EQ_INT(cfg.db_pool_size, 4);
    CHECK_EQ_INT(cfg.db_max_waiting, 10000);
    CHECK_EQ_INT(cfg.sdkappid, 1400000000);
    CHECK_EQ_STR(cfg.secret_key, "k3y");
    CHECK_EQ_STR(cfg.admin_identifier, "administrator");
    CHECK_EQ_INT(cfg.admin_count, 1);
    CHECK_EQ_STR(cfg.admins[0], "administrator");
    CHECK_EQ_INT(cfg.jwt_algorithm, AUTH_JWT_NONE);
    CHECK_EQ_STR(cfg.jwt_secret, "");
    CHECK_EQ_STR(cfg.jwt_public_key_file, "");
    CHECK(cfg.jwt_public_key == NULL);
    CHECK_EQ_STR(cfg.jwt_user_claim, "sub");
    CHECK_EQ_STR(cfg.jwt_issuer, "");
    CHECK_EQ_STR(cfg.jwt_audience, "");
    CHECK_EQ_INT(cfg.jwt_leeway, 30);
    CHECK_EQ_INT(cfg.log_level, LOG_INFO);
    CHECK_EQ_INT(cfg.max_body_bytes, 1048576);
    CHECK_EQ_INT(cfg.shutdown_timeout_ms, 5000);
    CHECK_EQ_STR(cfg.schema_dir, "schema");
    config_clear(&cfg);
}

static void test_every_key_set(void)
{
    config_t cfg;
    char err[512];
    REQUIRE(load("listen = 0.0.0.0:9000\n"
                 "database_url = host=db dbname=chatd user=u\n"
                 "db_pool_size = 64\n"
                 "db_max_waiting = 1\n"
                 "sdkappid = 18446744073709551615\n"
                 "secret_key = s3cr3t\n"
                 "admin_identifier = root\n"
                 "jwt_algorithm = HS256\n"
                 "jwt_secret = 0123456789abcdef0123456789abcdef\n"
                 "jwt_public_key_file = /nonexistent\n"
                 "jwt_user_claim = uid\n"
                 "jwt_issuer = https://auth.example\n"
                 "jwt_audience = chatd\n"
                 "jwt_leeway = 0\n"
                 "log_level = error\n"
                 "max_body_bytes = 1024\n"
                 "shutdown_timeout_ms = 0\n"
                 "schema_dir = /opt/chatd/schema\n",
                 &cfg, err, sizeof err));
    CHECK_EQ_STR(cfg.listen_host, "0.0.0.0");
    CHECK_EQ_INT(cfg.listen_port, 9000);
    CHECK_EQ_STR(cfg.database_url, "host=db dbname=chatd user=u"); /* '=' inside a value */
    CHECK_EQ_INT(cfg.db_pool_size, 64);
    CHECK_EQ_INT(cfg.db_max_waiting, 1);
    CHECK(cfg.sdkappid == UINT64_MAX);
    CHECK_EQ_STR(cfg.secret_key, "s3cr3t");
    CHECK_EQ_STR(cfg.admins[0], "root");
    CHECK_EQ_INT(cfg.jwt_algorithm, AUTH_JWT_HS256);
    CHECK_EQ_STR(cfg.jwt_secret, "0123456789abcdef0123456789abcdef");
    CHECK_EQ_STR(cfg.jwt_user_claim, "uid");
    CHECK_EQ_STR(cfg.jwt_issuer, "https://auth.example");
    CHECK_EQ_STR(cfg.jwt_audience, "chatd");
    CHECK_EQ_INT(cfg.jwt_leeway, 0);
    CHECK_EQ_INT(cfg.log_level, LOG_ERROR);
    CHECK_EQ_INT(cfg.max_body_bytes, 1024);
    CHECK_EQ_INT(cfg.shutdown_timeout_ms, 0);
    CHECK_EQ_STR(cfg.schema_dir, "/opt/chatd/schema");
    config_clear(&cfg);
}

static void test_enumerations(void)
{
    static const struct {
        const char *text;
        log_level_t level;
    } levels[] = {
        {"debug", LOG_DEBUG}, {"info", LOG_INFO}, {"warn", LOG_WARN}, {"error", LOG_ERROR}};
    static const struct {
        const char *text;
        auth_jwt_alg_t alg;
    } algs[] = {{"none", AUTH_JWT_NONE}, {"HS256", AUTH_JWT_HS256}};
    config_t cfg;
    char err[512], text[512];
    for (size_t i = 0; i < N(levels); i++) {
        snprintf(text, sizeof text, REQUIRED "log_level = %s\n", levels[i].text);
        REQUIRE(load(text, &cfg, err, sizeof err));
        CHECK_EQ_INT(cfg.log_level, levels[i].level);
        config_clear(&cfg);
    }
    for (size_t i = 0; i < N(algs); i++) {
        snprintf(text, sizeof text,
                 REQUIRED "jwt_algorithm = %s\njwt_secret = 0123456789abcdef0123456789abcdef\n",
                 algs[i].text);
        REQUIRE(load(text, &cfg, err, sizeof err));
        CHECK_EQ_INT(cfg.jwt_algorithm, algs[i].alg);
        config_clear(&cfg);
    }
}

static void test_file_format(void)
{
    config_t cfg;
    char err[512];
    REQUIRE(load("# a comment line\n"
                 "\n"
                 "   \t\n"
                 "  database_url   =   postgresql://x/y   # trailing comment\n"
                 "sdkappid=1400000000\r\n"
                 "\tsecret_key\t=\tk\t\n"
                 "db_pool_size = 2\n"
                 "db_pool_size = 3\n" /* the last one wins */
                 "jwt_issuer =\n",
                 &cfg, err, sizeof err));
    CHECK_EQ_STR(cfg.database_url, "postgresql://x/y");
    CHECK_EQ_INT(cfg.sdkappid, 1400000000);
    CHECK_EQ_STR(cfg.secret_key, "k");
    CHECK_EQ_INT(cfg.db_pool_size, 3);
    CHECK_EQ_STR(cfg.jwt_issuer, "");
    config_clear(&cfg);
}

/* Lines longer than any fixed buffer stay one line: the value is whole and later line numbers
 * are right. */
static void test_long_value(void)
{
    static char text[16384], secret[10001];
    memset(secret, 's', sizeof secret - 1);
    snprintf(text, sizeof text, "database_url = postgresql://x/y\nsdkappid = 1\nsecret_key = %s\n",
             secret);
    config_t cfg;
    char err[512];
    REQUIRE(load(text, &cfg, err, sizeof err));
    CHECK_EQ_STR(cfg.secret_key, secret);
    config_clear(&cfg);
    strcat(text, "bogus = 1\n");
    EXPECT_ERROR(text, "%s:4: unknown key 'bogus'");
}

static void test_unknown_key_names_key_and_line(void)
{
    EXPECT_ERROR(REQUIRED "# comment\nbogus = 1\n", "%s:5: unknown key 'bogus'");
    EXPECT_ERROR("DB_POOL_SIZE = 1\n" REQUIRED, "%s:1: unknown key 'DB_POOL_SIZE'");
    EXPECT_ERROR(REQUIRED "listen_address = 1\n", "%s:4: unknown key 'listen_address'");
}

static void test_line_without_equals(void)
{
    EXPECT_ERROR(REQUIRED "\njust words\n", "%s:5: expected `key = value`");
}

static void test_bad_values_name_key_and_line(void)
{
    static const struct {
        const char *key, *value;
    } rows[] = {
        {"listen", "8080"},
        {"listen", ":8080"},
        {"listen", "localhost:"},
        {"listen", "localhost:65536"},
        {"listen", "localhost:-1"},
        {"listen", "localhost:http"},
        {"db_pool_size", "0"},
        {"db_pool_size", "65"},
        {"db_pool_size", "four"},
        {"db_pool_size", "4 5"},
        {"db_pool_size", "0x10"},
        {"db_pool_size", ""},
        {"db_pool_size", "99999999999999999999"},
        {"db_max_waiting", "0"},
        {"sdkappid", "0"},
        {"sdkappid", "-1"},
        {"sdkappid", "+5"},
        {"sdkappid", "1.5"},
        {"sdkappid", "18446744073709551616"},
        {"sdkappid", ""},
        {"jwt_algorithm", "hs256"},
        {"jwt_algorithm", "HS384"},
        {"jwt_algorithm", "RS512"},
        {"jwt_algorithm", "None"},
        {"jwt_leeway", "-1"},
        {"jwt_leeway", "3601"},
        {"log_level", "INFO"},
        {"log_level", "verbose"},
        {"max_body_bytes", "1023"},
        {"max_body_bytes", "67108865"},
        {"shutdown_timeout_ms", "600001"},
        {"shutdown_timeout_ms", "5s"},
    };
    char text[512], want[128];
    for (size_t i = 0; i < N(rows); i++) {
        /* On line 4, after the required keys (a repeated key's last value counts). */
        snprintf(text, sizeof text, REQUIRED "%s = %s\n", rows[i].key, rows[i].value);
        snprintf(want, sizeof want, "%%s:4: bad value for key '%s'", rows[i].key);
        expect_error(text, want, __LINE__);
    }
}

static void test_boundaries_accepted(void)
{
    static const char *const lines[] = {
        "db_pool_size = 1",  "db_pool_size = 64",         "max_body_bytes = 67108864",
        "jwt_leeway = 3600", "listen = 127.0.0.1:0",      "listen = 127.0.0.1:65535",
        "sdkappid = 1",      "db_max_waiting = 10000000", "shutdown_timeout_ms = 600000",
    };
    char text[512], err[512];
    config_t cfg;
    for (size_t i = 0; i < N(lines); i++) {
        snprintf(text, sizeof text, REQUIRED "%s\n", lines[i]);
        if (!load(text, &cfg, err, sizeof err)) {
            fprintf(stderr, "%s:%d: \"%s\" refused: %s\n", __FILE__, __LINE__, lines[i], err);
            unit_test_failed_ = 1;
            continue;
        }
        config_clear(&cfg);
    }
}

static void test_missing_required_keys(void)
{
    EXPECT_ERROR("sdkappid = 1\nsecret_key = k\n", "missing required key 'database_url'");
    EXPECT_ERROR("database_url = x\nsecret_key = k\n", "missing required key 'sdkappid'");
    EXPECT_ERROR("database_url = x\nsdkappid = 1\n", "missing required key 'secret_key'");
    EXPECT_ERROR("database_url = x\nsdkappid = 1\nsecret_key =\n",
                 "missing required key 'secret_key'");
    EXPECT_ERROR("database_url =\nsdkappid = 1\nsecret_key = k\n",
                 "missing required key 'database_url'");
    EXPECT_ERROR("", "missing required key");
}

static void test_missing_file(void)
{
    config_t cfg;
    char err[512];
    clear_env();
    CHECK(!config_load("/nonexistent/chatd.conf", &cfg, err, sizeof err));
    CHECK(strstr(err, "/nonexistent/chatd.conf") != NULL);
    CHECK(strstr(err, "cannot open") != NULL);
}

static void test_env_overrides_file(void)
{
    config_t cfg;
    char err[512];
    const char *path = write_conf(REQUIRED "db_pool_size = 3\nlog_level = info\n");
    clear_env();
    setenv("CHATD_DB_POOL_SIZE", "7", 1);
    setenv("CHATD_LISTEN", "0.0.0.0:1234", 1);
    setenv("CHATD_SECRET_KEY", "from-env", 1);
    setenv("CHATD_ADMIN_IDENTIFIER", "boss,deputy", 1);
    bool ok = config_load(path, &cfg, err, sizeof err);
    clear_env();
    unlink(path);
    REQUIRE(ok);
    CHECK_EQ_INT(cfg.db_pool_size, 7);
    CHECK_EQ_STR(cfg.listen_host, "0.0.0.0");
    CHECK_EQ_INT(cfg.listen_port, 1234);
    CHECK_EQ_STR(cfg.secret_key, "from-env");
    CHECK_EQ_INT(cfg.admin_count, 2);
    CHECK_EQ_INT(cfg.log_level, LOG_INFO); /* not overridden: the file's value */
    config_clear(&cfg);
}

static void test_env_alone(void)
{
    config_t cfg;
    char err[512];
    clear_env();
    setenv("CHATD_DATABASE_URL", "postgresql://e/e", 1);
    setenv("CHATD_SDKAPPID", "42", 1);
    setenv("CHATD_SECRET_KEY", "k", 1);
    bool ok = config_load(NULL, &cfg, err, sizeof err);
    clear_env();
    REQUIRE(ok);
    CHECK_EQ_STR(cfg.database_url, "postgresql://e/e");
    CHECK_EQ_INT(cfg.sdkappid, 42);
    config_clear(&cfg);
    CHECK(!config_load(NULL, &cfg, err, sizeof err));
    CHECK(strstr(err, "missing required key") != NULL);
}

static void test_env_bad_value_names_variable(void)
{
    config_t cfg;
    char err[512];
    const char *path = write_conf(REQUIRED);
    clear_env();
    setenv("CHATD_LOG_LEVEL", "loud", 1);
    bool ok = config_load(path, &cfg, err, sizeof err);
    clear_env();
    unlink(path);
    REQUIRE(!ok);
    CHECK(strstr(err, "CHATD_LOG_LEVEL") != NULL);
    CHECK(strstr(err, "'log_level'") != NULL);
}

static void test_admin_list(void)
{
    config_t cfg;
    char err[512];
    REQUIRE(load(REQUIRED "admin_identifier =  a , b,,c  ,\n", &cfg, err, sizeof err));
    CHECK_EQ_INT(cfg.admin_count, 3);
    CHECK_EQ_STR(cfg.admins[0], "a");
    CHECK_EQ_STR(cfg.admins[1], "b");
    CHECK_EQ_STR(cfg.admins[2], "c");
    CHECK(config_is_admin(&cfg, "a"));
    CHECK(config_is_admin(&cfg, "c"));
    CHECK(!config_is_admin(&cfg, "A"));
    CHECK(!config_is_admin(&cfg, " a"));
    CHECK(!config_is_admin(&cfg, "ab"));
    CHECK(!config_is_admin(&cfg, ""));
    CHECK(!config_is_admin(&cfg, "administrator"));
    config_clear(&cfg);

    REQUIRE(load(REQUIRED "admin_identifier = 1,2,3,4,5\n", &cfg, err, sizeof err));
    CHECK_EQ_INT(cfg.admin_count, CONFIG_MAX_ADMINS);
    config_clear(&cfg);
    REQUIRE(load(REQUIRED "admin_identifier = abcdefghijklmnopqrstuvwxyz012345\n", &cfg, err,
                 sizeof err));
    CHECK(config_is_admin(&cfg, "abcdefghijklmnopqrstuvwxyz012345"));
    config_clear(&cfg);

    EXPECT_ERROR(REQUIRED "admin_identifier = 1,2,3,4,5,6\n", "'admin_identifier'");
    EXPECT_ERROR(REQUIRED "admin_identifier = abcdefghijklmnopqrstuvwxyz0123456\n",
                 "'admin_identifier'");
    EXPECT_ERROR(REQUIRED "admin_identifier = ,\n", "'admin_identifier'");
    EXPECT_ERROR(REQUIRED "admin_identifier =\n", "'admin_identifier'");
}

static void test_jwt_hs256_secret_length(void)
{
    config_t cfg;
    char err[512];
    EXPECT_ERROR(REQUIRED "jwt_algorithm = HS256\n", "'jwt_secret'");
    EXPECT_ERROR(REQUIRED "jwt_algorithm = HS256\njwt_secret = 0123456789abcdef0123456789abcde\n",
                 "'jwt_secret'"); /* 31 bytes */
    REQUIRE(load(REQUIRED "jwt_algorithm = HS256\njwt_secret = 0123456789abcdef0123456789abcdef\n",
                 &cfg, err, sizeof err));
    auth_config_t a = auth_config_from(&cfg);
    CHECK_EQ_INT(a.jwt.alg, AUTH_JWT_HS256);
    CHECK_EQ_INT(a.jwt.key_len, 32);
    CHECK(memcmp(a.jwt.key, "0123456789abcdef0123456789abcdef", 32) == 0);
    CHECK_EQ_INT(a.sdkappid, 1400000000);
    CHECK_EQ_STR(a.secret_key, "k3y");
    CHECK_EQ_STR(a.jwt.user_claim, "sub");
    CHECK_EQ_INT(a.jwt.leeway, 30);
    config_clear(&cfg);
}

static void test_jwt_public_key_file(void)
{
    config_t cfg;
    char err[512], text[512], keypath[64];
    static const char pem[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    write_conf(pem);
    snprintf(keypath, sizeof keypath, "%s", tmp_path);
    EXPECT_ERROR(REQUIRED "jwt_algorithm = RS256\n", "'jwt_public_key_file'");
    EXPECT_ERROR(REQUIRED "jwt_algorithm = ES256\njwt_public_key_file = /nonexistent.pem\n",
                 "'jwt_public_key_file'");
    snprintf(text, sizeof text, REQUIRED "jwt_algorithm = RS256\njwt_public_key_file = %s\n",
             keypath);
    bool ok = load(text, &cfg, err, sizeof err);
    unlink(keypath);
    REQUIRE(ok);
    CHECK_EQ_INT(cfg.jwt_algorithm, AUTH_JWT_RS256);
    CHECK_EQ_INT(cfg.jwt_public_key_len, strlen(pem));
    CHECK_EQ_STR(cfg.jwt_public_key, pem);
    auth_config_t a = auth_config_from(&cfg);
    CHECK(a.jwt.key == (const unsigned char *)cfg.jwt_public_key);
    CHECK_EQ_INT(a.jwt.key_len, strlen(pem));
    config_clear(&cfg);
}

static void test_reload_applies_reloadable_keys_only(void)
{
    config_t live, fresh;
    char err[512];
    REQUIRE(load(REQUIRED "log_level = info\ndb_pool_size = 2\n", &live, err, sizeof err));
    REQUIRE(load(REQUIRED "log_level = error\ndb_pool_size = 9\nc2c_check_friends = on\n"
                          "friends_max = 5000\nuser_status = on\n",
                 &fresh, err, sizeof err));
    log_set_level(LOG_INFO);
    config_apply_reload(&live, &fresh);
    CHECK_EQ_INT(live.log_level, LOG_ERROR);
    CHECK_EQ_INT(log_get_level(), LOG_ERROR);
    CHECK_EQ_INT(live.db_pool_size, 2);
    CHECK_EQ_INT(live.c2c_check_friends, 1);
    CHECK_EQ_INT(live.friends_max, 5000);
    CHECK_EQ_INT(live.user_status, 1);
    log_set_level(LOG_INFO);
    config_clear(&live);
    config_clear(&fresh);
}

/* bus_url: empty is one node; redis://HOST[:PORT] is parsed; anything else names the key. */
static void test_bus_url(void)
{
    static const struct {
        const char *url, *host;
        int port;
    } good[] = {
        {"redis://127.0.0.1:6380", "127.0.0.1", 6380},
        {"redis://redis", "redis", 6379},
        {"redis://cache-1.internal:7000/", "cache-1.internal", 7000},
    };
    config_t cfg;
    char err[512], text[256];
    REQUIRE(load(REQUIRED, &cfg, err, sizeof err));
    CHECK(cfg.bus_host == NULL && strcmp(cfg.bus_url, "") == 0);
    config_clear(&cfg);
    for (size_t i = 0; i < N(good); i++) {
        snprintf(text, sizeof text, REQUIRED "bus_url = %s\n", good[i].url);
        REQUIRE(load(text, &cfg, err, sizeof err));
        CHECK_EQ_STR(cfg.bus_host, good[i].host);
        CHECK_EQ_INT(cfg.bus_port, good[i].port);
        config_clear(&cfg);
    }
    static const char *const bad[] = {"http://h:1",     "redis://",        "redis://:6379",
                                      "redis://h:0",    "redis://h:65536", "redis://h:x",
                                      "redis://h:1/db", "redis://us er@h"};
    for (size_t i = 0; i < N(bad); i++) {
        snprintf(text, sizeof text, REQUIRED "bus_url = %s\n", bad[i]);
        EXPECT_ERROR(text, "bad value for key 'bus_url'");
    }
}

/* node_id: derived from the host name and listen port when empty; checked when given. */
static void test_node_id(void)
{
    config_t cfg;
    char err[512], host[256] = "", want[128];
    REQUIRE(load(REQUIRED "listen = 127.0.0.1:9001\n", &cfg, err, sizeof err));
    gethostname(host, sizeof host - 1);
    host[strcspn(host, ".")] = '\0';
    snprintf(want, sizeof want, "%.48s-9001", host);
    CHECK_EQ_STR(cfg.node_id, want);
    config_clear(&cfg);
    REQUIRE(load(REQUIRED "node_id = web-1.a:b\n", &cfg, err, sizeof err));
    CHECK_EQ_STR(cfg.node_id, "web-1.a:b");
    config_clear(&cfg);
    EXPECT_ERROR(REQUIRED "node_id = a b\n", "bad value for key 'node_id'");
    EXPECT_ERROR(REQUIRED "node_id = "
                          "12345678901234567890123456789012345678901234567890123456789012345\n",
                 "bad value for key 'node_id'");
}

static void test_clear_twice(void)
{
    config_t cfg;
    char err[512];
    REQUIRE(load(REQUIRED, &cfg, err, sizeof err));
    config_clear(&cfg);
    config_clear(&cfg);
    CHECK(cfg.database_url == NULL);
}

/* config_mask_url: passwords in URL user info, keywords and query parameters; nothing else. */
static void test_mask_url(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"postgresql://postgres@127.0.0.1:5432/chatd",
         "postgresql://postgres@127.0.0.1:5432/chatd"},
        {"postgresql://u:s3cret@db:5432/chatd", "postgresql://u:********@db:5432/chatd"},
        {"postgres://u:p@ss@db/x", "postgres://u:********@db/x"},
        {"postgresql://u:pa/ss@db/x", "postgresql://u:********@db/x"},
        {"postgresql://u:a/b@c@db:5432/x?sslmode=require",
         "postgresql://u:********@db:5432/x?sslmode=require"},
        {"https://hooks.example/cb/a@b", "https://hooks.example/cb/a@b"},
        {"postgresql://db/x?user=u&password=pw&sslmode=require",
         "postgresql://db/x?user=u&password=********&sslmode=require"},
        {"host=db user=u password=pw dbname=x", "host=db user=u password=******** dbname=x"},
        {"host=db password = 'a b\\' c' dbname=x", "host=db password = ******** dbname=x"},
        {"password=pw", "password=********"},
        {"host=db mypassword=x", "host=db mypassword=x"},
        {"https://hooks.example/cb?app=1", "https://hooks.example/cb?app=1"},
        {"https://me:tok@hooks.example/cb", "https://me:********@hooks.example/cb"},
        {"", ""},
    };
    for (size_t i = 0; i < N(cases); i++) {
        char *got = config_mask_url(cases[i].in);
        CHECK_EQ_STR(got, cases[i].out);
        free(got);
    }
}

/* config_key_view: every key in table order, secrets masked, reloadable flags as the table. */
static void test_key_view(void)
{
    config_t cfg;
    char err[512];
    REQUIRE(load("database_url = postgresql://u:pw@127.0.0.1:5432/chatd\n"
                 "sdkappid = 1400000000\nsecret_key = k3y\nwebhook_token =\n",
                 &cfg, err, sizeof err));
    const char *const *names = config_key_names();
    size_t n = config_key_count(), seen = 0;
    for (size_t i = 0; i < n; i++) {
        config_key_view_t v;
        config_key_view(&cfg, i, &v);
        CHECK_EQ_STR(v.name, names[i]);
        if (strcmp(v.name, "secret_key") == 0) {
            CHECK_EQ_STR(v.value, "********");
            CHECK(v.secret && v.def == NULL && !v.reloadable);
            seen++;
        } else if (strcmp(v.name, "webhook_token") == 0) {
            CHECK_EQ_STR(v.value, "");
            CHECK(v.secret);
            seen++;
        } else if (strcmp(v.name, "database_url") == 0) {
            CHECK_EQ_STR(v.value, "postgresql://u:********@127.0.0.1:5432/chatd");
            seen++;
        } else if (strcmp(v.name, "listen") == 0) {
            CHECK_EQ_STR(v.value, "127.0.0.1:8080");
            seen++;
        } else if (strcmp(v.name, "log_level") == 0) {
            CHECK_EQ_STR(v.value, "info");
            CHECK(v.reloadable && !v.secret);
            seen++;
        } else if (strcmp(v.name, "console_enabled") == 0) {
            CHECK_EQ_STR(v.value, "1");
            CHECK_EQ_STR(v.def, "1");
            CHECK(v.reloadable);
            seen++;
        }
        free(v.value);
    }
    CHECK(names[n] == NULL);
    CHECK_EQ_INT(seen, 6);
    config_clear(&cfg);
}

UNIT_MAIN(test_defaults, test_every_key_set, test_enumerations, test_file_format, test_long_value,
          test_unknown_key_names_key_and_line, test_line_without_equals,
          test_bad_values_name_key_and_line, test_boundaries_accepted, test_missing_required_keys,
          test_missing_file, test_env_overrides_file, test_env_alone,
          test_env_bad_value_names_variable, test_admin_list, test_jwt_hs256_secret_length,
          test_jwt_public_key_file, test_reload_applies_reloadable_keys_only, test_bus_url,
          test_node_id, test_clear_twice, test_mask_url, test_key_view)
