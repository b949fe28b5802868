/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Packed virtqueues (VIRTIO 1.2, 2.8) behind the vhd_vq calls.
 *
 * One ring of descriptors: the driver makes a chain available by writing
 * its descriptors in ring order, the head's flags last; the device returns a
 * buffer by writing one used descriptor (buffer id, length) at its own used
 * position and skipping as many slots as the chain had descriptors. Both
 * sides keep a wrap counter that flips each time their position wraps.
 *
 * What the guest controls and we check: the flags of every descriptor
 * (a chain must stay available to its end, also across the ring end where
 * the expected wrap flips), buffer ids (in range, not already in flight),
 * chain length (at most the ring size), indirect tables (negotiated, alone,
 * without NEXT, sane length, no nested indirect). A bad chain is consumed
 * to its end and returned with length 0 under the id it carried, so ring
 * positions stay in step with the driver.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_vq.h"
#include "vhd_vq_packed.h"

#define AVAIL_USED (VHD_DESC_F_AVAIL | VHD_DESC_F_USED)

/* Flags a descriptor made available on lap @wrap carries. */
static inline uint16_t
avail_flags(bool wrap)
{
	return wrap ? VHD_DESC_F_AVAIL : VHD_DESC_F_USED;
}

static inline uint16_t
load_flags(const struct vhd_vring_packed_desc *d)
{
	return __atomic_load_n(&d->flags, __ATOMIC_ACQUIRE);
}

static inline void
advance(uint16_t *pos, bool *wrap, uint16_t n, uint16_t size)
{
	uint32_t p = (uint32_t)*pos + n;

	if (p >= size) {
		p -= size;
		*wrap = !*wrap;
	}
	*pos = (uint16_t)p;
}

int
vhd_vq_packed_setup(struct vhd_vq *vq, const struct vhd_vq_config *cfg)
{
	uint16_t *counts = vq->chain_count;
	uint32_t ncounts = vq->chain_count_size;
	struct vhd_vq_stats stats = vq->stats;
	uint16_t avail = cfg->last_avail & 0x7fff, used = cfg->used_idx & 0x7fff;

	if (avail >= cfg->size || used >= cfg->size)
		return -EINVAL;
	if (ncounts != cfg->size) {
		free(counts);
		counts = calloc(cfg->size, sizeof(*counts));
		if (counts == NULL) {
			vq->chain_count = NULL;
			vq->chain_count_size = 0;
			return -ENOMEM;
		}
		ncounts = cfg->size;
	} else if (!cfg->resume) {
		memset(counts, 0, ncounts * sizeof(*counts));
	}
	memset(vq, 0, sizeof(*vq));
	vq->stats = stats;
	vq->chain_count = counts;
	vq->chain_count_size = ncounts;
	vq->packed = true;
	vq->pdesc = cfg->desc;
	vq->drv_event = cfg->avail;
	vq->dev_event = cfg->used;
	vq->size = cfg->size;
	vq->mem = cfg->mem;
	vq->event_idx = !!(cfg->features & VHD_BIT(VHD_F_RING_EVENT_IDX));
	vq->indirect = !!(cfg->features & VHD_BIT(VHD_F_RING_INDIRECT_DESC));
	vq->notify_on_empty = !!(cfg->features & VHD_BIT(VHD_F_NOTIFY_ON_EMPTY));
	vq->last_avail = avail;
	vq->avail_wrap = !!(cfg->last_avail >> VHD_PACKED_WRAP_BIT);
	vq->used_idx = used;
	vq->used_wrap = !!(cfg->used_idx >> VHD_PACKED_WRAP_BIT);
	vq->call_fd = cfg->call_fd;
	vq->kicks = VHD_VQ_KICKS_ON;
	return 0;
}

void
vhd_vq_packed_fini(struct vhd_vq *vq)
{
	free(vq->chain_count);
	vq->chain_count = NULL;
	vq->chain_count_size = 0;
}

/* 1: the head at last_avail is available; 0: not; -1: flags no legal
 * driver writes at the device's position (counted, treated as empty).
 */
static int
head_state(const struct vhd_vq *vq, uint16_t flags)
{
	uint16_t f = flags & AVAIL_USED;

	if (f == avail_flags(vq->avail_wrap))
		return 1;
	/* Used on the previous lap is the ordinary empty slot. */
	if (f == (vq->avail_wrap ? VHD_DESC_F_USED : VHD_DESC_F_AVAIL) ||
	    f == (vq->avail_wrap ? 0 : AVAIL_USED))
		return 0;
	return -1;
}

bool
vhd_vq_packed_has_work(const struct vhd_vq *vq)
{
	return head_state(vq, load_flags(&vq->pdesc[vq->last_avail])) == 1;
}

void
vhd_vq_packed_peek(const struct vhd_vq *vq, struct vhd_vq_peek *p)
{
	p->avail_idx = load_flags(&vq->pdesc[vq->last_avail]);
	p->avail_flags = __atomic_load_n(&vq->drv_event->flags, __ATOMIC_RELAXED);
	p->used_event = __atomic_load_n(&vq->drv_event->off_wrap, __ATOMIC_RELAXED);
	p->guest_used_idx = vhd_vq_used_idx(vq);
	p->pending = head_state(vq, p->avail_idx) == 1;
	p->unpublished = vq->batch;
}

/* Add one buffer to @req; false when it cannot be taken. */
static bool
add_segment(struct vhd_vq *vq, struct vhd_req *req, unsigned int *n, uint64_t addr, uint32_t len,
	    bool write, uint64_t *total)
{
	void *p;

	if (!write && req->n_wr != 0)
		return false; /* readable after writable */
	*total += len;
	if (*total > UINT32_MAX)
		return false;
	if (len == 0)
		return true;
	p = vhd_mem_translate(vq->mem, addr, len);
	if (p == NULL || *n >= VHD_REQ_MAX_IOV)
		return false;
	req->iov[*n].iov_base = p;
	req->iov[*n].iov_len = len;
	(*n)++;
	if (write) {
		req->n_wr++;
		req->wr_len += len;
	} else {
		req->n_rd++;
		req->rd_len += len;
	}
	return true;
}

/* Walk an indirect table; false when it is malformed. */
static bool
walk_indirect(struct vhd_vq *vq, struct vhd_req *req, unsigned int *n,
	      const struct vhd_vring_packed_desc *d, uint64_t *total)
{
	const struct vhd_vring_packed_desc *t;
	uint32_t i, cnt;

	if (!vq->indirect || (d->flags & VHD_DESC_F_NEXT) || d->len == 0 ||
	    d->len % sizeof(*t) != 0 || d->len / sizeof(*t) > VHD_VQ_MAX_SIZE)
		return false;
	t = vhd_mem_translate(vq->mem, d->addr, d->len);
	if (t == NULL)
		return false;
	cnt = d->len / sizeof(*t);
	/* All entries are used in order; NEXT carries no meaning inside. */
	for (i = 0; i < cnt; i++) {
		struct vhd_vring_packed_desc e;

		memcpy(&e, (const void *)&t[i], sizeof(e));
		if (e.flags & VHD_DESC_F_INDIRECT)
			return false;
		if (!add_segment(vq, req, n, e.addr, e.len, !!(e.flags & VHD_DESC_F_WRITE), total))
			return false;
	}
	return true;
}

/*
 * Consume the chain at last_avail (its head known available). Sets
 * @count to the descriptors consumed and @id to the buffer id (the last
 * descriptor's). @return true for a well-formed chain.
 */
static bool
walk_chain(struct vhd_vq *vq, struct vhd_req *req, uint16_t *count, uint16_t *id)
{
	uint16_t pos = vq->last_avail;
	bool wrap = vq->avail_wrap, ok = true;
	uint64_t total = 0;
	unsigned int n = 0;
	uint32_t cnt = 0;

	req->n_rd = 0;
	req->n_wr = 0;
	req->rd_len = 0;
	req->wr_len = 0;
	for (;;) {
		struct vhd_vring_packed_desc d;

		memcpy(&d, (const void *)&vq->pdesc[pos], sizeof(d));
		/* The head's flags were read with acquire; the rest were
		 * written before them and must be available on their lap.
		 */
		if (cnt != 0 && (d.flags & AVAIL_USED) != avail_flags(wrap)) {
			ok = false;
			break;
		}
		cnt++;
		advance(&pos, &wrap, 1, vq->size);
		*id = d.id;
		if (ok) {
			if (d.flags & VHD_DESC_F_INDIRECT)
				ok = cnt == 1 && walk_indirect(vq, req, &n, &d, &total);
			else
				ok = add_segment(vq, req, &n, d.addr, d.len,
						 !!(d.flags & VHD_DESC_F_WRITE), &total);
		}
		if (!(d.flags & VHD_DESC_F_NEXT))
			break;
		if (cnt == vq->size) {
			ok = false; /* longer than the ring */
			break;
		}
	}
	*count = (uint16_t)cnt;
	return ok;
}

/*
 * Write one used descriptor; the first of a batch gets its flags at flush.
 * A tracked ring publishes each at once, between the hooks that let the
 * in-flight area tell, after a kill, whether it reached the driver.
 * @tid: the taken chain's id, -1 for a chain returned unserved.
 */
static void
put_used(struct vhd_vq *vq, uint16_t id, uint32_t len, uint16_t count, int tid)
{
	struct vhd_vring_packed_desc *e = &vq->pdesc[vq->used_idx];
	uint16_t flags = vq->used_wrap ? AVAIL_USED : 0;

	if (vq->track != NULL) {
		uint16_t pos = vq->used_idx;
		bool wrap = vq->used_wrap;
		uint16_t next;

		advance(&pos, &wrap, count, vq->size);
		next = (uint16_t)(pos | (wrap ? 1u << VHD_PACKED_WRAP_BIT : 0));
		vq->track->p_completing(vq->track->ctx, tid, next);
		e->id = id;
		e->len = len;
		__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
		vq->used_idx = pos;
		vq->used_wrap = wrap;
		vq->batch++;
		vq->stats.bytes_wr += len;
		vq->track->p_completed(vq->track->ctx, tid, next);
		return;
	}
	e->id = id;
	e->len = len;
	if (vq->batch == 0) {
		vq->batch_pos = vq->used_idx;
		vq->batch_flags = flags;
	} else {
		/* id and len before flags; the driver reads this one only
		 * after the batch head, whose flags are released last.
		 */
		__atomic_store_n(&e->flags, flags, __ATOMIC_RELEASE);
	}
	advance(&vq->used_idx, &vq->used_wrap, count, vq->size);
	vq->batch++;
	vq->stats.bytes_wr += len;
}

/*
 * Walk a chain copied by a dead backend (its @cnt descriptors at @d): the
 * slots are gone, so no wrap check; NEXT must link exactly these.
 */
static bool
walk_copy(struct vhd_vq *vq, struct vhd_req *req, const struct vhd_vring_packed_desc *d,
	  uint16_t cnt, uint16_t *id)
{
	uint64_t total = 0;
	unsigned int n = 0;
	uint16_t i;
	bool ok = true;

	req->n_rd = 0;
	req->n_wr = 0;
	req->rd_len = 0;
	req->wr_len = 0;
	for (i = 0; i < cnt; i++) {
		bool last = i + 1 == cnt;

		*id = d[i].id;
		if (!ok)
			continue;
		if (!!(d[i].flags & VHD_DESC_F_NEXT) == last)
			ok = false;
		else if (d[i].flags & VHD_DESC_F_INDIRECT)
			ok = cnt == 1 && walk_indirect(vq, req, &n, &d[i], &total);
		else
			ok = add_segment(vq, req, &n, d[i].addr, d[i].len,
					 !!(d[i].flags & VHD_DESC_F_WRITE), &total);
	}
	return ok;
}

/* The next chain a dead backend left in flight; 0 when none is left. */
static int
pop_resubmitted(struct vhd_vq *vq, struct vhd_req *req)
{
	while (vq->resubmit_pos < vq->n_resubmit) {
		uint16_t cnt = vq->resubmit[vq->resubmit_pos], id = 0;
		bool ok = walk_copy(vq, req, &vq->rs_desc[vq->rs_off], cnt, &id);

		vq->undo_rs_off = vq->rs_off;
		vq->rs_off += cnt;
		vq->resubmit_pos++;
		if (id >= vq->size || vq->chain_count[id] != 0) {
			/* Not a buffer id we can return it under: dropped. */
			vq->stats.bad_chains++;
			continue;
		}
		vq->chain_count[id] = cnt;
		if (ok) {
			vq->undo_resubmit = true;
			vq->undo_id = id;
			req->id = id;
			vq->stats.requests++;
			vq->stats.bytes_rd += req->rd_len;
			return 1;
		}
		vq->stats.bad_chains++;
		vhd_vq_packed_push(vq, id, 0);
	}
	return 0;
}

int
vhd_vq_track_set_packed(struct vhd_vq *vq, const struct vhd_vq_track *track,
			uint16_t last_avail, uint16_t used_idx,
			const struct vhd_vring_packed_desc *descs, const uint16_t *counts, uint16_t n)
{
	uint32_t total = 0, i;

	if (!vq->packed)
		return -ENOTSUP;
	if ((last_avail & 0x7fff) >= vq->size || (used_idx & 0x7fff) >= vq->size)
		return -EINVAL;
	free(vq->resubmit);
	free(vq->rs_desc);
	vq->resubmit = NULL;
	vq->rs_desc = NULL;
	vq->n_resubmit = 0;
	vq->resubmit_pos = 0;
	vq->rs_off = 0;
	vq->track = NULL;
	/* More than the ring holds: the rest is bogus anyway. */
	for (i = 0; i < n; i++) {
		if (counts[i] == 0 || total + counts[i] > vq->size)
			break;
		total += counts[i];
	}
	n = (uint16_t)i;
	if (n > 0) {
		vq->resubmit = malloc(n * sizeof(*counts));
		vq->rs_desc = malloc(total * sizeof(*descs));
		if (vq->resubmit == NULL || vq->rs_desc == NULL) {
			free(vq->resubmit);
			free(vq->rs_desc);
			vq->resubmit = NULL;
			vq->rs_desc = NULL;
			return -ENOMEM;
		}
		memcpy(vq->resubmit, counts, n * sizeof(*counts));
		memcpy(vq->rs_desc, descs, total * sizeof(*descs));
	}
	vq->n_resubmit = n;
	vq->last_avail = last_avail & 0x7fff;
	vq->avail_wrap = !!(last_avail >> VHD_PACKED_WRAP_BIT);
	vq->used_idx = used_idx & 0x7fff;
	vq->used_wrap = !!(used_idx >> VHD_PACKED_WRAP_BIT);
	vq->track = track;
	return 0;
}

int
vhd_vq_packed_pop(struct vhd_vq *vq, struct vhd_req *req)
{
	if (pop_resubmitted(vq, req) == 1)
		return 1;
	vq->undo_resubmit = false;
	for (;;) {
		uint16_t count, id = 0;
		int st = head_state(vq, load_flags(&vq->pdesc[vq->last_avail]));
		bool ok;

		if (st != 1) {
			if (st < 0)
				vq->stats.bad_avail++;
			return 0;
		}
		ok = walk_chain(vq, req, &count, &id);
		vq->undo_avail = vq->last_avail;
		vq->undo_wrap = vq->avail_wrap;
		advance(&vq->last_avail, &vq->avail_wrap, count, vq->size);
		if (ok && id < vq->size && vq->chain_count[id] == 0) {
			vq->chain_count[id] = count;
			vq->undo_id = id;
			req->id = id;
			vq->stats.requests++;
			vq->stats.bytes_rd += req->rd_len;
			if (vq->track != NULL)
				vq->track->p_taken(vq->track->ctx, id, vq->undo_avail, count);
			return 1;
		}
		/* Out-of-range or in-flight id, or malformed: give the slots
		 * back under the id the driver wrote, without touching the
		 * chain that legitimately owns that id.
		 */
		vq->stats.bad_chains++;
		put_used(vq, id, 0, count, -1);
	}
}

void
vhd_vq_packed_unpop(struct vhd_vq *vq)
{
	vq->chain_count[vq->undo_id] = 0;
	vq->stats.requests--;
	if (vq->undo_resubmit) {
		vq->resubmit_pos--;
		vq->rs_off = vq->undo_rs_off;
		return;
	}
	vq->last_avail = vq->undo_avail;
	vq->avail_wrap = vq->undo_wrap;
	if (vq->track != NULL)
		vq->track->p_taken(vq->track->ctx, vq->undo_id, vq->undo_avail, 0);
}

void
vhd_vq_packed_push(struct vhd_vq *vq, uint16_t id, uint32_t len)
{
	uint16_t count;

	/* Drivers only push ids they popped; be safe against a double push. */
	if (id >= vq->size || vq->chain_count[id] == 0)
		return;
	count = vq->chain_count[id];
	vq->chain_count[id] = 0;
	put_used(vq, id, len, count, id);
}

bool
vhd_vq_packed_flush(struct vhd_vq *vq)
{
	uint16_t old = vq->signalled_used, flags;
	bool need, valid = vq->signalled_valid;

	if (vq->batch == 0)
		return false;
	vq->batch = 0;
	/* Every other used descriptor of the batch is written: publish (a
	 * tracked ring has published each already).
	 */
	if (vq->track == NULL)
		__atomic_store_n(&vq->pdesc[vq->batch_pos].flags, vq->batch_flags,
				 __ATOMIC_RELEASE);
	vq->signalled_used = vq->used_idx;
	vq->signalled_valid = true;
	/* The used flags must be visible before we read the driver's wishes. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = __atomic_load_n(&vq->drv_event->flags, __ATOMIC_RELAXED) & 3;
	if (flags == VHD_RING_EVENT_DESC && vq->event_idx) {
		uint16_t off_wrap = __atomic_load_n(&vq->drv_event->off_wrap, __ATOMIC_RELAXED);

		need = !valid || vhd_vring_packed_need_event(off_wrap, old, vq->used_idx,
							     vq->used_wrap, vq->size);
	} else {
		need = flags != VHD_RING_EVENT_DISABLE;
		if (!need && vq->notify_on_empty && !vhd_vq_packed_has_work(vq))
			need = true;
	}
	return need;
}

bool
vhd_vq_packed_set_kicks(struct vhd_vq *vq, enum vhd_vq_notify_mode mode)
{
	vq->kicks = mode;
	if (mode == VHD_VQ_KICKS_OFF) {
		__atomic_store_n(&vq->dev_event->flags, VHD_RING_EVENT_DISABLE, __ATOMIC_RELAXED);
		return vhd_vq_has_work(vq);
	}
	if (vq->event_idx) {
		/* Kick when the next chain we would pop is made available. */
		vq->dev_event->off_wrap = (uint16_t)(vq->last_avail |
						     (vq->avail_wrap ? 1u << VHD_PACKED_WRAP_BIT : 0));
		__atomic_store_n(&vq->dev_event->flags, VHD_RING_EVENT_DESC, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&vq->dev_event->flags, VHD_RING_EVENT_ENABLE, __ATOMIC_RELAXED);
	}
	/* Our wish must be visible before we look at the ring again. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vhd_vq_has_work(vq);
}
