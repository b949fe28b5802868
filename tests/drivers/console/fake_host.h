/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * A vhd_host for driver unit tests: watched fds are poll()ed by
 * fake_host_pump(), which runs their callbacks like a worker would.
 */

#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include <stdint.h>

#include "vhd_device.h"

#define FAKE_HOST_MAX_WATCH 64

struct fake_watch {
	int fd;
	uint32_t events;
	vhd_fd_cb cb;
	void *arg;
};

struct fake_host {
	struct vhd_host host; /* first */
	struct fake_watch w[FAKE_HOST_MAX_WATCH];
	unsigned int wakes;
	unsigned int config_changes;
	int config_changed_rc; /* what config_changed() answers */
};

void fake_host_init(struct fake_host *h);

/** Watches of @p fd now (0 or 1), and its events. */
int fake_host_watched(const struct fake_host *h, int fd, uint32_t *events);

/** Watched fds in all. */
unsigned int fake_host_nwatch(const struct fake_host *h);

/**
 * Run ready callbacks until nothing is ready for @p idle_ms (a second at most).
 * @return callbacks run.
 */
unsigned int fake_host_pump(struct fake_host *h, int idle_ms);

#endif /* FAKE_HOST_H */
