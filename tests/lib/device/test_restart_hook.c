/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The driver restart hook (vhd_device_ops.resubmitted): what a dead backend
 * had taken comes to resubmitted(), once, before anything new, on split and
 * packed rings; new requests go to handle(); a driver without the hook gets
 * everything through handle().
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vhd_device.h"
#include "vhd_test_pair.h"

#define QSZ 8
#define F_SPLIT (VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_INDIRECT_DESC))
#define F_PACKED (F_SPLIT | VHD_BIT(VHD_F_RING_PACKED))

static char calls[16];
static unsigned int ncalls;
static uint16_t ids[16];

static int
on_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	(void)priv;
	(void)q;
	(void)vq;
	ids[ncalls] = req->id;
	calls[ncalls++] = 'h';
	return 0;
}

static int
on_resubmitted(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	(void)priv;
	(void)q;
	(void)vq;
	ids[ncalls] = req->id;
	calls[ncalls++] = 'r';
	return VHD_REQ_HELD;
}

static void t_taken(void *c, uint16_t h) { (void)c; (void)h; }
static void t_completing(void *c, uint16_t h) { (void)c; (void)h; }
static void t_completed(void *c, uint16_t h, uint16_t u) { (void)c; (void)h; (void)u; }
static void p_taken(void *c, uint16_t id, uint16_t pos, uint16_t n)
{
	(void)c;
	(void)id;
	(void)pos;
	(void)n;
}
static void p_done(void *c, int id, uint16_t next) { (void)c; (void)id; (void)next; }

static const struct vhd_vq_track track = {t_taken, t_completing, t_completed, NULL,
					  p_taken, p_done, p_done};

static int
post(struct vhd_test_pair *p)
{
	struct vhd_fe_buf b = {vhd_test_alloc(p, 4), 4};

	return vhd_test_post(p, &b, 0, 1, false);
}

/* Two chains the dead backend took, then one new: @return the old ids. */
static void
restart(struct vhd_test_pair *p, bool packed, int *old)
{
	old[0] = post(p);
	old[1] = post(p);
	if (!packed) {
		uint16_t heads[2] = {(uint16_t)old[0], (uint16_t)old[1]};

		p->vq.last_avail = 2; /* as rte_vhost moves it past them */
		assert_int_equal(vhd_vq_track_set(&p->vq, &track, heads, 2), 0);
	} else {
		struct vhd_vring_packed_desc cp[2];
		uint16_t counts[2] = {1, 1};

		memcpy(cp, (const void *)p->vq.pdesc, sizeof(cp));
		assert_int_equal(vhd_vq_track_set_packed(&p->vq, &track, 2 | 0x8000, 0x8000, cp,
							 counts, 2), 0);
	}
	post(p);
}

static void
run(bool packed, bool hook)
{
	struct vhd_device_ops ops = {.name = "t", .num_queues = 1, .handle = on_handle,
				     .resubmitted = hook ? on_resubmitted : NULL};
	struct vhd_test_pair p;
	int old[2];

	assert_int_equal(vhd_test_pair_init(&p, QSZ, packed ? F_PACKED : F_SPLIT), 0);
	restart(&p, packed, old);
	ncalls = 0;
	assert_int_equal(vhd_test_serve(&p, &ops, NULL, 0), 3);
	assert_int_equal(ncalls, 3);
	assert_memory_equal(calls, hook ? "rrh" : "hhh", 3);
	assert_int_equal(ids[0], old[0]);
	assert_int_equal(ids[1], old[1]);
	/* once: nothing more, and a new chain goes to handle() */
	assert_int_equal(vhd_test_serve(&p, &ops, NULL, 0), 0);
	post(&p);
	assert_int_equal(vhd_test_serve(&p, &ops, NULL, 0), 1);
	assert_int_equal(calls[3], 'h');
	assert_false(vhd_vq_resubmitted(&p.vq));
	vhd_test_pair_fini(&p);
}

static void
split_with_hook(void **state)
{
	(void)state;
	run(false, true);
}

static void
packed_with_hook(void **state)
{
	(void)state;
	run(true, true);
}

static void
without_hook(void **state)
{
	(void)state;
	run(false, false);
	run(true, false);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_with_hook),
		cmocka_unit_test(packed_with_hook),
		cmocka_unit_test(without_hook),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
