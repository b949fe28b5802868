/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_fe_packed.h"
#include "vhd_fe_ring.h"

void
vhd_fe_mem_init(struct vhd_fe_mem *mem, void *base, uint64_t size, uint64_t gpa_base)
{
	mem->base = base;
	mem->size = size;
	mem->gpa_base = gpa_base;
	mem->brk = 0;
	mem->fd = -1;
}

void *
vhd_fe_mem_alloc(struct vhd_fe_mem *mem, uint64_t len, uint64_t align, uint64_t *gpa)
{
	uint64_t start = (mem->brk + align - 1) & ~(align - 1);
	void *p;

	if (start > mem->size || len > mem->size - start)
		return NULL;
	mem->brk = start + len;
	p = mem->base + start;
	memset(p, 0, len);
	if (gpa != NULL)
		*gpa = mem->gpa_base + start;
	return p;
}

uint64_t
vhd_fe_mem_gpa(const struct vhd_fe_mem *mem, const void *p)
{
	return mem->gpa_base + (uint64_t)((const uint8_t *)p - mem->base);
}

int
vhd_fe_ring_init(struct vhd_fe_ring *r, struct vhd_fe_mem *mem, uint16_t size, uint64_t features)
{
	uint16_t i;

	bool packed = !!(features & VHD_BIT(VHD_F_RING_PACKED));
	int rc = 0;

	memset(r, 0, sizeof(*r));
	if (size == 0 || size > 32768 || (!packed && (size & (size - 1)) != 0))
		return -EINVAL;
	r->mem = mem;
	r->size = size;
	r->event_idx = !!(features & VHD_BIT(VHD_F_RING_EVENT_IDX));
	r->indirect = !!(features & VHD_BIT(VHD_F_RING_INDIRECT_DESC));
	if (packed) {
		rc = vhd_fe_packed_init(r);
	} else {
		r->desc = vhd_fe_mem_alloc(mem, vhd_vring_desc_bytes(size), 16, &r->desc_gpa);
		r->avail = vhd_fe_mem_alloc(mem, vhd_vring_avail_bytes(size), 2, &r->avail_gpa);
		r->used = vhd_fe_mem_alloc(mem, vhd_vring_used_bytes(size), 4, &r->used_gpa);
	}
	r->next_free = calloc(size, sizeof(*r->next_free));
	r->chain_len = calloc(size, sizeof(*r->chain_len));
	r->cookie = calloc(size, sizeof(*r->cookie));
	if (rc != 0 || r->desc == NULL || r->avail == NULL || r->used == NULL ||
	    r->next_free == NULL || r->chain_len == NULL || r->cookie == NULL) {
		vhd_fe_ring_fini(r);
		return -ENOMEM;
	}
	for (i = 0; i < size; i++)
		r->next_free[i] = (uint16_t)(i + 1);
	r->num_free = size;
	return 0;
}

void
vhd_fe_ring_fini(struct vhd_fe_ring *r)
{
	free(r->next_free);
	free(r->chain_len);
	free(r->cookie);
	free(r->pend);
	free(r->raw_len);
	r->next_free = NULL;
	r->chain_len = NULL;
	r->cookie = NULL;
	r->pend = NULL;
	r->raw_len = NULL;
}

static uint16_t
take_desc(struct vhd_fe_ring *r)
{
	uint16_t d = r->free_head;

	r->free_head = r->next_free[d];
	r->num_free--;
	return d;
}

static void
fill(struct vhd_vring_desc *d, const struct vhd_fe_mem *mem, const struct vhd_fe_buf *b,
     bool write, bool more, uint16_t next)
{
	d->addr = vhd_fe_mem_gpa(mem, b->ptr);
	d->len = b->len;
	d->flags = (uint16_t)((write ? VHD_DESC_F_WRITE : 0) | (more ? VHD_DESC_F_NEXT : 0));
	d->next = more ? next : 0;
}

int
vhd_fe_ring_add(struct vhd_fe_ring *r, const struct vhd_fe_buf *bufs, unsigned int n_rd,
		unsigned int n_wr, bool indirect, void *cookie)
{
	unsigned int n = n_rd + n_wr, i;
	uint16_t head, prev = 0;

	if (r->packed)
		return vhd_fe_packed_add(r, bufs, n_rd, n_wr, indirect, cookie);

	if (n == 0)
		return -EINVAL;
	if (indirect) {
		struct vhd_vring_desc *t;
		uint64_t gpa;

		if (r->num_free < 1)
			return -ENOSPC;
		t = vhd_fe_mem_alloc(r->mem, 16ULL * n, 16, &gpa);
		if (t == NULL)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			fill(&t[i], r->mem, &bufs[i], i >= n_rd, i + 1 < n, (uint16_t)(i + 1));
		head = take_desc(r);
		r->desc[head].addr = gpa;
		r->desc[head].len = 16U * n;
		r->desc[head].flags = VHD_DESC_F_INDIRECT;
		r->desc[head].next = 0;
		r->chain_len[head] = 1;
	} else {
		if (n > r->num_free)
			return -ENOSPC;
		head = r->free_head;
		for (i = 0; i < n; i++) {
			uint16_t d = take_desc(r);

			if (i > 0)
				r->desc[prev].next = d;
			fill(&r->desc[d], r->mem, &bufs[i], i >= n_rd, i + 1 < n, 0);
			prev = d;
		}
		r->chain_len[head] = (uint16_t)n;
	}
	r->cookie[head] = cookie;
	vhd_fe_ring_add_raw_head(r, head);
	return head;
}

void
vhd_fe_ring_add_raw_head(struct vhd_fe_ring *r, uint16_t head)
{
	if (r->packed)
		return;
	r->avail->ring[r->avail_idx & (r->size - 1)] = head;
	r->avail_idx++;
}

void
vhd_fe_ring_publish(struct vhd_fe_ring *r)
{
	if (r->packed) {
		vhd_fe_packed_publish(r);
		return;
	}
	__atomic_store_n(&r->avail->idx, r->avail_idx, __ATOMIC_RELEASE);
}

bool
vhd_fe_ring_kick_needed(struct vhd_fe_ring *r)
{
	uint16_t old = r->kicked_idx, new = r->avail_idx;

	if (r->packed)
		return vhd_fe_packed_kick_needed(r);
	r->kicked_idx = new;
	/* avail->idx must be visible before we read the device's wishes. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (r->event_idx)
		return vhd_vring_need_event(*vhd_vring_avail_event(r->used, r->size), new, old);
	return !(__atomic_load_n(&r->used->flags, __ATOMIC_RELAXED) & VHD_USED_F_NO_NOTIFY);
}

uint16_t
vhd_fe_ring_used_pending(const struct vhd_fe_ring *r)
{
	if (r->packed)
		return vhd_fe_packed_used_pending(r);
	return (uint16_t)(__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) - r->last_used);
}

int
vhd_fe_ring_get_used(struct vhd_fe_ring *r, uint16_t *id, uint32_t *len, void **cookie)
{
	struct vhd_vring_used_elem e;
	uint16_t head;

	if (r->packed)
		return vhd_fe_packed_get_used(r, id, len, cookie);
	if (vhd_fe_ring_used_pending(r) == 0)
		return 0;
	memcpy(&e, &r->used->ring[r->last_used & (r->size - 1)], sizeof(e));
	r->last_used++;
	head = (uint16_t)e.id;
	if (id != NULL)
		*id = head;
	if (len != NULL)
		*len = e.len;
	if (cookie != NULL)
		*cookie = head < r->size ? r->cookie[head] : NULL;
	if (head < r->size && r->chain_len[head] != 0) {
		/* Walk our own record of the chain, never the shared table. */
		uint16_t d = head, n = r->chain_len[head], i;

		for (i = 0; i + 1 < n; i++)
			d = r->desc[d].next;
		r->next_free[d] = r->free_head;
		r->free_head = head;
		r->num_free = (uint16_t)(r->num_free + n);
		r->chain_len[head] = 0;
		r->cookie[head] = NULL;
	}
	return 1;
}

bool
vhd_fe_ring_want_calls(struct vhd_fe_ring *r, bool on)
{
	if (r->packed)
		return vhd_fe_packed_want_calls(r, on);
	if (r->event_idx)
		*vhd_vring_used_event(r->avail, r->size) =
			on ? r->last_used : (uint16_t)(r->last_used - 1);
	else
		r->avail->flags = on ? 0 : VHD_AVAIL_F_NO_INTERRUPT;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return vhd_fe_ring_used_pending(r) != 0;
}

uint16_t
vhd_fe_ring_device_base(const struct vhd_fe_ring *r)
{
	if (r->packed)
		return vhd_fe_packed_device_base(r);
	return __atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE);
}

uint16_t
vhd_fe_ring_avail_base(const struct vhd_fe_ring *r)
{
	if (r->packed)
		return (uint16_t)(r->avail_idx | (r->avail_wrap ? 1u << VHD_PACKED_WRAP_BIT : 0));
	return r->avail_idx;
}
