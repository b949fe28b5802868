/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * CPU time of another process (the backend) from /proc/PID/stat, so the cost
 * of a waiting mode shows up next to its latency: a poller burns a core even
 * when no request comes.
 */

#ifndef VHD_PERF_CPU_H
#define VHD_PERF_CPU_H

#include <stdint.h>
#include <sys/types.h>

/**
 * User plus system time of every thread of @p pid so far, in nanoseconds
 * (clock-tick resolution, 10 ms at USER_HZ 100: sample over seconds).
 * @return 0, or -1 when the process can't be read.
 */
int vhd_perf_proc_cpu_ns(pid_t pid, uint64_t *ns);

/** CPU time of the calling thread so far, nanoseconds (0 when unavailable). */
uint64_t vhd_perf_thread_cpu_ns(void);

#endif /* VHD_PERF_CPU_H */
