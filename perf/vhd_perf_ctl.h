/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The line-oriented control socket of a simulated device (lib/ctl), as the
 * perf tool drives it: connect, send a command, read a reply line.
 */

#ifndef VHD_PERF_CTL_H
#define VHD_PERF_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * Connect to the control socket at @p path, retrying while the backend
 * starts, for up to @p timeout_ms. @return the fd, or -1 with an error line.
 */
int vhd_perf_ctl_connect(const char *path, uint32_t timeout_ms);

/** Send @p cmd whole. @return 0, or -1 with an error line. */
int vhd_perf_ctl_send(int fd, const char *cmd);

/**
 * Read one reply line into @p buf. Spinning: non-blocking recv() in a loop
 * (poll style); else blocking in poll() (notify style). One command is in
 * flight at a time, so whole chunks are taken: one recv() per reply.
 * @return 0, or -1 with an error line (closed, 5 s without a reply).
 */
int vhd_perf_ctl_reply(int fd, bool spin, char *buf, size_t size);

/**
 * Pause @p gap_us before a command, so that an interrupt or hybrid backend
 * is asleep again: spinning when @p spin (poll style), else nanosleep().
 */
void vhd_perf_ctl_gap(bool spin, uint32_t gap_us);

#endif /* VHD_PERF_CTL_H */
