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
#include <string.h>

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

/* Packed virtqueue (VIRTIO 1.2, section 2.8). */

/** Packed descriptor flag: available (compared with the driver's wrap counter). */
#define VHD_DESC_F_AVAIL (1 << 7)
/** Packed descriptor flag: used (compared with the device's wrap counter). */
#define VHD_DESC_F_USED (1 << 15)

/** One packed-ring descriptor (16 bytes). */
struct vhd_vring_packed_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t id;
	uint16_t flags;
};

/** Event suppression flags of a packed ring. */
#define VHD_RING_EVENT_ENABLE 0
#define VHD_RING_EVENT_DISABLE 1
#define VHD_RING_EVENT_DESC 2 /**< only with VIRTIO_F_RING_EVENT_IDX */

/** Event suppression structure (driver area and device area of a packed ring). */
struct vhd_vring_packed_event {
	uint16_t off_wrap; /**< bits 0..14 descriptor offset, bit 15 wrap counter */
	uint16_t flags;    /**< VHD_RING_EVENT_* */
};

/** Wrap counter bit in off_wrap and in vhost-user ring bases. */
#define VHD_PACKED_WRAP_BIT 15

/** Bytes taken by a packed descriptor ring of @p size entries. */
static inline uint64_t
vhd_vring_packed_bytes(uint16_t size)
{
	return 16ULL * size;
}

/**
 * Packed-ring event test: the other side asked (off_wrap) to be told when
 * position off of lap wrap is reached; we moved from @p old to @p new
 * (positions in [0, size)), @p new_wrap being the wrap counter at @p new.
 */
static inline int
vhd_vring_packed_need_event(uint16_t off_wrap, uint16_t old, uint16_t new, int new_wrap,
			    uint16_t size)
{
	uint16_t off = off_wrap & 0x7fff;

	/* Unwrap both onto the lap of @p new, allowing one wrap since @p old. */
	if (new <= old)
		old = (uint16_t)(old - size);
	if ((off_wrap >> VHD_PACKED_WRAP_BIT) != new_wrap)
		off = (uint16_t)(off - size);
	return vhd_vring_need_event(off, new, old);
}

/*
 * Little-endian fields of device messages, at any alignment (a request's
 * bytes in a guest buffer or a copy of them).
 */

/** Store @p v at @p p, little-endian. */
static inline void
vhd_put_le16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2); /* little-endian host: see the check above */
}

/** Store @p v at @p p, little-endian. */
static inline void
vhd_put_le32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

/** Store @p v at @p p, little-endian. */
static inline void
vhd_put_le64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/** Load a little-endian value from @p p. */
static inline uint16_t
vhd_get_le16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/** Load a little-endian value from @p p. */
static inline uint32_t
vhd_get_le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

#endif /* VHD_VIRTIO_H */
