/* CPU time of other processes, read from /proc, to say where the time went during a run. */
#ifndef CHATD_BENCH_CPU_H
#define CHATD_BENCH_CPU_H

#include <stdint.h>

#define CPU_WATCH_MAX 4

/* A process to watch, named for the summary line (cpu_<name>=…%). */
typedef struct {
    const char *name;
    int pid;
    uint64_t start_ticks;
} cpu_watch_t;

/* Parses "NAME=PID"; 0 or -1. */
int cpu_watch_parse(const char *arg, cpu_watch_t *w);
/* CPU time in clock ticks of pid and its live children, plus the children it has reaped
 * (PostgreSQL's postmaster and its backends, say); 0 when pid is gone. */
uint64_t cpu_ticks(int pid);
/* CPU time of this process in clock ticks. */
uint64_t cpu_self_ticks(void);
/* Clock ticks per second. */
long cpu_hz(void);

#endif
