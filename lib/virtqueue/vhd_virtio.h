/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Virtio split-ring layout and transport feature bits, as the VIRTIO 1.x
 * specification defines them. Shared by the device side (virtqueue engine)
 * and the driver side (test/perf frontend) so both agree on every byte.
 * All ring fields are little-endian; we only build for little-endian hosts.
 */

#ifndef VHD_VIRTIO_H
#define VHD_VIRTIO_H

#include <stdint.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "vhost-device assumes a little-endian host"
#endif

/** Transport feature bits (VIRTIO 1.2, section 6). */
#define VHD_F_NOTIFY_ON_EMPTY 24
#define VHD_F_ANY_LAYOUT 27
#define VHD_F_RING_INDIRECT_DESC 28
#define VHD_F_RING_EVENT_IDX 29
#define VHD_F_VERSION_1 32
#define VHD_F_ACCESS_PLATFORM 33
#define VHD_F_RING_PACKED 34
/** vhost-user: the backend speaks protocol features (not a virtio bit). */
#define VHD_USER_F_PROTOCOL_FEATURES 30

/** Bit mask of a feature number. */
#define VHD_BIT(n) (1ULL << (n))

/** Descriptor flags. */
#define VHD_DESC_F_NEXT 1
#define VHD_DESC_F_WRITE 2
#define VHD_DESC_F_INDIRECT 4

/** Driver asks the device not to interrupt (no EVENT_IDX). */
#define VHD_AVAIL_F_NO_INTERRUPT 1
/** Device asks the driver not to kick (no EVENT_IDX). */
#define VHD_USED_F_NO_NOTIFY 1

/** One split-ring descriptor (16 bytes). */
struct vhd_vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

/** Available ring header; ring[size] then used_event follow. */
struct vhd_vring_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};

/** One used-ring element. */
struct vhd_vring_used_elem {
	uint32_t id;
	uint32_t len;
};

/** Used ring header; ring[size] then avail_event follow. */
struct vhd_vring_used {
	uint16_t flags;
	uint16_t idx;
	struct vhd_vring_used_elem ring[];
};

/** Bytes taken by a descriptor table of @p size entries. */
static inline uint64_t
vhd_vring_desc_bytes(uint16_t size)
{
	return 16ULL * size;
}

/** Bytes taken by an available ring of @p size entries, used_event included. */
static inline uint64_t
vhd_vring_avail_bytes(uint16_t size)
{
	return 4ULL + 2ULL * size + 2ULL;
}

/** Bytes taken by a used ring of @p size entries, avail_event included. */
static inline uint64_t
vhd_vring_used_bytes(uint16_t size)
{
	return 4ULL + 8ULL * size + 2ULL;
}

/** Address of used_event (written by the driver) in the available ring. */
static inline volatile uint16_t *
vhd_vring_used_event(struct vhd_vring_avail *avail, uint16_t size)
{
	return (volatile uint16_t *)&avail->ring[size];
}

/** Address of avail_event (written by the device) in the used ring. */
static inline volatile uint16_t *
vhd_vring_avail_event(struct vhd_vring_used *used, uint16_t size)
{
	return (volatile uint16_t *)&used->ring[size];
}

/**
 * Event-index test shared by both directions: true when @p event_idx lies in
 * [old_idx, new_idx) modulo 2^16, i.e. the other side asked to be told once
 * the index moved past @p event_idx.
 */
static inline int
vhd_vring_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

#endif /* VHD_VIRTIO_H */
