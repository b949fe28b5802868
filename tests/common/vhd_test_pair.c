/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_test_pair.h"

#define ARENA_SIZE (4u << 20)

int
vhd_test_pair_init(struct vhd_test_pair *p, uint16_t size, uint64_t features)
{
	struct vhd_vq_config cfg;
	int rc;

	memset(p, 0, sizeof(*p));
	p->arena_size = ARENA_SIZE;
	p->arena = aligned_alloc(4096, ARENA_SIZE);
	if (p->arena == NULL)
		return -ENOMEM;
	vhd_fe_mem_init(&p->fmem, p->arena, ARENA_SIZE, VHD_TEST_GPA_BASE);
	p->mem.nregions = 1;
	p->mem.regions[0].gpa = VHD_TEST_GPA_BASE;
	p->mem.regions[0].size = ARENA_SIZE;
	p->mem.regions[0].hva = p->arena;
	rc = vhd_fe_ring_init(&p->drv, &p->fmem, size, features);
	if (rc != 0)
		return rc;
	memset(&cfg, 0, sizeof(cfg));
	cfg.desc = p->drv.desc;
	cfg.avail = p->drv.avail;
	cfg.used = p->drv.used;
	cfg.size = size;
	cfg.features = features;
	cfg.mem = &p->mem;
	cfg.call_fd = -1;
	/* A fresh packed ring starts on lap 1 (both wrap counters set). */
	if (p->drv.packed)
		cfg.last_avail = cfg.used_idx = vhd_fe_ring_device_base(&p->drv);
	return vhd_vq_setup(&p->vq, &cfg);
}

void
vhd_test_pair_fini(struct vhd_test_pair *p)
{
	vhd_fe_ring_fini(&p->drv);
	vhd_vq_fini(&p->vq);
	free(p->arena);
	p->arena = NULL;
}

void *
vhd_test_alloc(struct vhd_test_pair *p, uint32_t len)
{
	return vhd_fe_mem_alloc(&p->fmem, len, 8, NULL);
}

int
vhd_test_post(struct vhd_test_pair *p, const struct vhd_fe_buf *bufs, unsigned int n_rd,
	      unsigned int n_wr, bool indirect)
{
	int head = vhd_fe_ring_add(&p->drv, bufs, n_rd, n_wr, indirect, NULL);

	if (head >= 0)
		vhd_fe_ring_publish(&p->drv);
	return head;
}

int
vhd_test_serve(struct vhd_test_pair *p, const struct vhd_device_ops *ops, void *priv, uint16_t q)
{
	struct vhd_req *req = malloc(sizeof(*req));
	int n = 0;

	if (req == NULL)
		return -ENOMEM;
	while (vhd_vq_pop(&p->vq, req) == 1) {
		int rc = vhd_device_serve(ops, priv, q, &p->vq, req);

		n++;
		if (rc == VHD_REQ_RETRY) {
			vhd_vq_unpop(&p->vq);
			break;
		}
		if (rc >= 0)
			vhd_vq_push(&p->vq, req->id, (uint32_t)rc);
	}
	vhd_vq_flush(&p->vq);
	free(req);
	return n;
}

int
vhd_test_used(struct vhd_test_pair *p, uint16_t *id, uint32_t *len)
{
	return vhd_fe_ring_get_used(&p->drv, id, len, NULL);
}

uint8_t *
vhd_test_alloc_guarded(struct vhd_test_pair *p, uint32_t len)
{
	uint8_t *b = vhd_test_alloc(p, len + VHD_TEST_GUARD);

	if (b != NULL)
		memset(b, 0xee, len + VHD_TEST_GUARD);
	return b;
}

bool
vhd_test_guard_intact(const uint8_t *b, uint32_t len)
{
	unsigned int i;

	for (i = 0; i < VHD_TEST_GUARD; i++)
		if (b[len + i] != 0xee)
			return false;
	return true;
}
