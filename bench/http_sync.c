#include "http_sync.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int connect_to(const char *host, int port, int timeout_s, char *err, size_t err_size)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char service[16];
    snprintf(service, sizeof service, "%d", port);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        snprintf(err, err_size, "%s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (fd < 0)
            continue;
        struct timeval tv = {.tv_sec = timeout_s};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        snprintf(err, err_size, "connect %s:%d: %s", host, port, strerror(errno));
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int http_sync_post(const char *host, int port, const char *target, const char *body, int timeout_s,
                   int *status, char **resp, char *err, size_t err_size)
{
    int fd = connect_to(host, port, timeout_s, err, err_size);
    if (fd < 0)
        return -1;
    size_t blen = strlen(body);
    char head[1024];
    int hlen = snprintf(head, sizeof head,
                        "POST %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                        "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                        target, host, port, blen);
    char *buf = NULL;
    if (hlen < 0 || (size_t)hlen >= sizeof head) {
        snprintf(err, err_size, "request target too long");
        goto fail;
    }
    if (write_all(fd, head, (size_t)hlen) != 0 || write_all(fd, body, blen) != 0) {
        snprintf(err, err_size, "write: %s", strerror(errno));
        goto fail;
    }
    size_t len = 0, cap = 65536;
    buf = malloc(cap);
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            snprintf(err, err_size, "read: %s", strerror(errno));
            goto fail;
        }
        if (r == 0)
            break;
        len += (size_t)r;
        buf[len] = '\0';
        /* Stop at Content-Length rather than waiting for the server to close. */
        char *end = strstr(buf, "\r\n\r\n");
        if (end) {
            const char *cl = strcasestr(buf, "\r\ncontent-length:");
            if (cl && cl < end && len >= (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10))
                break;
        }
    }
    buf[len] = '\0';
    char *end = strstr(buf, "\r\n\r\n");
    if (strncmp(buf, "HTTP/1.", 7) != 0 || end == NULL || len < 12) {
        snprintf(err, err_size, "malformed HTTP response");
        goto fail;
    }
    *status = atoi(buf + 9);
    memmove(buf, end + 4, len - (size_t)(end + 4 - buf) + 1);
    *resp = buf;
    close(fd);
    return 0;
fail:
    free(buf);
    close(fd);
    return -1;
}
