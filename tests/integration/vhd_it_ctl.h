/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Integration tests of apps with simulated devices driven through
 * --sim-control sockets (lib/ctl): start the app with its control sockets
 * in its private directory, check they are gone after it exits, connect to
 * one and exchange command lines.
 */

#ifndef VHD_IT_CTL_H
#define VHD_IT_CTL_H

#include <stddef.h>

#include "vhd_it.h"

/**
 * Control socket @p idx of @p a, in its private directory, into @p buf;
 * @p idx < 0 gives the --sim-control base. Indexes stay below 10.
 */
const char *vhd_it_ctl_path(const struct vhd_fe_app *a, int idx, char *buf, size_t len);

/**
 * vhd_it_app_init() for device @p name, then vhd_it_app_start() with
 * --sim-control (the base of vhd_it_ctl_path()) and @p extra.
 */
void vhd_it_ctl_app_up(struct vhd_fe_app *a, const char *name, const char *const *extra,
		       unsigned int nsock);

/** vhd_it_app_stop(): exit 0, sockets gone, control sockets too; then vhd_it_app_fini(). */
void vhd_it_ctl_app_down(struct vhd_fe_app *a, unsigned int nsock);

/** Connect to control socket @p idx of @p a (replies time out after 3 s). */
int vhd_it_ctl_open(const struct vhd_fe_app *a, unsigned int idx);

/** Send @p cmd, return its reply line (a static buffer); fails the test without one. */
const char *vhd_it_ctl(int fd, const char *cmd);

#endif /* VHD_IT_CTL_H */
