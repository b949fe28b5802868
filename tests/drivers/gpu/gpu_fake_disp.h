/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The display end of a socketpair for the gpu unit tests: raw messages of
 * vhost-user-gpu's display protocol, fds received with them, and the
 * handshake a display answers (features, display info).
 */

#ifndef GPU_FAKE_DISP_H
#define GPU_FAKE_DISP_H

#include <stdint.h>

#include "gpu.h"
#include "vhd_test_host.h"

struct gpu_fake_disp {
	int fd;                  /* our end, -1: none */
	struct vhd_test_host *h; /* run while waiting for the device */
};

/** Send one message. */
void gpu_fake_disp_send(struct gpu_fake_disp *d, uint32_t req, uint32_t flags, const void *p,
			uint32_t size);

/**
 * Receive one message if one is pending: its request in *@p req, payload in
 * @p p (at most @p max bytes, asserted), an fd that came with it in *@p fd
 * (-1: none; @p fd NULL: asserted none). @return payload size, -1: none.
 */
int gpu_fake_disp_recv(struct gpu_fake_disp *d, uint32_t *req, void *p, uint32_t max, int *fd);

/** The next message must be @p want. @return its payload size. */
int gpu_fake_disp_expect(struct gpu_fake_disp *d, uint32_t want, void *p, uint32_t max, int *fd);

/**
 * Attach a display to @p dev that offers @p features and a @p w x @p h
 * output 0, and answer its handshake (no EDID asked for).
 */
void gpu_fake_disp_up(struct gpu_fake_disp *d, struct gpu_dev *dev, struct vhd_test_host *h,
		      uint64_t features, uint32_t w, uint32_t hgt);

/** Close our end. */
void gpu_fake_disp_close(struct gpu_fake_disp *d);

#endif /* GPU_FAKE_DISP_H */
