/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Driver (guest) side of a virtqueue, split or packed (VIRTIO_F_RING_PACKED
 * in the features given to vhd_fe_ring_init(); vhd_fe_packed.c), for tests
 * and perf tools that act as the guest. Works on a flat "guest memory" arena: the arena's bytes are
 * at @c base here and at guest physical address @c gpa_base for the device.
 * Unit tests put device and driver in one process over the same arena; the
 * vhost-user frontend (vhd_fe.h) shares the arena with a backend process.
 */

#ifndef VHD_FE_RING_H
#define VHD_FE_RING_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_virtio.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A guest memory arena with a bump allocator. */
struct vhd_fe_mem {
	uint8_t *base;     /**< mapping in this process */
	uint64_t gpa_base; /**< guest physical address of base[0] */
	uint64_t size;     /**< bytes */
	uint64_t brk;      /**< bytes handed out */
	int fd;            /**< backing file (memfd/hugetlbfs) or -1 */
};

/** Set up an arena over existing memory. */
void vhd_fe_mem_init(struct vhd_fe_mem *mem, void *base, uint64_t size, uint64_t gpa_base);

/**
 * Allocate @p len bytes aligned to @p align (a power of two), zeroed.
 * @return the pointer, or NULL when the arena is full; @p gpa gets the guest
 * address when not NULL.
 */
void *vhd_fe_mem_alloc(struct vhd_fe_mem *mem, uint64_t len, uint64_t align, uint64_t *gpa);

/** Guest address of @p p, which must lie in the arena. */
uint64_t vhd_fe_mem_gpa(const struct vhd_fe_mem *mem, const void *p);

/** One buffer of a chain the driver posts. */
struct vhd_fe_buf {
	void *ptr;    /**< inside the arena */
	uint32_t len;
};

/**
 * Driver side of one ring. For a packed ring, desc/avail/used point at the
 * descriptor ring and the driver and device event areas (what vhost-user's
 * SET_VRING_ADDR carries in those fields); use pdesc/drv_event/dev_event.
 */
struct vhd_fe_ring {
	struct vhd_fe_mem *mem;
	uint16_t size;
	struct vhd_vring_desc *desc;
	struct vhd_vring_avail *avail;
	struct vhd_vring_used *used;
	/* packed: avail_idx and last_used are positions in [0, size) */
	bool packed;
	bool avail_wrap;      /**< wrap counter at avail_idx */
	bool used_wrap;       /**< wrap counter at last_used */
	struct vhd_vring_packed_desc *pdesc;
	struct vhd_vring_packed_event *drv_event; /**< ours: calls wanted */
	struct vhd_vring_packed_event *dev_event; /**< the device's: kicks wanted */
	uint16_t n_pend;      /**< heads added, flags not yet stored */
	uint32_t unkicked;    /**< slots added since the last kick decision */
	uint32_t *pend;       /**< position << 16 | flags of those heads */
	uint16_t *raw_len;    /**< per position: slots of a raw chain put there */
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool event_idx;
	bool indirect;
	uint16_t avail_idx;   /**< next avail index to publish */
	uint16_t kicked_idx;  /**< avail index at the last kick decision */
	uint16_t last_used;   /**< next used entry to consume */
	uint16_t free_head;
	uint16_t num_free;
	uint16_t *next_free;  /**< private free list (guest can't corrupt it) */
	uint16_t *chain_len;  /**< descriptors per head */
	void **cookie;        /**< caller data per head */
};

/**
 * Allocate and lay out a ring of @p size entries in @p mem.
 * @p features selects EVENT_IDX and INDIRECT_DESC use.
 * @return 0 or -ENOMEM.
 */
int vhd_fe_ring_init(struct vhd_fe_ring *r, struct vhd_fe_mem *mem, uint16_t size,
		     uint64_t features);

/** Free the private arrays (ring memory stays in the arena). */
void vhd_fe_ring_fini(struct vhd_fe_ring *r);

/**
 * Post a chain: @p n_rd device-readable buffers then @p n_wr device-writable
 * ones. With @p indirect, one descriptor pointing to a table in the arena.
 * The entry is written but not published: call vhd_fe_ring_publish().
 * @return the head id, or -ENOSPC / -ENOMEM.
 */
int vhd_fe_ring_add(struct vhd_fe_ring *r, const struct vhd_fe_buf *bufs, unsigned int n_rd,
		    unsigned int n_wr, bool indirect, void *cookie);

/**
 * Put an arbitrary head id on the available ring (for malformed-ring tests,
 * with descriptors written by hand in r->desc). Not published yet. Split
 * rings only: ignored on a packed ring (see vhd_fe_packed_put_raw()).
 */
void vhd_fe_ring_add_raw_head(struct vhd_fe_ring *r, uint16_t head);

/** Make all added heads visible to the device (release store of avail->idx). */
void vhd_fe_ring_publish(struct vhd_fe_ring *r);

/** True when the device asked to be kicked for what was published since the last call. */
bool vhd_fe_ring_kick_needed(struct vhd_fe_ring *r);

/**
 * Take one used entry. Frees its descriptors when it was added with
 * vhd_fe_ring_add().
 * @return 1 with @p id, @p len and @p cookie set (NULL allowed), 0 when none.
 */
int vhd_fe_ring_get_used(struct vhd_fe_ring *r, uint16_t *id, uint32_t *len, void **cookie);

/**
 * Ask for (true) or against (false) used-buffer notifications.
 * @return true when used entries are already pending (don't sleep).
 */
bool vhd_fe_ring_want_calls(struct vhd_fe_ring *r, bool on);

/** Used entries not consumed yet. */
uint16_t vhd_fe_ring_used_pending(const struct vhd_fe_ring *r);

/**
 * Where a backend that lost its state resumes (vhost-user ring base): split,
 * the device's used index; packed, the position after the last used
 * descriptor the device wrote, wrap counter in bit 15.
 */
uint16_t vhd_fe_ring_device_base(const struct vhd_fe_ring *r);

/** The ring base that says "everything made available was taken", encoded as
 * vhd_fe_ring_device_base().
 */
uint16_t vhd_fe_ring_avail_base(const struct vhd_fe_ring *r);

/**
 * Packed ring only, for malformed-ring tests: write @p n descriptors exactly
 * as given (flags included, see vhd_fe_packed_avail_flags()) from the next
 * free position, the first one's flags last, and move past them. Published
 * at once. A used entry for them is matched by position (in-order devices).
 */
void vhd_fe_packed_put_raw(struct vhd_fe_ring *r, const struct vhd_vring_packed_desc *d,
			   unsigned int n);

/** AVAIL/USED flags that make the @p k-th next position available. */
uint16_t vhd_fe_packed_avail_flags(const struct vhd_fe_ring *r, unsigned int k);

#ifdef __cplusplus
}
#endif

#endif /* VHD_FE_RING_H */
