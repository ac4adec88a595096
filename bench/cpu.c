#include "cpu.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

int cpu_watch_parse(const char *arg, cpu_watch_t *w)
{
    const char *eq = strchr(arg, '=');
    if (eq == NULL || eq == arg)
        return -1;
    char *end;
    long pid = strtol(eq + 1, &end, 10);
    if (*end || pid <= 0)
        return -1;
    char *name = strndup(arg, (size_t)(eq - arg));
    w->name = name;
    w->pid = (int)pid;
    return 0;
}

/* Fields 4 (ppid) and 14-17 (utime, stime, cutime, cstime) of /proc/<pid>/stat. */
static int read_stat(const char *pid, int *ppid, uint64_t *own, uint64_t *reaped)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')'); /* the command name may hold spaces and parentheses */
    unsigned long long ut, st;
    long long cut, cst;
    if (p == NULL || sscanf(p + 2, "%*c %d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld",
                            ppid, &ut, &st, &cut, &cst) != 5)
        return -1;
    *own = ut + st;
    *reaped = (uint64_t)(cut + cst);
    return 0;
}

uint64_t cpu_ticks(int pid)
{
    char self[16];
    snprintf(self, sizeof self, "%d", pid);
    int ppid;
    uint64_t own, reaped;
    if (read_stat(self, &ppid, &own, &reaped) != 0)
        return 0;
    uint64_t total = own + reaped;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        uint64_t c_own, c_reaped;
        if (read_stat(e->d_name, &ppid, &c_own, &c_reaped) == 0 && ppid == pid)
            total += c_own;
    }
    if (d)
        closedir(d);
    return total;
}

uint64_t cpu_self_ticks(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    return (uint64_t)(s * (double)cpu_hz());
}

long cpu_hz(void)
{
    static long hz;
    if (hz == 0)
        hz = sysconf(_SC_CLK_TCK);
    return hz;
}
