/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * In-process driver/device pair over one guest memory arena: a driver-side
 * ring (vhd_fe_ring) and the device-side engine (vhd_vq) on the same bytes.
 * Unit tests of the engine and of drivers post chains with the driver side
 * and serve them with the device side, no sockets or DPDK involved.
 */

#ifndef VHD_TEST_PAIR_H
#define VHD_TEST_PAIR_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_device.h"
#include "vhd_fe_ring.h"
#include "vhd_vq.h"

/** Guest physical address the arena starts at (non-zero on purpose). */
#define VHD_TEST_GPA_BASE 0x100000000ULL

struct vhd_test_pair {
	void *arena;
	uint64_t arena_size;
	struct vhd_fe_mem fmem;
	struct vhd_mem mem;
	struct vhd_fe_ring drv;
	struct vhd_vq vq;
};

/**
 * Build a pair with a ring of @p size entries and @p features negotiated
 * (VHD_F_RING_PACKED for a packed ring on both sides).
 */
int vhd_test_pair_init(struct vhd_test_pair *p, uint16_t size, uint64_t features);

/** Release the pair. */
void vhd_test_pair_fini(struct vhd_test_pair *p);

/** Allocate a zeroed buffer in guest memory. */
void *vhd_test_alloc(struct vhd_test_pair *p, uint32_t len);

/** Bytes past a guarded buffer that must stay as vhd_test_alloc_guarded() left them. */
#define VHD_TEST_GUARD 16

/**
 * A writable buffer of @p len bytes for a device to fill, followed by
 * VHD_TEST_GUARD guard bytes; all of it set to 0xee.
 */
uint8_t *vhd_test_alloc_guarded(struct vhd_test_pair *p, uint32_t len);

/** True when the guard after @p len bytes of a guarded buffer is untouched. */
bool vhd_test_guard_intact(const uint8_t *b, uint32_t len);

/**
 * Post one chain (readable buffers then writable buffers) and publish it.
 * @return head id, or a negative errno.
 */
int vhd_test_post(struct vhd_test_pair *p, const struct vhd_fe_buf *bufs, unsigned int n_rd,
		  unsigned int n_wr, bool indirect);

/**
 * Run @p ops->handle over every pending chain of queue @p q like a host
 * would: push the used length unless the request is held or retried.
 * @return the number of requests handled (held and retried included).
 */
int vhd_test_serve(struct vhd_test_pair *p, const struct vhd_device_ops *ops, void *priv,
		   uint16_t q);

/**
 * Take one used entry from the driver side.
 * @return 1 with @p id and @p len set, 0 when none.
 */
int vhd_test_used(struct vhd_test_pair *p, uint16_t *id, uint32_t *len);

#endif /* VHD_TEST_PAIR_H */
