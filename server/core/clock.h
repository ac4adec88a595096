/*
 * clock — the two clocks, named for what they measure.
 *
 * mono_*: CLOCK_MONOTONIC, for durations, deadlines and timers (never jumps when the system
 * time is set; its zero is arbitrary, so never store or send it). wall_*: CLOCK_REALTIME, for
 * timestamps that leave the process (EventTime, RequestTime, message times, expiries in unix
 * time); it may jump, so never subtract two readings to time something.
 */
#ifndef CHATD_CORE_CLOCK_H
#define CHATD_CORE_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds and microseconds. */
int64_t mono_ms(void);
int64_t mono_us(void);
/* Unix time in milliseconds and in seconds. */
int64_t wall_ms(void);
int64_t wall_s(void);

#endif
