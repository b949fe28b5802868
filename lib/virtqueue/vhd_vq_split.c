/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhd_vq.h"
#include "vhd_vq_packed.h"

/* The guest writes these fields concurrently: read each exactly once. */
#define VHD_READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

static void
drop_track(struct vhd_vq *vq)
{
	free(vq->resubmit);
	vq->resubmit = NULL;
	free(vq->rs_desc);
	vq->rs_desc = NULL;
	vq->rs_off = 0;
	vq->n_resubmit = 0;
	vq->resubmit_pos = 0;
	vq->track = NULL;
}

int
vhd_vq_setup(struct vhd_vq *vq, const struct vhd_vq_config *cfg)
{
	struct vhd_vq_stats stats = vq->stats;
	const struct vhd_vq_track *track = vq->track;
	uint16_t *resubmit = vq->resubmit, n_resubmit = vq->n_resubmit, pos = vq->resubmit_pos;
	struct vhd_vring_packed_desc *rs_desc = vq->rs_desc;
	uint32_t rs_off = vq->rs_off;
	bool packed = (cfg->features & VHD_BIT(VHD_F_RING_PACKED)) != 0;
	int rc;

	if (cfg->desc == NULL || cfg->avail == NULL || cfg->used == NULL || cfg->mem == NULL)
		return -EINVAL;
	if (cfg->size == 0 || cfg->size > VHD_VQ_MAX_SIZE)
		return -EINVAL;
	if (!packed && (cfg->size & (cfg->size - 1)) != 0)
		return -EINVAL;
	/* A paused ring that resumes keeps its tracking and what is left to resubmit. */
	if (!cfg->resume || packed != vq->packed)
		drop_track(vq);
	if (packed) {
		rc = vhd_vq_packed_setup(vq, cfg);
		if (rc != 0) {
			drop_track(vq);
			return rc;
		}
		if (cfg->resume && track != NULL) {
			vq->track = track;
			vq->resubmit = resubmit;
			vq->n_resubmit = n_resubmit;
			vq->resubmit_pos = pos;
			vq->rs_desc = rs_desc;
			vq->rs_off = rs_off;
		}
		return 0;
	}
	vhd_vq_packed_fini(vq);
	memset(vq, 0, sizeof(*vq));
	vq->stats = stats;
	if (cfg->resume) {
		vq->track = track;
		vq->resubmit = resubmit;
		vq->n_resubmit = n_resubmit;
		vq->resubmit_pos = pos;
	}
	vq->desc = cfg->desc;
	vq->avail = cfg->avail;
	vq->used = cfg->used;
	vq->size = cfg->size;
	vq->mem = cfg->mem;
	vq->event_idx = !!(cfg->features & VHD_BIT(VHD_F_RING_EVENT_IDX));
	vq->indirect = !!(cfg->features & VHD_BIT(VHD_F_RING_INDIRECT_DESC));
	vq->notify_on_empty = !!(cfg->features & VHD_BIT(VHD_F_NOTIFY_ON_EMPTY));
	vq->last_avail = cfg->last_avail;
	vq->used_idx = cfg->used_idx;
	vq->call_fd = cfg->call_fd;
	vq->kicks = VHD_VQ_KICKS_ON;
	return 0;
}

void
vhd_vq_fini(struct vhd_vq *vq)
{
	drop_track(vq);
	vhd_vq_packed_fini(vq);
}

int
vhd_vq_track_set(struct vhd_vq *vq, const struct vhd_vq_track *track, const uint16_t *heads,
		 uint16_t n)
{
	if (vq->packed)
		return -ENOTSUP;
	drop_track(vq);
	if (n > vq->size)
		n = vq->size; /* more heads than the ring holds: some are bogus anyway */
	if (n > 0) {
		vq->resubmit = malloc(n * sizeof(*heads));
		if (vq->resubmit == NULL)
			return -ENOMEM;
		memcpy(vq->resubmit, heads, n * sizeof(*heads));
	}
	vq->n_resubmit = n;
	vq->track = track;
	return 0;
}

/* Entries the guest published and we have not popped; 0 when the index is
 * not credible (moved by more than the ring size).
 */
static uint16_t
avail_pending(const struct vhd_vq *vq)
{
	uint16_t idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	uint16_t n = (uint16_t)(idx - vq->last_avail);

	return n <= vq->size ? n : 0;
}

bool
vhd_vq_has_work(const struct vhd_vq *vq)
{
	if (vq->packed)
		return vq->resubmit_pos < vq->n_resubmit || vhd_vq_packed_has_work(vq);
	return vq->resubmit_pos < vq->n_resubmit || avail_pending(vq) != 0;
}

void
vhd_vq_peek(const struct vhd_vq *vq, struct vhd_vq_peek *p)
{
	memset(p, 0, sizeof(*p));
	if (vq->packed) {
		vhd_vq_packed_peek(vq, p);
		return;
	}
	p->avail_idx = __atomic_load_n(&vq->avail->idx, __ATOMIC_ACQUIRE);
	p->avail_flags = VHD_READ_ONCE(vq->avail->flags);
	p->used_event = *vhd_vring_used_event(vq->avail, vq->size);
	p->guest_used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_RELAXED);
	p->pending = (uint16_t)(p->avail_idx - vq->last_avail);
	p->unpublished = vq->batch;
}

/* Walk one chain starting at @head. Returns 0 or -1 for a malformed chain. */
static int
walk_chain(struct vhd_vq *vq, uint16_t head, struct vhd_req *req)
{
	const struct vhd_vring_desc *table = vq->desc;
	uint32_t max = vq->size, idx = head, seen = 0;
	uint64_t rd_len = 0, wr_len = 0;
	bool in_indirect = false;
	unsigned int n = 0;

	req->id = head;
	req->n_rd = 0;
	req->n_wr = 0;
	for (;;) {
		struct vhd_vring_desc d;

		if (idx >= max || ++seen > max)
			return -1; /* out of table, or a loop */
		memcpy(&d, (const void *)&table[idx], sizeof(d));
		if (d.flags & VHD_DESC_F_INDIRECT) {
			if (!vq->indirect || in_indirect || (d.flags & VHD_DESC_F_NEXT))
				return -1;
			if (d.len == 0 || d.len % sizeof(d) != 0 ||
			    d.len / sizeof(d) > VHD_VQ_MAX_SIZE)
				return -1;
			table = vhd_mem_translate(vq->mem, d.addr, d.len);
			if (table == NULL)
				return -1;
			max = d.len / sizeof(d);
			idx = 0;
			seen = 0;
			in_indirect = true;
			continue;
		}
		if (d.flags & VHD_DESC_F_WRITE) {
			wr_len += d.len;
		} else {
			if (req->n_wr != 0)
				return -1; /* readable after writable */
			rd_len += d.len;
		}
		if (rd_len + wr_len > UINT32_MAX)
			return -1;
		if (d.len != 0) {
			void *p = vhd_mem_translate(vq->mem, d.addr, d.len);

			if (p == NULL || n >= VHD_REQ_MAX_IOV)
				return -1;
			req->iov[n].iov_base = p;
			req->iov[n].iov_len = d.len;
			n++;
			if (d.flags & VHD_DESC_F_WRITE)
				req->n_wr++;
			else
				req->n_rd++;
		}
		if (!(d.flags & VHD_DESC_F_NEXT))
			break;
		idx = d.next;
	}
	req->rd_len = (uint32_t)rd_len;
	req->wr_len = (uint32_t)wr_len;
	return 0;
}

int
vhd_vq_pop(struct vhd_vq *vq, struct vhd_req *req)
{
	if (vq->packed)
		return vhd_vq_packed_pop(vq, req);
	/* Chains a dead backend left in flight are already tracked as taken. */
	while (vq->resubmit_pos < vq->n_resubmit) {
		uint16_t head = vq->resubmit[vq->resubmit_pos++];

		vq->undo_resubmit = true;
		if (walk_chain(vq, head, req) == 0) {
			vq->stats.requests++;
			vq->stats.bytes_rd += req->rd_len;
			return 1;
		}
		vq->stats.bad_chains++;
		vhd_vq_push(vq, head, 0);
	}
	vq->undo_resubmit = false;
	for (;;) {
		uint16_t head;

		if (avail_pending(vq) == 0) {
			uint16_t idx = VHD_READ_ONCE(vq->avail->idx);

			if ((uint16_t)(idx - vq->last_avail) > vq->size)
				vq->stats.bad_avail++;
			return 0;
		}
		head = VHD_READ_ONCE(vq->avail->ring[vq->last_avail & (vq->size - 1)]);
		vq->last_avail++;
		if (vq->track != NULL)
			vq->track->taken(vq->track->ctx, head);
		if (head < vq->size && walk_chain(vq, head, req) == 0) {
			vq->stats.requests++;
			vq->stats.bytes_rd += req->rd_len;
			return 1;
		}
		/* Give the chain back untouched so the guest can reclaim it. */
		vq->stats.bad_chains++;
		vhd_vq_push(vq, head, 0);
	}
}

void
vhd_vq_unpop(struct vhd_vq *vq)
{
	if (vq->packed) {
		vhd_vq_packed_unpop(vq);
		return;
	}
	if (vq->undo_resubmit)
		vq->resubmit_pos--;
	else
		vq->last_avail--;
	vq->stats.requests--;
}

void
vhd_vq_push(struct vhd_vq *vq, uint16_t id, uint32_t len)
{
	volatile struct vhd_vring_used_elem *e;

	if (vq->packed) {
		vhd_vq_packed_push(vq, id, len);
		return;
	}
	if (vq->track != NULL)
		vq->track->completing(vq->track->ctx, id);
	e = &vq->used->ring[vq->used_idx & (vq->size - 1)];
	e->id = id;
	e->len = len;
	vq->used_idx++;
	vq->batch++;
	vq->stats.bytes_wr += len;
	if (vq->track != NULL) {
		/* One completion at a time: a backend dying between publishing
		 * and clearing loses track of that one only, which the in-flight
		 * area's last_inflight_io recovers.
		 */
		__atomic_store_n(&vq->used->idx, vq->used_idx, __ATOMIC_RELEASE);
		vq->track->completed(vq->track->ctx, id, vq->used_idx);
	}
}

bool
vhd_vq_flush(struct vhd_vq *vq)
{
	uint16_t old = vq->signalled_used, new = vq->used_idx;
	bool need;

	if (vq->packed)
		return vhd_vq_packed_flush(vq);
	if (vq->batch == 0)
		return false;
	vq->batch = 0;
	__atomic_store_n(&vq->used->idx, new, __ATOMIC_RELEASE);
	if (vq->event_idx && vq->kicks == VHD_VQ_KICKS_OFF)
		*vhd_vring_avail_event(vq->used, vq->size) = (uint16_t)(vq->last_avail - 1);
	/* used->idx must be visible before we read the guest's wishes. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (vq->event_idx) {
		uint16_t ev = *vhd_vring_used_event(vq->avail, vq->size);

		need = !vq->signalled_valid || vhd_vring_need_event(ev, new, old);
		vq->signalled_used = new;
		vq->signalled_valid = true;
	} else {
		need = !(VHD_READ_ONCE(vq->avail->flags) & VHD_AVAIL_F_NO_INTERRUPT);
		if (!need && vq->notify_on_empty && avail_pending(vq) == 0)
			need = true;
	}
	return need;
}

void
vhd_vq_notify(struct vhd_vq *vq)
{
	uint64_t one = 1;

	if (vq->batch == 0)
		return;
	if (!vhd_vq_flush(vq)) {
		vq->stats.calls_suppressed++;
		return;
	}
	vq->stats.calls++;
	if (vq->call_fd >= 0 && write(vq->call_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, the guest will wake anyway. */
	}
}

bool
vhd_vq_set_kicks(struct vhd_vq *vq, enum vhd_vq_notify_mode mode)
{
	if (vq->packed)
		return vhd_vq_packed_set_kicks(vq, mode);
	vq->kicks = mode;
	if (vq->event_idx) {
		uint16_t ev = mode == VHD_VQ_KICKS_ON ? vq->last_avail : vq->last_avail - 1;

		*vhd_vring_avail_event(vq->used, vq->size) = ev;
	} else {
		__atomic_store_n(&vq->used->flags, mode == VHD_VQ_KICKS_ON ? 0 : VHD_USED_F_NO_NOTIFY,
				 __ATOMIC_RELAXED);
	}
	if (mode == VHD_VQ_KICKS_OFF)
		return vhd_vq_has_work(vq);
	/* Our wish must be visible before we look at the ring again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vhd_vq_has_work(vq);
}
