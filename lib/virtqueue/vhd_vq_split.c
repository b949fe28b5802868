/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "vhd_vq.h"
#include "vhd_vq_packed.h"

/* The guest writes these fields concurrently: read each exactly once. */
#define VHD_READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))

int
vhd_vq_setup(struct vhd_vq *vq, const struct vhd_vq_config *cfg)
{
	struct vhd_vq_stats stats = vq->stats;

	if (cfg->desc == NULL || cfg->avail == NULL || cfg->used == NULL || cfg->mem == NULL)
		return -EINVAL;
	if (cfg->size == 0 || cfg->size > VHD_VQ_MAX_SIZE)
		return -EINVAL;
	if (cfg->features & VHD_BIT(VHD_F_RING_PACKED))
		return vhd_vq_packed_setup(vq, cfg);
	if ((cfg->size & (cfg->size - 1)) != 0)
		return -EINVAL;
	vhd_vq_packed_fini(vq);
	memset(vq, 0, sizeof(*vq));
	vq->stats = stats;
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
	vhd_vq_packed_fini(vq);
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
		return vhd_vq_packed_has_work(vq);
	return avail_pending(vq) != 0;
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
	e = &vq->used->ring[vq->used_idx & (vq->size - 1)];
	e->id = id;
	e->len = len;
	vq->used_idx++;
	vq->batch++;
	vq->stats.bytes_wr += len;
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
