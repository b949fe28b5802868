/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Driver side of a packed ring (VIRTIO 1.2, 2.8): chains are written in ring
 * order at avail_idx, the head's flags last (on publish); buffer ids come
 * from a private free list, and each used descriptor makes us skip as many
 * slots as its chain had. The private arrays are never read from the ring.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_fe_packed.h"

#define AVAIL_USED (VHD_DESC_F_AVAIL | VHD_DESC_F_USED)

static uint16_t
flags_for(bool wrap)
{
	return wrap ? VHD_DESC_F_AVAIL : VHD_DESC_F_USED;
}

static void
advance(uint16_t *pos, bool *wrap, uint32_t n, uint16_t size)
{
	uint32_t p = *pos + n;

	while (p >= size) {
		p -= size;
		*wrap = !*wrap;
	}
	*pos = (uint16_t)p;
}

int
vhd_fe_packed_init(struct vhd_fe_ring *r)
{
	uint64_t gpa;

	r->packed = true;
	r->avail_wrap = true;
	r->used_wrap = true;
	r->pdesc = vhd_fe_mem_alloc(r->mem, vhd_vring_packed_bytes(r->size), 16, &r->desc_gpa);
	r->drv_event = vhd_fe_mem_alloc(r->mem, sizeof(*r->drv_event), 4, &r->avail_gpa);
	r->dev_event = vhd_fe_mem_alloc(r->mem, sizeof(*r->dev_event), 4, &gpa);
	r->used_gpa = gpa;
	r->desc = (struct vhd_vring_desc *)r->pdesc;
	r->avail = (struct vhd_vring_avail *)r->drv_event;
	r->used = (struct vhd_vring_used *)r->dev_event;
	r->pend = calloc(r->size, sizeof(*r->pend));
	r->raw_len = calloc(r->size, sizeof(*r->raw_len));
	if (r->pdesc == NULL || r->drv_event == NULL || r->dev_event == NULL || r->pend == NULL ||
	    r->raw_len == NULL)
		return -ENOMEM;
	return 0;
}

uint16_t
vhd_fe_packed_avail_flags(const struct vhd_fe_ring *r, unsigned int k)
{
	uint16_t pos = r->avail_idx;
	bool wrap = r->avail_wrap;

	advance(&pos, &wrap, k, r->size);
	return flags_for(wrap);
}

/* Write one descriptor at avail_idx; the head's flags are kept for publish. */
static void
put(struct vhd_fe_ring *r, uint64_t addr, uint32_t len, uint16_t id, uint16_t flags, bool head)
{
	struct vhd_vring_packed_desc *d = &r->pdesc[r->avail_idx];

	d->addr = addr;
	d->len = len;
	d->id = id;
	if (head)
		r->pend[r->n_pend++] = (uint32_t)r->avail_idx << 16 | flags;
	else
		__atomic_store_n(&d->flags, flags, __ATOMIC_RELEASE);
	advance(&r->avail_idx, &r->avail_wrap, 1, r->size);
	r->unkicked++;
}

int
vhd_fe_packed_add(struct vhd_fe_ring *r, const struct vhd_fe_buf *bufs, unsigned int n_rd,
		  unsigned int n_wr, bool indirect, void *cookie)
{
	unsigned int n = n_rd + n_wr, i, slots = indirect ? 1 : n;
	uint16_t id;

	if (n == 0)
		return -EINVAL;
	if (slots > r->num_free || r->n_pend >= r->size)
		return -ENOSPC;
	id = r->free_head;
	if (indirect) {
		struct vhd_vring_packed_desc *t;
		uint64_t gpa;

		t = vhd_fe_mem_alloc(r->mem, 16ULL * n, 16, &gpa);
		if (t == NULL)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			t[i].addr = vhd_fe_mem_gpa(r->mem, bufs[i].ptr);
			t[i].len = bufs[i].len;
			t[i].id = 0;
			t[i].flags = i >= n_rd ? VHD_DESC_F_WRITE : 0;
		}
		put(r, gpa, 16U * n, id, VHD_DESC_F_INDIRECT | flags_for(r->avail_wrap), true);
	} else {
		for (i = 0; i < n; i++)
			put(r, vhd_fe_mem_gpa(r->mem, bufs[i].ptr), bufs[i].len, id,
			    (uint16_t)((i >= n_rd ? VHD_DESC_F_WRITE : 0) |
				       (i + 1 < n ? VHD_DESC_F_NEXT : 0) | flags_for(r->avail_wrap)),
			    i == 0);
	}
	r->free_head = r->next_free[id];
	r->num_free = (uint16_t)(r->num_free - slots);
	r->chain_len[id] = (uint16_t)slots;
	r->cookie[id] = cookie;
	return id;
}

void
vhd_fe_packed_put_raw(struct vhd_fe_ring *r, const struct vhd_vring_packed_desc *d,
		      unsigned int n)
{
	unsigned int i;

	if (n == 0 || n > r->size)
		return;
	vhd_fe_packed_publish(r);
	r->raw_len[r->avail_idx] = (uint16_t)n;
	for (i = 0; i < n; i++)
		put(r, d[i].addr, d[i].len, d[i].id, d[i].flags, i == 0);
	vhd_fe_packed_publish(r);
}

void
vhd_fe_packed_publish(struct vhd_fe_ring *r)
{
	uint16_t i;

	for (i = 0; i < r->n_pend; i++)
		__atomic_store_n(&r->pdesc[r->pend[i] >> 16].flags, (uint16_t)r->pend[i],
				 __ATOMIC_RELEASE);
	r->n_pend = 0;
}

bool
vhd_fe_packed_kick_needed(struct vhd_fe_ring *r)
{
	uint16_t old = r->kicked_idx, new = r->avail_idx, flags, off_wrap;
	uint32_t added = r->unkicked;

	r->kicked_idx = new;
	r->unkicked = 0;
	/* Our descriptors must be visible before we read the device's wishes. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = __atomic_load_n(&r->dev_event->flags, __ATOMIC_RELAXED) & 3;
	if (flags == VHD_RING_EVENT_DISABLE)
		return false;
	if (flags != VHD_RING_EVENT_DESC || !r->event_idx)
		return true;
	if (added == 0)
		return false;
	/* A whole ring or more since the last decision: old == new, but the
	 * device's event slot was certainly passed.
	 */
	if (added >= r->size)
		return true;
	off_wrap = __atomic_load_n(&r->dev_event->off_wrap, __ATOMIC_RELAXED);
	return vhd_vring_packed_need_event(off_wrap, old, new, r->avail_wrap, r->size);
}

/* Is the descriptor at @pos a used one of lap @wrap? */
static bool
is_used(const struct vhd_fe_ring *r, uint16_t pos, bool wrap)
{
	uint16_t f = __atomic_load_n(&r->pdesc[pos].flags, __ATOMIC_ACQUIRE) & AVAIL_USED;

	return f == (wrap ? AVAIL_USED : 0);
}

/* Slots the used descriptor at @pos stands for. */
static uint16_t
used_slots(const struct vhd_fe_ring *r, uint16_t pos)
{
	uint16_t id = r->pdesc[pos].id;

	if (r->raw_len[pos] != 0)
		return r->raw_len[pos];
	if (id < r->size && r->chain_len[id] != 0)
		return r->chain_len[id];
	return 1;
}

uint16_t
vhd_fe_packed_used_pending(const struct vhd_fe_ring *r)
{
	uint16_t pos = r->last_used, n = 0;
	bool wrap = r->used_wrap;
	uint32_t seen = 0;

	while (seen < r->size && is_used(r, pos, wrap)) {
		uint16_t k = used_slots(r, pos);

		n++;
		seen += k;
		advance(&pos, &wrap, k, r->size);
	}
	return n;
}

uint16_t
vhd_fe_packed_device_base(const struct vhd_fe_ring *r)
{
	uint16_t pos = r->last_used;
	bool wrap = r->used_wrap;
	uint32_t seen = 0;

	while (seen < r->size && is_used(r, pos, wrap)) {
		uint16_t k = used_slots(r, pos);

		seen += k;
		advance(&pos, &wrap, k, r->size);
	}
	return (uint16_t)(pos | (wrap ? 1u << VHD_PACKED_WRAP_BIT : 0));
}

int
vhd_fe_packed_get_used(struct vhd_fe_ring *r, uint16_t *id, uint32_t *len, void **cookie)
{
	struct vhd_vring_packed_desc d;
	uint16_t pos = r->last_used, k;

	if (!is_used(r, pos, r->used_wrap))
		return 0;
	memcpy(&d, &r->pdesc[pos], sizeof(d));
	k = used_slots(r, pos);
	if (id != NULL)
		*id = d.id;
	if (len != NULL)
		*len = d.len;
	if (cookie != NULL)
		*cookie = d.id < r->size && r->raw_len[pos] == 0 ? r->cookie[d.id] : NULL;
	if (r->raw_len[pos] != 0) {
		r->raw_len[pos] = 0;
	} else if (d.id < r->size && r->chain_len[d.id] != 0) {
		r->num_free = (uint16_t)(r->num_free + r->chain_len[d.id]);
		r->chain_len[d.id] = 0;
		r->cookie[d.id] = NULL;
		r->next_free[d.id] = r->free_head;
		r->free_head = d.id;
	}
	advance(&r->last_used, &r->used_wrap, k, r->size);
	return 1;
}

bool
vhd_fe_packed_want_calls(struct vhd_fe_ring *r, bool on)
{
	if (!on) {
		__atomic_store_n(&r->drv_event->flags, VHD_RING_EVENT_DISABLE, __ATOMIC_RELAXED);
	} else if (r->event_idx) {
		r->drv_event->off_wrap =
			(uint16_t)(r->last_used | (r->used_wrap ? 1u << VHD_PACKED_WRAP_BIT : 0));
		__atomic_store_n(&r->drv_event->flags, VHD_RING_EVENT_DESC, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(&r->drv_event->flags, VHD_RING_EVENT_ENABLE, __ATOMIC_RELAXED);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vhd_fe_packed_used_pending(r) != 0;
}
