/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* Helpers the frontend's files share (not part of its API). */

#ifndef VHD_FE_INTERNAL_H
#define VHD_FE_INTERNAL_H

#include <stdint.h>
#include <sys/socket.h>

/** Milliseconds on CLOCK_MONOTONIC. */
int64_t vhd_fe_now_ms(void);

/** Milliseconds left until @p deadline (vhd_fe_now_ms() based), 0 when past. */
int vhd_fe_remaining(int64_t deadline);

/** Close every fd a received message carried. @return how many. */
unsigned int vhd_fe_close_fds(struct msghdr *m);

/**
 * Move the first fd @p m carries into *@p sink when that holds none yet (< 0),
 * leaving the others for vhd_fe_close_fds().
 */
void vhd_fe_keep_first_fd(struct msghdr *m, int *sink);

#endif /* VHD_FE_INTERNAL_H */
