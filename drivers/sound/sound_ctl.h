/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The jack control socket (--sim-control PATH): lines "jack ID connect",
 * "jack ID disconnect", "jacks" (state of every jack), "ping". Served on
 * the device's worker through lib/ctl; a change sends the guest a jack event.
 */

#ifndef SOUND_CTL_H
#define SOUND_CTL_H

#include <stddef.h>

#include "sound_dev.h"

/** Open the control socket of @p dev at @p path. @return 0 or -1 with @p err set. */
int sound_ctl_open(struct sound_dev *dev, const char *path, char *err, size_t err_len);

/** Close it (after the worker stopped). */
void sound_ctl_close(struct sound_dev *dev);

#endif /* SOUND_CTL_H */
