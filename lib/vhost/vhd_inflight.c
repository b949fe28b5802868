/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * In-flight tracking for backend restart (VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD),
 * split rings: the engine's hooks (struct vhd_vq_track) drive rte_vhost's
 * in-flight area, which lives in a memfd the frontend keeps across our
 * death. On the next connection rte_vhost reads it back at SET_VRING_KICK:
 * it builds the list of chains still in flight and moves last_avail past
 * them (the frontend resumes from its used index). We hand that list to the
 * engine once per connection, so each of those chains reaches the driver
 * exactly once more.
 *
 * The order per completion is rte_vhost's contract: mark the chain as the
 * last one being completed, write and publish its used entry, then clear
 * it. A death between publishing and clearing is recognised by the area's
 * used index lagging the ring's.
 *
 * Packed rings are not tracked: rte_vhost 22.11 keeps copies of packed
 * descriptors and has the device pop again from its used position, which
 * does not fit an engine that pops each chain once; SET/GET_INFLIGHT_FD are
 * refused when VIRTIO_F_RING_PACKED was negotiated (vhd_msg.c).
 */

/* The in-flight API is experimental in DPDK 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <stdlib.h>

#include <rte_log.h>
#include <rte_vhost.h>

#include "vhd_internal.h"

#define ILOG(dev, lvl, fmt, ...) \
	rte_log(RTE_LOG_##lvl, (dev)->log_type, "%s: " fmt "\n", (dev)->path, ##__VA_ARGS__)

static void
taken(void *ctx, uint16_t head)
{
	const struct vhd_ev *ev = ctx;

	rte_vhost_set_inflight_desc_split(ev->dev->vid, (uint16_t)ev->idx, head);
}

static void
completing(void *ctx, uint16_t head)
{
	const struct vhd_ev *ev = ctx;

	rte_vhost_set_last_inflight_io_split(ev->dev->vid, (uint16_t)ev->idx, head);
}

static void
completed(void *ctx, uint16_t head, uint16_t used_idx)
{
	const struct vhd_ev *ev = ctx;

	rte_vhost_clr_inflight_desc_split(ev->dev->vid, (uint16_t)ev->idx, used_idx, head);
}

void
vhd_inflight_conn_reset(struct vhd_dev *dev)
{
	unsigned int i;

	for (i = 0; i < VHD_MAX_QUEUES; i++)
		dev->q[i].resubmitted = false;
}

void
vhd_inflight_sanitize(struct vhd_dev *dev, uint16_t qi)
{
	struct rte_vhost_ring_inflight ri;
	struct rte_vhost_inflight_info_split *in;
	uint16_t n = dev->msg.inflight_qsize;
	uint64_t f = 0;

	if (n == 0 || qi >= dev->msg.inflight_nq ||
	    rte_vhost_get_vhost_ring_inflight(dev->vid, qi, &ri) != 0 || ri.inflight_split == NULL)
		return;
	in = ri.inflight_split;
	/*
	 * An area taken before VIRTIO_F_RING_PACKED was agreed (QEMU asks for
	 * it before SET_FEATURES) is laid out for split rings, and rte_vhost
	 * would walk it as packed. We do not track packed rings: version 0 makes
	 * rte_vhost skip the walk (both layouts start with features, version).
	 */
	if (rte_vhost_get_negotiated_features(dev->vid, &f) == 0 &&
	    (f & VHD_BIT(VHD_F_RING_PACKED))) {
		__atomic_store_n(&in->version, 0, __ATOMIC_RELAXED);
		return;
	}
	/*
	 * The area is the frontend's memory: rte_vhost's SET_VRING_KICK walks
	 * desc_num entries and writes at last_inflight_io, both read from it.
	 * Put them back within the size we checked. A frontend that keeps
	 * writing them between this store and rte_vhost's walk still wins the
	 * race: closing it needs rte_vhost to copy the header first.
	 */
	__atomic_store_n(&in->desc_num, n, __ATOMIC_RELAXED);
	if (__atomic_load_n(&in->last_inflight_io, __ATOMIC_RELAXED) >= n)
		__atomic_store_n(&in->last_inflight_io, 0, __ATOMIC_RELAXED);
}

int
vhd_inflight_attach(struct vhd_dev *dev, uint16_t qi)
{
	struct vhd_queue *q = &dev->q[qi];
	struct rte_vhost_ring_inflight ri;
	uint16_t *heads = NULL, n = 0;
	uint64_t pf = 0;
	int rc;

	if (q->vq.track != NULL) /* a paused ring resumed: tracked already */
		return q->vq.size <= dev->msg.inflight_qsize ? 0 : -1;
	if (rte_vhost_get_negotiated_protocol_features(dev->vid, &pf) != 0 ||
	    !(pf & VHD_BIT(VHU_PF_INFLIGHT_SHMFD)) || q->vq.packed)
		return 0;
	/* Negotiated, but this frontend gave no area: nothing to track into. */
	if (dev->msg.inflight_qsize == 0 || qi >= dev->msg.inflight_nq ||
	    rte_vhost_get_vhost_ring_inflight(dev->vid, qi, &ri) != 0 ||
	    ri.inflight_split == NULL)
		return 0;
	/* rte_vhost indexes the area by ring size: it must hold that many. */
	if (q->vq.size > dev->msg.inflight_qsize) {
		ILOG(dev, ERR, "queue %u: ring of %u entries, in-flight area for %u", qi,
		     q->vq.size, dev->msg.inflight_qsize);
		return -1;
	}
	if (!q->resubmitted && ri.resubmit_inflight != NULL &&
	    ri.resubmit_inflight->resubmit_num > 0) {
		const struct rte_vhost_resubmit_info *rs = ri.resubmit_inflight;
		uint32_t i;

		heads = calloc(rs->resubmit_num, sizeof(*heads));
		if (heads == NULL)
			return -1;
		/* Sorted newest first by rte_vhost: hand them back oldest first. */
		for (i = 0; i < rs->resubmit_num && n < q->vq.size; i++)
			heads[n++] = rs->resubmit_list[rs->resubmit_num - 1 - i].index;
		ILOG(dev, NOTICE, "queue %u: %u requests in flight before the restart", qi, n);
	}
	q->track = (struct vhd_vq_track){taken, completing, completed, &q->ev};
	rc = vhd_vq_track_set(&q->vq, &q->track, heads, n);
	free(heads);
	if (rc != 0)
		return -1;
	q->resubmitted = true;
	dev->resubmitted += n;
	return 0;
}
