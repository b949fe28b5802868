/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * A guest for the input device in unit tests: eventq buffers posted from a
 * pool, used ones read back as events, statusq events sent, config read
 * through the select window.
 */

#ifndef INPUT_FX_H
#define INPUT_FX_H

#include <endian.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vhd_test_host.h"
#include "vhd_test_pair.h"

#include "input_dev.h"

#define QSZ 64
#define FEAT (VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_INDIRECT_DESC))

struct fx {
	struct vhd_test_host th;
	struct vhd_test_pair eq, sq;
	struct input_dev *dev;
	struct input_src *src;
	struct input_wire_event *pool[QSZ];
	int slot_of_id[QSZ];
	bool busy[QSZ];
	struct input_ev got[4096];
	unsigned int ngot;
};

static inline struct fx *
fx_new(struct input_src *src, unsigned int qev, uint64_t feat)
{
	struct fx *f = calloc(1, sizeof(*f));
	unsigned int i;

	assert_non_null(f);
	vhd_test_host_init(&f->th);
	assert_int_equal(vhd_test_pair_init(&f->eq, QSZ, feat), 0);
	assert_int_equal(vhd_test_pair_init(&f->sq, QSZ, feat), 0);
	for (i = 0; i < QSZ; i++) {
		f->pool[i] = vhd_test_alloc(&f->eq, sizeof(struct input_wire_event));
		assert_non_null(f->pool[i]);
	}
	f->src = src;
	f->dev = input_dev_create(src, qev);
	assert_non_null(f->dev);
	input_dev_ops.attach(f->dev, &f->th.host);
	input_dev_ops.reset(f->dev);
	assert_int_equal(input_dev_ops.queue_start(f->dev, INPUT_EVENTQ, &f->eq.vq), 0);
	assert_int_equal(input_dev_ops.queue_start(f->dev, INPUT_STATUSQ, &f->sq.vq), 0);
	return f;
}

static inline void
fx_free(struct fx *f)
{
	input_dev_destroy(f->dev);
	vhd_test_pair_fini(&f->eq);
	vhd_test_pair_fini(&f->sq);
	free(f);
}

/* Collect used eventq buffers into f->got. */
static inline void
fx_collect(struct fx *f)
{
	uint16_t id;
	uint32_t len;

	while (vhd_test_used(&f->eq, &id, &len) == 1) {
		int s = f->slot_of_id[id];
		struct input_wire_event *w = f->pool[s];

		f->busy[s] = false;
		assert_int_equal(len, sizeof(*w));
		assert_true(f->ngot < 4096);
		f->got[f->ngot++] = (struct input_ev){ le16toh(w->type), le16toh(w->code),
						       (int32_t)le32toh(w->value) };
	}
}

/* Post @p n event buffers and let the device see them. */
static inline void
fx_post(struct fx *f, unsigned int n)
{
	unsigned int i, s;

	for (i = 0; i < n; i++) {
		struct vhd_fe_buf b;
		int head;

		for (s = 0; s < QSZ && f->busy[s]; s++)
			;
		assert_true(s < QSZ);
		memset(f->pool[s], 0xee, sizeof(*f->pool[s]));
		b = (struct vhd_fe_buf){ f->pool[s], sizeof(*f->pool[s]) };
		head = vhd_test_post(&f->eq, &b, 0, 1, false);
		assert_true(head >= 0);
		f->slot_of_id[head] = (int)s;
		f->busy[s] = true;
	}
	vhd_test_host_serve(&f->th, &f->eq, &input_dev_ops, f->dev, INPUT_EVENTQ);
	fx_collect(f);
}

static inline void
fx_ev(struct fx *f, uint16_t type, uint16_t code, int32_t value)
{
	struct input_ev ev = { type, code, value };

	input_dev_event(f->dev, &ev);
	fx_collect(f);
}

static inline void
fx_syn(struct fx *f)
{
	fx_ev(f, EV_SYN, SYN_REPORT, 0);
}

/* Select then read the whole config. */
static inline void
fx_cfg(struct fx *f, uint8_t sel, uint8_t sub, struct input_config *c)
{
	assert_int_equal(input_dev_ops.set_config(f->dev, &sel, 0, 1), 0);
	assert_int_equal(input_dev_ops.set_config(f->dev, &sub, 1, 1), 0);
	assert_int_equal(input_dev_ops.get_config(f->dev, (uint8_t *)c, 0, sizeof(*c)), 0);
	assert_int_equal(c->select, sel);
	assert_int_equal(c->subsel, sub);
}

#endif /* INPUT_FX_H */
