/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Device side of a virtqueue: pops the guest's descriptor chains as
 * requests (readable iovecs, then writable iovecs), returns them on the used
 * ring, and decides when the guest must be notified.
 *
 * The engine knows nothing of DPDK or vhost-user: it works on rings already
 * mapped into this process and on a guest memory table (struct vhd_mem).
 * Every value the guest controls is checked; a malformed chain is returned
 * to the guest with used length 0 and counted in vhd_vq_stats.bad_chains,
 * and the queue keeps serving.
 *
 * Drivers only see struct vhd_req and call vhd_vq_push()/vhd_vq_notify()
 * for requests they completed later (held requests). The ring format is
 * hidden behind these calls: split rings (vhd_vq_split.c) or packed rings
 * (vhd_vq_packed.c) when VIRTIO_F_RING_PACKED was negotiated.
 *
 * Threading: a vhd_vq is used by one thread at a time (its worker).
 */

#ifndef VHD_VQ_H
#define VHD_VQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "vhd_virtio.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most guest memory regions the engine tracks (vhost-user allows 8..509). */
#define VHD_MEM_MAX_REGIONS 64

/** Most segments one request may have; longer chains are bad chains. */
#define VHD_REQ_MAX_IOV 256

/** Largest queue size the engine accepts (virtio split and packed limit). */
#define VHD_VQ_MAX_SIZE 32768

/** One guest memory region mapped into this process. */
struct vhd_mem_region {
	uint64_t gpa;  /**< guest physical address of the first byte */
	uint64_t size; /**< length in bytes */
	uint8_t *hva;  /**< where the first byte is mapped here */
};

/** Guest memory table. */
struct vhd_mem {
	uint32_t nregions;
	struct vhd_mem_region regions[VHD_MEM_MAX_REGIONS];
};

/**
 * Translate a guest range to a pointer. The whole range must lie inside one
 * region; a range straddling two regions or wrapping 2^64 returns NULL.
 */
void *vhd_mem_translate(const struct vhd_mem *mem, uint64_t gpa, uint64_t len);

/**
 * Guest address of @p hva, a pointer the engine took from @p mem (say an
 * iovec of a request the driver holds: keep the guest address, translate it
 * again when completing, as the table may be remapped meanwhile).
 * @return 0, or -1 when @p hva lies in no region.
 */
int vhd_mem_to_gpa(const struct vhd_mem *mem, const void *hva, uint64_t *gpa);

/**
 * One request: a descriptor chain as iovecs. iov[0..n_rd) are readable by
 * the device (driver -> device), iov[n_rd..n_rd+n_wr) writable.
 */
struct vhd_req {
	uint16_t id;     /**< head descriptor id, passed back to vhd_vq_push() */
	uint16_t n_rd;   /**< readable segments */
	uint16_t n_wr;   /**< writable segments */
	uint32_t rd_len; /**< total readable bytes */
	uint32_t wr_len; /**< total writable bytes */
	struct iovec iov[VHD_REQ_MAX_IOV];
};

/** Writable segments of @p req. */
static inline struct iovec *
vhd_req_wr_iov(struct vhd_req *req)
{
	return &req->iov[req->n_rd];
}

/**
 * Copy up to @p len bytes from the readable part of @p req, starting at byte
 * @p off of that part, into @p buf.
 * @return bytes copied (less than @p len when the request is shorter).
 */
size_t vhd_req_read(const struct vhd_req *req, size_t off, void *buf, size_t len);

/**
 * Copy @p len bytes from @p buf into the writable part of @p req starting at
 * byte @p off of that part.
 * @return bytes copied (less than @p len when the request is shorter).
 */
size_t vhd_req_write(struct vhd_req *req, size_t off, const void *buf, size_t len);

/** Generic iovec gather/scatter used by the request helpers. */
size_t vhd_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *buf,
		      size_t len);
/** Generic iovec scatter used by the request helpers. */
size_t vhd_iov_from_buf(const struct iovec *iov, unsigned int n, size_t off, const void *buf,
			size_t len);

/**
 * True when the @p n bytes at @p p are all zero (reserved fields, a
 * pattern that is a hole when written). @p n 0: true.
 */
bool vhd_mem_is_zero(const void *p, size_t n);

/** Per-queue counters; all monotonic. */
struct vhd_vq_stats {
	uint64_t requests;     /**< chains popped and accepted */
	uint64_t bytes_rd;     /**< readable bytes of accepted chains */
	uint64_t bytes_wr;     /**< used lengths reported back */
	uint64_t bad_chains;   /**< chains rejected as malformed */
	uint64_t bad_avail;    /**< times avail->idx jumped by more than the size */
	uint64_t calls;        /**< guest notifications sent */
	uint64_t calls_suppressed; /**< completions that needed no notification */
	uint64_t kicks;        /**< kicks received (counted by the host loop) */
	uint64_t busy_polls;   /**< polls that found work */
	uint64_t idle_polls;   /**< polls that found nothing */
};

/** How the guest is asked to notify the device. */
enum vhd_vq_notify_mode {
	VHD_VQ_KICKS_OFF, /**< device polls: guest should not kick */
	VHD_VQ_KICKS_ON,  /**< device sleeps: guest must kick */
};

/**
 * In-flight tracking (vhost-user's INFLIGHT_SHMFD): the engine reports
 * every chain it takes and every completion so that a restarted backend
 * knows what was in flight. Kept free of DPDK: the host layer keeps the
 * in-flight area (vhd_inflight.c). Split rings call taken, completing and
 * completed; packed rings call the p_ hooks instead.
 */
struct vhd_vq_track {
	/**
	 * Chain @p head was taken from the avail ring. A chain given back with
	 * vhd_vq_unpop() stays reported: it is the next in ring order, so a
	 * restart that counts it in flight resubmits it and skips it on the ring.
	 */
	void (*taken)(void *ctx, uint16_t head);
	/** Chain @p head is about to be written to the used ring. */
	void (*completing)(void *ctx, uint16_t head);
	/** Chain @p head is on the used ring and published (used->idx is @p used_idx). */
	void (*completed)(void *ctx, uint16_t head, uint16_t used_idx);
	void *ctx;
	/**
	 * Packed: chain @p id took @p count ring slots from slot @p pos (still
	 * as the driver wrote them). @p count 0: the chain was given back with
	 * vhd_vq_unpop(); it is taken again when popped again.
	 */
	void (*p_taken)(void *ctx, uint16_t id, uint16_t pos, uint16_t count);
	/**
	 * Packed: a used descriptor is about to be written, after which the
	 * used position is @p next (encoded as vhd_vq_config.used_idx). @p id
	 * is a taken chain's, or -1 for a malformed chain returned unserved.
	 * Used descriptors of a tracked ring are published one at a time.
	 */
	void (*p_completing)(void *ctx, int id, uint16_t next);
	/** Packed: that used descriptor is published. */
	void (*p_completed)(void *ctx, int id, uint16_t next);
};

/** A virtqueue as the device sees it. Fields are private to the engine. */
struct vhd_vq {
	/* ring, set by vhd_vq_setup() */
	struct vhd_vring_desc *desc;
	struct vhd_vring_avail *avail;
	struct vhd_vring_used *used;
	uint16_t size;
	const struct vhd_mem *mem;
	bool event_idx;
	bool indirect;
	bool notify_on_empty;
	/* indexes */
	uint16_t last_avail;   /**< next avail entry to pop */
	uint16_t used_idx;     /**< next used entry to write (shadow of used->idx) */
	uint16_t signalled_used; /**< used idx when the guest was last told */
	bool signalled_valid;
	uint16_t batch;        /**< used entries written but not yet published */
	enum vhd_vq_notify_mode kicks;
	/* packed ring: last_avail and used_idx are positions in [0, size) */
	bool packed;
	bool avail_wrap;       /**< driver wrap counter at last_avail */
	bool used_wrap;        /**< device wrap counter at used_idx */
	struct vhd_vring_packed_desc *pdesc;
	struct vhd_vring_packed_event *drv_event; /**< written by the driver */
	struct vhd_vring_packed_event *dev_event; /**< written by us */
	uint16_t batch_pos;    /**< first unpublished used descriptor */
	uint16_t batch_flags;  /**< its flags, stored last by vhd_vq_flush() */
	uint16_t undo_avail;   /**< last_avail before the last pop (vhd_vq_unpop) */
	bool undo_wrap;
	uint16_t undo_id;
	/** Per buffer id: descriptors of the chain in flight, 0 when free. */
	uint16_t *chain_count;
	uint32_t chain_count_size;
	/** File descriptor written to notify the guest, or -1. */
	int call_fd;
	/** In-flight tracking hooks, or NULL (vhd_vq_track_set()). */
	const struct vhd_vq_track *track;
	/** Heads in flight before a restart, popped before the avail ring
	 * (packed: descriptor counts of the chains copied at rs_desc).
	 */
	uint16_t *resubmit;
	struct vhd_vring_packed_desc *rs_desc;
	uint32_t rs_off;       /**< packed: first descriptor of the next chain at rs_desc */
	uint32_t undo_rs_off;
	uint16_t n_resubmit;
	uint16_t resubmit_pos;
	bool undo_resubmit;    /**< the last pop came from the resubmit list */
	struct vhd_vq_stats stats;
};

/** Parameters of vhd_vq_setup(). */
struct vhd_vq_config {
	void *desc;               /**< descriptor table, or packed descriptor ring */
	void *avail;              /**< available ring, or packed driver event area */
	void *used;               /**< used ring, or packed device event area */
	/** Split: power of two, 1..VHD_VQ_MAX_SIZE; packed: 1..VHD_VQ_MAX_SIZE. */
	uint16_t size;
	/**
	 * Where to resume popping and pushing. Split: free-running indexes.
	 * Packed: position in bits 0..14 and wrap counter in bit 15, as
	 * vhost-user's ring base and rte_vhost_get_vring_base() carry them.
	 */
	uint16_t last_avail;
	uint16_t used_idx;        /**< see last_avail */
	uint64_t features;        /**< negotiated virtio features (VIRTIO_F_RING_PACKED) */
	const struct vhd_mem *mem;
	int call_fd;
	/**
	 * The same ring continues after a pause: chains popped before and not
	 * pushed yet stay in flight (packed rings track their buffer ids).
	 */
	bool resume;
};

/**
 * Attach a ring. Statistics are kept across calls.
 * @return 0, -EINVAL for an unusable size or missing ring, -ENOMEM.
 */
int vhd_vq_setup(struct vhd_vq *vq, const struct vhd_vq_config *cfg);

/** Release what vhd_vq_setup() allocated (packed rings); the vq may be set up again. */
void vhd_vq_fini(struct vhd_vq *vq);

/**
 * Track in-flight chains through @p track (kept by the caller), and hand
 * the chains at @p heads (in flight when a previous backend died) to the
 * driver again, before any new chain: each is popped exactly once. Call
 * after vhd_vq_setup(), which forgets both.
 * @return 0, -ENOTSUP for a packed ring, -ENOMEM.
 */
int vhd_vq_track_set(struct vhd_vq *vq, const struct vhd_vq_track *track, const uint16_t *heads,
		     uint16_t n);

/**
 * vhd_vq_track_set() for a packed ring. A packed ring's slots are reused
 * for used descriptors, so what was in flight comes as copies: @p n chains,
 * chain i made of the next @p counts[i] descriptors at @p descs (as the
 * driver wrote them), handed to the driver first, oldest first. The ring
 * resumes popping at @p last_avail and writing used descriptors at
 * @p used_idx (encoded as vhd_vq_config), which the caller recovered with
 * the copies. Copies are checked like ring chains: a malformed one is
 * returned with length 0, one with an unusable buffer id is dropped.
 * @return 0, -ENOTSUP for a split ring, -EINVAL for bad positions, -ENOMEM.
 */
int vhd_vq_track_set_packed(struct vhd_vq *vq, const struct vhd_vq_track *track,
			    uint16_t last_avail, uint16_t used_idx,
			    const struct vhd_vring_packed_desc *descs, const uint16_t *counts,
			    uint16_t n);

/** True when the guest has published chains that were not popped yet. */
bool vhd_vq_has_work(const struct vhd_vq *vq);

/**
 * The guest's side of a ring as it is now, next to our indexes: what a
 * stalled queue is diagnosed from (lost kick: pending != 0 with kicks armed;
 * lost interrupt: nothing pending, everything published, the guest asking
 * for an interrupt).
 */
struct vhd_vq_peek {
	/** Split: avail->idx. Packed: flags of the descriptor at last_avail. */
	uint16_t avail_idx;
	/** Split: avail->flags. Packed: the driver event area's flags. */
	uint16_t avail_flags;
	/** Split: used_event (meaningful with EVENT_IDX). Packed: the driver
	 * event area's off_wrap.
	 */
	uint16_t used_event;
	/** Split: used->idx as the guest reads it. Packed: our position with
	 * the wrap counter in bit 15, as vhd_vq_used_idx().
	 */
	uint16_t guest_used_idx;
	/** Chains published and not popped (packed: 1 when at least one). */
	uint16_t pending;
	/** Chains completed and not yet published. */
	uint16_t unpublished;
};

/**
 * Read the guest's side of @p vq for diagnostics. The ring must be mapped
 * (a running queue); the worker may run meanwhile: each field is one
 * naturally aligned read.
 */
void vhd_vq_peek(const struct vhd_vq *vq, struct vhd_vq_peek *p);

/**
 * Pop the next chain into @p req.
 * Malformed chains are returned to the guest (used length 0), counted, and
 * skipped: this call then moves on to the next chain.
 * @return 1 when @p req holds a request, 0 when the ring is empty.
 */
int vhd_vq_pop(struct vhd_vq *vq, struct vhd_req *req);

/**
 * True when the request the last vhd_vq_pop() returned is one a previous
 * backend had taken and not completed (vhd_vq_track_set()): resubmitted.
 */
static inline bool
vhd_vq_resubmitted(const struct vhd_vq *vq)
{
	return vq->undo_resubmit;
}

/** Give back the last popped request unconsumed; it is popped again later. */
void vhd_vq_unpop(struct vhd_vq *vq);

/**
 * Put request @p id on the used ring with @p len bytes written. The entry is
 * published to the guest by vhd_vq_flush() (or by vhd_vq_notify()).
 */
void vhd_vq_push(struct vhd_vq *vq, uint16_t id, uint32_t len);

/**
 * Publish pushed entries (used->idx) and decide whether the guest needs a
 * notification, honouring VIRTIO_RING_F_EVENT_IDX / NO_INTERRUPT and
 * NOTIFY_ON_EMPTY.
 * @return true when the guest must be notified.
 */
bool vhd_vq_flush(struct vhd_vq *vq);

/** vhd_vq_flush(), then write call_fd when needed. Counts calls. */
void vhd_vq_notify(struct vhd_vq *vq);

/**
 * Ask the guest to kick (VHD_VQ_KICKS_ON) or not to (VHD_VQ_KICKS_OFF).
 * When turning kicks on, the ring is re-checked after a full barrier.
 * @return true when work arrived meanwhile: the caller must not sleep.
 */
bool vhd_vq_set_kicks(struct vhd_vq *vq, enum vhd_vq_notify_mode mode);

/** Guest-visible used index (for GET_VRING_BASE after a flush), encoded as
 * vhd_vq_config.used_idx.
 */
static inline uint16_t
vhd_vq_used_idx(const struct vhd_vq *vq)
{
	if (vq->packed)
		return (uint16_t)(vq->used_idx | (vq->used_wrap ? 1u << VHD_PACKED_WRAP_BIT : 0));
	return vq->used_idx;
}

/** Next chain to pop, encoded as vhd_vq_config.last_avail (ring base). */
static inline uint16_t
vhd_vq_last_avail(const struct vhd_vq *vq)
{
	if (vq->packed)
		return (uint16_t)(vq->last_avail |
				  (vq->avail_wrap ? 1u << VHD_PACKED_WRAP_BIT : 0));
	return vq->last_avail;
}

#ifdef __cplusplus
}
#endif

#endif /* VHD_VQ_H */
