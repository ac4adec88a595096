/*
 * fuzz_config — the configuration file parser (config/config.h) over arbitrary text.
 *
 * The input is written to a memfd (made once per run) and loaded with config_load() through its
 * /proc/self/fd path, with every CHATD_* variable unset. config_load() reads one more file, the
 * one jwt_public_key_file names: this harness replaces core/file.c's file_read_all() with one
 * that serves a fixed PEM for "fuzz.pem" and refuses every other path, so no input makes the
 * run read /dev/zero or block on a FIFO. Asserted: a refusal says why and leaves the config
 * cleared (all zero); an accepted config has its required keys non-empty, 1 to
 * CONFIG_MAX_ADMINS admins of 1 to 32 bytes that config_is_admin() knows, at most
 * CONFIG_MAX_ALLOW allow ranges, a port in 0..65535, integers within their table bounds (the
 * ones spot-checked here), a JWT secret of 32 bytes or more for HS256 and the key's contents for
 * RS256/ES256. config_apply_reload() of it onto a fixed baseline copies exactly the reloadable
 * integer keys. Everything is freed (config_clear).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config/config.h"
#include "core/file.h"
#include "core/log.h"
#include "core/xalloc.h"
#include "core/xalloc.h"
#include "fuzz.h"

#define PEM                                                                                        \
    "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"

#define BASELINE                                                                                   \
    "database_url = postgresql://u@127.0.0.1:5432/chatd\n"                                         \
    "sdkappid = 1400000000\n"                                                                      \
    "secret_key = k3y\n"                                                                           \
    "log_level = error\n"

bool file_read_all(const char *path, char **out, size_t *len)
{
    if (strcmp(path, "fuzz.pem") != 0)
        return false;
    *out = xstrdup(PEM);
    if (len)
        *len = strlen(PEM);
    return true;
}

static int fd = -1;
static char path[64];
static config_t baseline;

static void put(const void *data, size_t size)
{
    FUZZ_ASSERT(ftruncate(fd, 0) == 0);
    FUZZ_ASSERT(size == 0 || pwrite(fd, data, size, 0) == (ssize_t)size);
}

static void setup(void)
{
    for (const char *const *k = config_key_names(); *k; k++) {
        char var[64] = "CHATD_";
        for (size_t i = 0; (*k)[i] && i + 7 < sizeof var; i++)
            var[6 + i] = (char)toupper((unsigned char)(*k)[i]);
        unsetenv(var);
    }
    fd = memfd_create("chatd-fuzz-config", 0);
    FUZZ_ASSERT(fd >= 0);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    log_set_level(LOG_ERROR);
    put(BASELINE, strlen(BASELINE));
    char err[512];
    FUZZ_ASSERT(config_load(path, &baseline, err, sizeof err));
}

static bool all_zero(const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

static void check_loaded(const config_t *cfg)
{
    FUZZ_ASSERT(cfg->database_url && *cfg->database_url && cfg->secret_key && *cfg->secret_key);
    FUZZ_ASSERT(cfg->sdkappid != 0);
    FUZZ_ASSERT(cfg->listen_host != NULL && cfg->listen_port >= 0 && cfg->listen_port <= 65535);
    FUZZ_ASSERT(cfg->admin_count >= 1 && cfg->admin_count <= CONFIG_MAX_ADMINS);
    for (int i = 0; i < cfg->admin_count; i++) {
        size_t n = strlen(cfg->admins[i]);
        FUZZ_ASSERT(n >= 1 && n <= 32);
        FUZZ_ASSERT(config_is_admin(cfg, cfg->admins[i]));
    }
    FUZZ_ASSERT(cfg->admin_allow_count >= 0 && cfg->admin_allow_count <= CONFIG_MAX_ALLOW);
    FUZZ_ASSERT(cfg->db_pool_size >= 1 && cfg->db_pool_size <= 64);
    FUZZ_ASSERT(cfg->jwt_leeway >= 0 && cfg->jwt_leeway <= 3600);
    FUZZ_ASSERT(cfg->max_body_bytes >= 1024 && cfg->max_body_bytes <= 64 * 1024 * 1024);
    FUZZ_ASSERT(cfg->ws_max_frame_bytes >= 1024 && cfg->ws_max_frame_bytes <= 16777216);
    FUZZ_ASSERT(cfg->msg_writer_lanes >= 1 && cfg->msg_writer_lanes <= 8);
    FUZZ_ASSERT(cfg->webhook_retry_base_ms >= 10 && cfg->webhook_retry_max_ms >= 10);
    FUZZ_ASSERT(cfg->jwt_algorithm >= 0 && cfg->jwt_algorithm <= 3);
    FUZZ_ASSERT(cfg->login_policy >= 0 && cfg->login_policy <= 3);
    FUZZ_ASSERT(cfg->log_level >= LOG_DEBUG && cfg->log_level <= LOG_ERROR);
    if (cfg->jwt_algorithm == 1)
        FUZZ_ASSERT(strlen(cfg->jwt_secret) >= 32);
    if (cfg->jwt_algorithm >= 2)
        FUZZ_ASSERT(cfg->jwt_public_key != NULL && cfg->jwt_public_key_len == strlen(PEM));
}

static void check_reload(const config_t *fresh)
{
    /* Shallow but for the reloadable strings, which config_apply_reload() replaces. */
    config_t live = baseline;
    live.tls_cert_file = xstrdup(baseline.tls_cert_file);
    live.tls_key_file = xstrdup(baseline.tls_key_file);
    config_apply_reload(&live, fresh);
    log_set_level(LOG_ERROR);
    log_set_format(LOG_TEXT);
    FUZZ_ASSERT(live.friends_max == fresh->friends_max);
    FUZZ_ASSERT(live.user_status == fresh->user_status);
    FUZZ_ASSERT(live.c2c_check_friends == fresh->c2c_check_friends);
    FUZZ_ASSERT(live.rate_limit_msgs_per_s == fresh->rate_limit_msgs_per_s);
    FUZZ_ASSERT(live.log_level == fresh->log_level && live.log_format == fresh->log_format);
    FUZZ_ASSERT(strcmp(live.tls_cert_file, fresh->tls_cert_file) == 0);
    FUZZ_ASSERT(strcmp(live.tls_key_file, fresh->tls_key_file) == 0);
    xfree(live.tls_cert_file);
    xfree(live.tls_key_file);
    /* Not reloadable: kept. */
    FUZZ_ASSERT(live.db_pool_size == baseline.db_pool_size);
    FUZZ_ASSERT(live.listen_port == baseline.listen_port);
    FUZZ_ASSERT(live.sdkappid == baseline.sdkappid);
    FUZZ_ASSERT(live.database_url == baseline.database_url);
    FUZZ_ASSERT(live.tls_listen == baseline.tls_listen);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (fd < 0)
        setup();
    put(data, size);
    config_t cfg;
    char err[512] = "";
    if (config_load(path, &cfg, err, sizeof err)) {
        check_loaded(&cfg);
        check_reload(&cfg);
        config_clear(&cfg);
    } else {
        FUZZ_ASSERT(err[0] != '\0');
    }
    FUZZ_ASSERT(all_zero(&cfg, sizeof cfg));
    return 0;
}
