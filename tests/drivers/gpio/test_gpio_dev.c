/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-gpio device over the simulated chip and over a scripted fake chip:
 * every requestq message and error path, eventq holding and firing for each
 * interrupt type, the control socket of the simulated chip, and the fd
 * hand-over to the host.
 */

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "vhd_test_pair.h"

#include "gpio_dev.h"

#define QSZ 64
#define NLINES 8
#define FEAT (VHD_BIT(VHD_F_VERSION_1) | VHD_BIT(VHD_F_RING_INDIRECT_DESC))

struct fx {
	struct vhd_test_pair rq; /* requestq */
	struct vhd_test_pair eq; /* eventq */
	struct gpio_dev *dev;
	struct gpio_chip *chip;
	char ctl[108];
};

static struct fx *
fx_new(struct gpio_chip *chip, bool irq)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(vhd_test_pair_init(&f->rq, QSZ, FEAT), 0);
	assert_int_equal(vhd_test_pair_init(&f->eq, QSZ, FEAT), 0);
	f->chip = chip;
	f->dev = gpio_dev_create(chip);
	assert_non_null(f->dev);
	gpio_dev_ops.set_features(f->dev, FEAT | (irq ? 1ULL << GPIO_F_IRQ : 0));
	assert_int_equal(gpio_dev_ops.queue_start(f->dev, GPIO_REQUESTQ, &f->rq.vq), 0);
	assert_int_equal(gpio_dev_ops.queue_start(f->dev, GPIO_EVENTQ, &f->eq.vq), 0);
	return f;
}

static int
setup_sim(void **state)
{
	struct gpio_chip *chip;

	assert_int_equal(gpio_sim_create(NLINES, NULL, &chip), 0);
	*state = fx_new(chip, true);
	return 0;
}

static int
setup_sim_noirq(void **state)
{
	struct gpio_chip *chip;

	assert_int_equal(gpio_sim_create(NLINES, NULL, &chip), 0);
	*state = fx_new(chip, false);
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	if (f == NULL)
		return 0;
	gpio_dev_destroy(f->dev);
	vhd_test_pair_fini(&f->rq);
	vhd_test_pair_fini(&f->eq);
	if (f->ctl[0] != '\0')
		assert_int_not_equal(access(f->ctl, F_OK), 0); /* the chip removed it */
	free(f);
	return 0;
}

/* ---- requestq helpers ---- */

/* Post a request with @p rd_len readable and @p wr_len writable bytes; serve; return used len. */
static int
raw_req(struct fx *f, const void *rd, uint32_t rd_len, uint8_t *wr, uint32_t wr_len)
{
	struct vhd_fe_buf b[2];
	unsigned int n = 0, n_wr = 0;
	uint16_t id;
	uint32_t len;
	void *rp = NULL, *wp = NULL;

	if (rd_len > 0) {
		rp = vhd_test_alloc(&f->rq, rd_len);
		memcpy(rp, rd, rd_len);
		b[n++] = (struct vhd_fe_buf){rp, rd_len};
	}
	if (wr_len > 0) {
		wp = vhd_test_alloc(&f->rq, wr_len);
		memset(wp, 0xee, wr_len);
		b[n++] = (struct vhd_fe_buf){wp, wr_len};
		n_wr = 1;
	}
	assert_true(vhd_test_post(&f->rq, b, n - n_wr, n_wr, false) >= 0);
	assert_int_equal(vhd_test_serve(&f->rq, &gpio_dev_ops, f->dev, GPIO_REQUESTQ), 1);
	assert_int_equal(vhd_test_used(&f->rq, &id, &len), 1);
	if (wr_len > 0)
		memcpy(wr, wp, wr_len);
	return (int)len;
}

static struct gpio_request
mkreq(uint16_t type, uint16_t gpio, uint32_t value)
{
	struct gpio_request r = {htole16(type), htole16(gpio), htole32(value)};

	return r;
}

/* One well-formed message; returns the status, stores the value. */
static int
msg(struct fx *f, uint16_t type, uint16_t gpio, uint32_t value, uint8_t *val)
{
	struct gpio_request r = mkreq(type, gpio, value);
	uint8_t resp[2];

	assert_int_equal(raw_req(f, &r, sizeof(r), resp, sizeof(resp)), 2);
	if (val != NULL)
		*val = resp[1];
	if (resp[0] != GPIO_STATUS_OK)
		assert_int_equal(resp[1], 0);
	return resp[0];
}

static void
ok(struct fx *f, uint16_t type, uint16_t gpio, uint32_t value)
{
	assert_int_equal(msg(f, type, gpio, value, NULL), GPIO_STATUS_OK);
}

static void
err(struct fx *f, uint16_t type, uint16_t gpio, uint32_t value)
{
	assert_int_equal(msg(f, type, gpio, value, NULL), GPIO_STATUS_ERR);
}

static uint8_t
get_value(struct fx *f, uint16_t gpio)
{
	uint8_t v = 0xff;

	assert_int_equal(msg(f, GPIO_MSG_GET_VALUE, gpio, 0, &v), GPIO_STATUS_OK);
	return v;
}

static uint8_t
get_dir(struct fx *f, uint16_t gpio)
{
	uint8_t v = 0xff;

	assert_int_equal(msg(f, GPIO_MSG_GET_DIRECTION, gpio, 0, &v), GPIO_STATUS_OK);
	return v;
}

/* ---- eventq helpers ---- */

struct irqbuf {
	int id;
	uint8_t *status;
};

/* Unmask @p gpio; the buffer is either held or returned at once. */
static struct irqbuf
irq_post(struct fx *f, uint16_t gpio)
{
	struct irqbuf ib;
	uint16_t *rq = vhd_test_alloc(&f->eq, 2);
	struct vhd_fe_buf b[2];

	ib.status = vhd_test_alloc(&f->eq, 1);
	*rq = htole16(gpio);
	*ib.status = 0xee;
	b[0] = (struct vhd_fe_buf){rq, 2};
	b[1] = (struct vhd_fe_buf){ib.status, 1};
	ib.id = vhd_test_post(&f->eq, b, 1, 1, false);
	assert_true(ib.id >= 0);
	assert_int_equal(vhd_test_serve(&f->eq, &gpio_dev_ops, f->dev, GPIO_EVENTQ), 1);
	return ib;
}

/* Post an eventq buffer for @p gpio without serving it. */
static struct irqbuf
irq_post_raw(struct fx *f, uint16_t gpio)
{
	struct irqbuf ib;
	uint16_t *rq = vhd_test_alloc(&f->eq, 2);
	struct vhd_fe_buf b[2];

	ib.status = vhd_test_alloc(&f->eq, 1);
	*rq = htole16(gpio);
	*ib.status = 0xee;
	b[0] = (struct vhd_fe_buf){rq, 2};
	b[1] = (struct vhd_fe_buf){ib.status, 1};
	ib.id = vhd_test_post(&f->eq, b, 1, 1, false);
	assert_true(ib.id >= 0);
	return ib;
}

/* Expect @p ib back on the eventq with @p status. */
static void
irq_expect(struct fx *f, struct irqbuf ib, uint8_t status)
{
	uint16_t id;
	uint32_t len;

	assert_int_equal(vhd_test_used(&f->eq, &id, &len), 1);
	assert_int_equal(id, ib.id);
	assert_int_equal(len, 1);
	assert_int_equal(*ib.status, status);
}

static void
irq_none_back(struct fx *f)
{
	uint16_t id;
	uint32_t len;

	assert_int_equal(vhd_test_used(&f->eq, &id, &len), 0);
}

/* Drive the simulated input and let the device see the edges. */
static void
drive(struct fx *f, uint16_t gpio, uint8_t level)
{
	assert_int_equal(gpio_sim_set_input(f->chip, gpio, level), 0);
	gpio_dev_chip_events(f->dev);
}

/* ---- config and names ---- */

static uint32_t
sim_names_size(unsigned int n)
{
	uint32_t s = 0;
	unsigned int i;
	char buf[16];

	for (i = 0; i < n; i++)
		s += (uint32_t)snprintf(buf, sizeof(buf), "sim-%u", i) + 1;
	return s;
}

static void
test_config(void **state)
{
	struct fx *f = *state;
	struct gpio_config c;
	uint8_t part[4];

	assert_int_equal(gpio_dev_ops.virtio_id, 41);
	assert_int_equal(gpio_dev_ops.num_queues, 2);
	assert_int_equal(gpio_dev_ops.config_size, 8);
	assert_int_equal(gpio_dev_ops.features, 1ULL << GPIO_F_IRQ);
	memset(&c, 0xaa, sizeof(c));
	assert_int_equal(gpio_dev_ops.get_config(f->dev, (uint8_t *)&c, 0, sizeof(c)), 0);
	assert_int_equal(le16toh(c.ngpio), NLINES);
	assert_int_equal(c.padding[0], 0);
	assert_int_equal(c.padding[1], 0);
	assert_int_equal(le32toh(c.gpio_names_size), sim_names_size(NLINES));
	assert_int_equal(gpio_dev_ops.get_config(f->dev, part, 4, 4), 0);
	assert_memory_equal(part, &c.gpio_names_size, 4);
	assert_int_equal(gpio_dev_ops.get_config(f->dev, part, 0, 0), 0);
	assert_int_equal(gpio_dev_ops.get_config(f->dev, part, 8, 0), 0);
	assert_int_equal(gpio_dev_ops.get_config(f->dev, part, 6, 4), -EINVAL);
	assert_int_equal(gpio_dev_ops.get_config(f->dev, part, 9, 0), -EINVAL);
	assert_int_equal(gpio_dev_ops.get_config(f->dev, part, 0xfffffffe, 4), -EINVAL);
}

static void
test_names(void **state)
{
	struct fx *f = *state;
	struct gpio_request r = mkreq(GPIO_MSG_GET_LINE_NAMES, 0, 0);
	uint32_t n = sim_names_size(NLINES);
	uint8_t *resp = calloc(1, n + 2);
	char expect[256];
	size_t off = 0;
	unsigned int i;

	for (i = 0; i < NLINES; i++)
		off += (size_t)snprintf(expect + off, sizeof(expect) - off, "sim-%u", i) + 1;
	assert_int_equal(raw_req(f, &r, sizeof(r), resp, n + 1), (int)n + 1);
	assert_int_equal(resp[0], GPIO_STATUS_OK);
	assert_memory_equal(resp + 1, expect, n);
	/* The driver must size the buffer from the config: short or long is an error. */
	assert_int_equal(raw_req(f, &r, sizeof(r), resp, n), 2);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	assert_int_equal(raw_req(f, &r, sizeof(r), resp, n + 2), 2);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	assert_int_equal(raw_req(f, &r, sizeof(r), resp, 2), 2);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	free(resp);
}

/* Names block split over several writable descriptors. */
static void
test_names_split(void **state)
{
	struct fx *f = *state;
	uint32_t n = sim_names_size(NLINES);
	struct gpio_request *r = vhd_test_alloc(&f->rq, sizeof(*r));
	uint8_t *a = vhd_test_alloc(&f->rq, 1);
	uint8_t *b = vhd_test_alloc(&f->rq, 3);
	uint8_t *c = vhd_test_alloc(&f->rq, n - 3);
	struct vhd_fe_buf bufs[4] = {{r, sizeof(*r)}, {a, 1}, {b, 3}, {c, n - 3}};
	uint16_t id;
	uint32_t len;

	*r = mkreq(GPIO_MSG_GET_LINE_NAMES, 0, 0);
	assert_true(vhd_test_post(&f->rq, bufs, 1, 3, true) >= 0);
	assert_int_equal(vhd_test_serve(&f->rq, &gpio_dev_ops, f->dev, GPIO_REQUESTQ), 1);
	assert_int_equal(vhd_test_used(&f->rq, &id, &len), 1);
	assert_int_equal(len, n + 1);
	assert_int_equal(a[0], GPIO_STATUS_OK);
	assert_memory_equal(b, "sim", 3);
	assert_memory_equal(c, "-0\0sim-1", 9);
}

/* ---- directions and values ---- */

static void
test_direction(void **state)
{
	struct fx *f = *state;

	assert_int_equal(get_dir(f, 3), GPIO_DIRECTION_NONE);
	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_IN);
	assert_int_equal(get_dir(f, 3), GPIO_DIRECTION_IN);
	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_OUT);
	assert_int_equal(get_dir(f, 3), GPIO_DIRECTION_OUT);
	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_NONE);
	assert_int_equal(get_dir(f, 3), GPIO_DIRECTION_NONE);
	err(f, GPIO_MSG_SET_DIRECTION, 3, 3);
	err(f, GPIO_MSG_SET_DIRECTION, 3, 0x100);
	err(f, GPIO_MSG_SET_DIRECTION, 3, 0xffffffff);
	assert_int_equal(get_dir(f, 3), GPIO_DIRECTION_NONE);
	/* Other lines untouched. */
	assert_int_equal(get_dir(f, 2), GPIO_DIRECTION_NONE);
}

static void
test_value_out(void **state)
{
	struct fx *f = *state;

	/* Value set before the direction is driven when the line becomes an output. */
	ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	assert_int_equal(gpio_sim_get_driven(f->chip, 1), 0);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_OUT);
	assert_int_equal(gpio_sim_get_driven(f->chip, 1), 1);
	assert_int_equal(get_value(f, 1), 1);
	ok(f, GPIO_MSG_SET_VALUE, 1, 0);
	assert_int_equal(gpio_sim_get_driven(f->chip, 1), 0);
	assert_int_equal(get_value(f, 1), 0);
	/* External level does not show on a driven line. */
	assert_int_equal(gpio_sim_set_input(f->chip, 1, 1), 0);
	assert_int_equal(get_value(f, 1), 0);
	/* No value ever set: output low. */
	assert_int_equal(gpio_sim_set_input(f->chip, 2, 1), 0);
	ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_OUT);
	assert_int_equal(get_value(f, 2), 0);
	/* Values other than 0/1 are errors and change nothing. */
	err(f, GPIO_MSG_SET_VALUE, 1, 2);
	err(f, GPIO_MSG_SET_VALUE, 1, 0x100);
	assert_int_equal(get_value(f, 1), 0);
}

static void
test_value_in(void **state)
{
	struct fx *f = *state;

	ok(f, GPIO_MSG_SET_DIRECTION, 4, GPIO_DIRECTION_IN);
	assert_int_equal(get_value(f, 4), 0);
	assert_int_equal(gpio_sim_set_input(f->chip, 4, 1), 0);
	assert_int_equal(get_value(f, 4), 1);
	/* SET_VALUE on an input is remembered, not driven. */
	ok(f, GPIO_MSG_SET_VALUE, 4, 0);
	assert_int_equal(get_value(f, 4), 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 4, GPIO_DIRECTION_OUT);
	assert_int_equal(get_value(f, 4), 0);
	/* Back to input senses the outside again. */
	ok(f, GPIO_MSG_SET_DIRECTION, 4, GPIO_DIRECTION_IN);
	assert_int_equal(get_value(f, 4), 1);
}

/* Linux frees a line with direction NONE: the last value stays. */
static void
test_release_keeps_value(void **state)
{
	struct fx *f = *state;

	ok(f, GPIO_MSG_SET_VALUE, 5, 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 5, GPIO_DIRECTION_OUT);
	ok(f, GPIO_MSG_SET_DIRECTION, 5, GPIO_DIRECTION_NONE);
	assert_int_equal(get_dir(f, 5), GPIO_DIRECTION_NONE);
	assert_int_equal(get_value(f, 5), 1);
	assert_int_equal(gpio_sim_get_driven(f->chip, 5), 1);
	/* The pin is still driven by the last value, outside changes do not show. */
	assert_int_equal(gpio_sim_set_input(f->chip, 5, 0), 0);
	assert_int_equal(f->chip->ops->get_value(f->chip, 5), 1);
	/* Output again without SET_VALUE drives the remembered value. */
	ok(f, GPIO_MSG_SET_DIRECTION, 5, GPIO_DIRECTION_OUT);
	assert_int_equal(get_value(f, 5), 1);
	/* A released input reports its last sensed level. */
	assert_int_equal(gpio_sim_set_input(f->chip, 6, 1), 0);
	ok(f, GPIO_MSG_SET_DIRECTION, 6, GPIO_DIRECTION_IN);
	assert_int_equal(get_value(f, 6), 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 6, GPIO_DIRECTION_NONE);
	assert_int_equal(gpio_sim_set_input(f->chip, 6, 0), 0);
	assert_int_equal(get_value(f, 6), 1);
	/* SET_VALUE while released is remembered for the next output. */
	ok(f, GPIO_MSG_SET_VALUE, 6, 0);
	ok(f, GPIO_MSG_SET_DIRECTION, 6, GPIO_DIRECTION_OUT);
	assert_int_equal(gpio_sim_get_driven(f->chip, 6), 0);
}

/* ---- malformed requests ---- */

static void
test_bad_line(void **state)
{
	struct fx *f = *state;
	uint16_t t;

	for (t = GPIO_MSG_GET_DIRECTION; t <= GPIO_MSG_SET_IRQ_TYPE; t++) {
		err(f, t, NLINES, 0);
		err(f, t, NLINES, 1);
		err(f, t, 0xffff, 0);
	}
	assert_int_equal(gpio_dev_stats(f->dev)->errors, 15);
}

static void
test_bad_type(void **state)
{
	struct fx *f = *state;

	err(f, 0, 0, 0);
	err(f, 7, 0, 0);
	err(f, 0x100, 0, 0);
	err(f, 0xffff, 0, 0);
	/* The type is little-endian: 0x0200 is not GET_DIRECTION. */
	err(f, 0x0200, 0, 0);
}

static void
test_bad_sizes(void **state)
{
	struct fx *f = *state;
	struct gpio_request r[2] = {mkreq(GPIO_MSG_GET_DIRECTION, 0, 0),
				    mkreq(GPIO_MSG_GET_DIRECTION, 0, 0)};
	uint8_t resp[8];

	/* Short and long requests. */
	assert_int_equal(raw_req(f, r, 7, resp, 2), 2);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	assert_int_equal(raw_req(f, r, 9, resp, 2), 2);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	assert_int_equal(raw_req(f, r, 16, resp, 2), 2);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	assert_int_equal(raw_req(f, r, 0, resp, 2), 2);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	/* Short response: the status byte that fits says error. */
	assert_int_equal(raw_req(f, r, 8, resp, 1), 1);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	/* Long response: error, nothing written past the two bytes. */
	assert_int_equal(raw_req(f, r, 8, resp, 8), 2);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	assert_int_equal(resp[2], 0xee);
	/* No writable byte at all: used length 0, counted. */
	assert_int_equal(raw_req(f, r, 8, resp, 0), 0);
	assert_int_equal(gpio_dev_stats(f->dev)->dropped, 1);
	/* A short bad request does not disturb the next good one. */
	ok(f, GPIO_MSG_SET_DIRECTION, 0, GPIO_DIRECTION_IN);
	assert_int_equal(get_dir(f, 0), GPIO_DIRECTION_IN);
}

/* Request and response split over descriptors, indirect. */
static void
test_split(void **state)
{
	struct fx *f = *state;
	struct gpio_request rq = mkreq(GPIO_MSG_SET_DIRECTION, 7, GPIO_DIRECTION_IN);
	uint8_t *a = vhd_test_alloc(&f->rq, 3);
	uint8_t *b = vhd_test_alloc(&f->rq, 5);
	uint8_t *s = vhd_test_alloc(&f->rq, 1);
	uint8_t *v = vhd_test_alloc(&f->rq, 1);
	struct vhd_fe_buf bufs[4] = {{a, 3}, {b, 5}, {s, 1}, {v, 1}};
	uint16_t id;
	uint32_t len;

	memcpy(a, &rq, 3);
	memcpy(b, (uint8_t *)&rq + 3, 5);
	*s = 0xee;
	assert_true(vhd_test_post(&f->rq, bufs, 2, 2, true) >= 0);
	assert_int_equal(vhd_test_serve(&f->rq, &gpio_dev_ops, f->dev, GPIO_REQUESTQ), 1);
	assert_int_equal(vhd_test_used(&f->rq, &id, &len), 1);
	assert_int_equal(len, 2);
	assert_int_equal(*s, GPIO_STATUS_OK);
	assert_int_equal(*v, 0);
	assert_int_equal(get_dir(f, 7), GPIO_DIRECTION_IN);
}

/* ---- interrupts ---- */

static void
test_irq_not_negotiated(void **state)
{
	struct fx *f = *state;
	struct irqbuf ib;

	err(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_EDGE_RISING);
	err(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_NONE);
	ib = irq_post(f, 0);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
}

static void
test_irq_type_errors(void **state)
{
	struct fx *f = *state;
	uint32_t bad[] = {5, 6, 7, 9, 0xc, 0x10, 0x100, 0xffffffff};
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		err(f, GPIO_MSG_SET_IRQ_TYPE, 0, bad[i]);
	/* Not on outputs, and no output while the interrupt is on. */
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_OUT);
	err(f, GPIO_MSG_SET_IRQ_TYPE, 1, GPIO_IRQ_TYPE_EDGE_BOTH);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 1, GPIO_IRQ_TYPE_NONE);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_LEVEL_HIGH);
	err(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_OUT);
	assert_int_equal(get_dir(f, 2), GPIO_DIRECTION_NONE);
	/* Same type again is accepted. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_LEVEL_HIGH);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
}

static void
test_irq_buffer_errors(void **state)
{
	struct fx *f = *state;
	struct irqbuf ib, first;
	struct vhd_fe_buf b[2];
	uint8_t *rq, *st;
	uint16_t id;
	uint32_t len;

	/* Interrupt not enabled: back at once, INVALID. */
	ib = irq_post(f, 0);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
	/* Line out of range. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_EDGE_RISING);
	ib = irq_post(f, NLINES);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
	ib = irq_post(f, 0xffff);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
	/* Second buffer for one line: the new one goes back, the first stays. */
	first = irq_post(f, 0);
	irq_none_back(f);
	ib = irq_post(f, 0);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
	assert_int_equal(gpio_dev_held(f->dev), 1);
	/* Request of 4 bytes (gpio + padding) is not the spec's 2. */
	rq = vhd_test_alloc(&f->eq, 4);
	st = vhd_test_alloc(&f->eq, 2);
	rq[0] = 1;
	b[0] = (struct vhd_fe_buf){rq, 4};
	b[1] = (struct vhd_fe_buf){st, 1};
	assert_true(vhd_test_post(&f->eq, b, 1, 1, false) >= 0);
	vhd_test_serve(&f->eq, &gpio_dev_ops, f->dev, GPIO_EVENTQ);
	assert_int_equal(vhd_test_used(&f->eq, &id, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(st[0], GPIO_IRQ_STATUS_INVALID);
	/* Response of 2 bytes. */
	st[0] = 0xee;
	b[0].len = 2;
	b[1].len = 2;
	assert_true(vhd_test_post(&f->eq, b, 1, 1, false) >= 0);
	vhd_test_serve(&f->eq, &gpio_dev_ops, f->dev, GPIO_EVENTQ);
	assert_int_equal(vhd_test_used(&f->eq, &id, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(st[0], GPIO_IRQ_STATUS_INVALID);
	/* No writable byte: used length 0. */
	assert_true(vhd_test_post(&f->eq, b, 1, 0, false) >= 0);
	vhd_test_serve(&f->eq, &gpio_dev_ops, f->dev, GPIO_EVENTQ);
	assert_int_equal(vhd_test_used(&f->eq, &id, &len), 1);
	assert_int_equal(len, 0);
	/* The held one still works. */
	drive(f, 0, 1);
	irq_expect(f, first, GPIO_IRQ_STATUS_VALID);
	assert_int_equal(gpio_dev_held(f->dev), 0);
}

struct edge_case {
	uint32_t type;
	bool rise; /* fires on 0 -> 1 */
	bool fall; /* fires on 1 -> 0 */
};

static void
test_irq_edges(void **state)
{
	static const struct edge_case cases[] = {
		{GPIO_IRQ_TYPE_EDGE_RISING, true, false},
		{GPIO_IRQ_TYPE_EDGE_FALLING, false, true},
		{GPIO_IRQ_TYPE_EDGE_BOTH, true, true},
	};
	struct fx *f = *state;
	unsigned int i;

	for (i = 0; i < 3; i++) {
		uint16_t line = (uint16_t)i;
		struct irqbuf ib;

		ok(f, GPIO_MSG_SET_DIRECTION, line, GPIO_DIRECTION_IN);
		ok(f, GPIO_MSG_SET_IRQ_TYPE, line, cases[i].type);
		ib = irq_post(f, line);
		irq_none_back(f);
		/* Other lines' edges do not touch it. */
		drive(f, 7, 1);
		drive(f, 7, 0);
		irq_none_back(f);
		drive(f, line, 1);
		if (cases[i].rise) {
			irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
			ib = irq_post(f, line);
		}
		irq_none_back(f);
		drive(f, line, 0);
		if (cases[i].fall) {
			irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
			ib = irq_post(f, line);
		}
		irq_none_back(f);
		/* Same level again is no edge. */
		drive(f, line, 0);
		irq_none_back(f);
		ok(f, GPIO_MSG_SET_IRQ_TYPE, line, GPIO_IRQ_TYPE_NONE);
		irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
	}
	assert_int_equal(gpio_dev_held(f->dev), 0);
}

/* An edge while masked is latched and delivered on unmask, once. */
static void
test_irq_edge_latch(void **state)
{
	struct fx *f = *state;
	struct irqbuf ib;

	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_RISING);
	drive(f, 3, 1);
	drive(f, 3, 0);
	ib = irq_post(f, 3);
	irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
	ib = irq_post(f, 3);
	irq_none_back(f);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
	/* A falling edge does not latch a rising interrupt. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_RISING);
	drive(f, 3, 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_RISING);
	drive(f, 3, 0);
	ib = irq_post(f, 3);
	irq_none_back(f);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
	/* Disabling discards a latched edge. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_BOTH);
	drive(f, 3, 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_BOTH);
	ib = irq_post(f, 3);
	irq_none_back(f);
	/* Edges before enabling are not reported either. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
	drive(f, 3, 0);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_BOTH);
	ib = irq_post(f, 3);
	irq_none_back(f);
	drive(f, 3, 1);
	irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
}

static void
run_level(struct fx *f, uint16_t line, uint32_t type, uint8_t active)
{
	uint8_t idle = !active;
	struct irqbuf ib;

	assert_int_equal(gpio_sim_set_input(f->chip, line, idle), 0);
	ok(f, GPIO_MSG_SET_DIRECTION, line, GPIO_DIRECTION_IN);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, line, type);
	ib = irq_post(f, line);
	irq_none_back(f);
	drive(f, line, active);
	irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
	/* Still active when unmasked again: fires again at once (spec). */
	ib = irq_post(f, line);
	irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
	ib = irq_post(f, line);
	irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
	/* Levels are not latched: active then idle while masked is nothing. */
	drive(f, line, idle);
	ib = irq_post(f, line);
	irq_none_back(f);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, line, GPIO_IRQ_TYPE_NONE);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, line, type);
	drive(f, line, active);
	drive(f, line, idle);
	ib = irq_post(f, line);
	irq_none_back(f);
	/* Returning to idle while unmasked does not fire. */
	drive(f, line, active);
	irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
	drive(f, line, idle);
	ib = irq_post(f, line);
	irq_none_back(f);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, line, GPIO_IRQ_TYPE_NONE);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
}

static void
test_irq_level_high(void **state)
{
	run_level(*state, 4, GPIO_IRQ_TYPE_LEVEL_HIGH, 1);
}

static void
test_irq_level_low(void **state)
{
	run_level(*state, 5, GPIO_IRQ_TYPE_LEVEL_LOW, 0);
}

/* A line in direction NONE can take interrupts (Linux does not set IN first). */
static void
test_irq_released_line(void **state)
{
	struct fx *f = *state;
	struct irqbuf ib;

	ok(f, GPIO_MSG_SET_IRQ_TYPE, 6, GPIO_IRQ_TYPE_EDGE_RISING);
	ib = irq_post(f, 6);
	drive(f, 6, 1);
	irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
	/* Value read through the chip while the interrupt is on. */
	assert_int_equal(get_value(f, 6), 1);
	/* Releasing the line disables its interrupt, buffer back INVALID. */
	ib = irq_post(f, 6);
	irq_none_back(f);
	ok(f, GPIO_MSG_SET_DIRECTION, 6, GPIO_DIRECTION_NONE);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
	ib = irq_post(f, 6);
	irq_expect(f, ib, GPIO_IRQ_STATUS_INVALID);
}

/* Switching types without NONE in between: latch dropped, buffer kept. */
static void
test_irq_switch(void **state)
{
	struct fx *f = *state;
	struct irqbuf ib;

	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_FALLING);
	ib = irq_post(f, 2);
	drive(f, 2, 1);
	irq_none_back(f);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_RISING);
	irq_none_back(f);
	/* Level high while the line is high fires at once on the switch. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_LEVEL_HIGH);
	irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
}

/*
 * Guest memory remapped while a buffer is held (a VMM sending the memory
 * table again): the status goes where the guest address is mapped now; a
 * status byte no longer mapped is not written, the buffer still returns.
 */
static void
test_irq_remap(void **state)
{
	struct fx *f = *state;
	uint8_t *copy = malloc(f->eq.arena_size);
	struct irqbuf ib;
	size_t off;
	uint16_t id;
	uint32_t len;

	assert_non_null(copy);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 1, GPIO_IRQ_TYPE_EDGE_RISING);
	ib = irq_post(f, 1);
	off = (size_t)(ib.status - (uint8_t *)f->eq.arena);
	memcpy(copy, f->eq.arena, f->eq.arena_size);
	f->eq.mem.regions[0].hva = copy;
	drive(f, 1, 1);
	assert_int_equal(vhd_test_used(&f->eq, &id, &len), 1);
	assert_int_equal(id, ib.id);
	assert_int_equal(len, 1);
	assert_int_equal(copy[off], GPIO_IRQ_STATUS_VALID);
	assert_int_equal(*ib.status, 0xee);
	f->eq.mem.regions[0].hva = f->eq.arena;
	/* Unmapped by the time it completes. */
	ib = irq_post(f, 1);
	irq_none_back(f);
	f->eq.mem.nregions = 0;
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 1, GPIO_IRQ_TYPE_NONE);
	f->eq.mem.nregions = 1;
	assert_int_equal(vhd_test_used(&f->eq, &id, &len), 1);
	assert_int_equal(id, ib.id);
	assert_int_equal(len, 0);
	assert_int_equal(*ib.status, 0xee);
	assert_int_equal(gpio_dev_held(f->dev), 0);
	free(copy);
}

/* Several lines unmasked at once, each completes on its own. */
static void
test_irq_many(void **state)
{
	struct fx *f = *state;
	struct irqbuf ib[NLINES];
	uint16_t i;

	for (i = 0; i < NLINES; i++) {
		ok(f, GPIO_MSG_SET_IRQ_TYPE, i, GPIO_IRQ_TYPE_EDGE_BOTH);
		ib[i] = irq_post(f, i);
	}
	assert_int_equal(gpio_dev_held(f->dev), NLINES);
	drive(f, 5, 1);
	irq_expect(f, ib[5], GPIO_IRQ_STATUS_VALID);
	irq_none_back(f);
	/* Several edges in one batch. */
	assert_int_equal(gpio_sim_set_input(f->chip, 1, 1), 0);
	assert_int_equal(gpio_sim_set_input(f->chip, 7, 1), 0);
	gpio_dev_chip_events(f->dev);
	irq_expect(f, ib[1], GPIO_IRQ_STATUS_VALID);
	irq_expect(f, ib[7], GPIO_IRQ_STATUS_VALID);
	irq_none_back(f);
	assert_int_equal(gpio_dev_held(f->dev), NLINES - 3);
	assert_int_equal(gpio_dev_stats(f->dev)->irq_valid, 3);
	/* Stopping the eventq forgets the rest without touching the ring. */
	gpio_dev_ops.queue_stop(f->dev, GPIO_EVENTQ, &f->eq.vq);
	assert_int_equal(gpio_dev_held(f->dev), 0);
	drive(f, 0, 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
	irq_none_back(f);
	/* Restarted: interrupts are still enabled, new buffers are held. */
	assert_int_equal(gpio_dev_ops.queue_start(f->dev, GPIO_EVENTQ, &f->eq.vq), 0);
	ib[3] = irq_post(f, 3);
	irq_none_back(f);
	drive(f, 3, 1);
	irq_expect(f, ib[3], GPIO_IRQ_STATUS_VALID);
}

/* ---- a scripted chip: names and failures ---- */

struct fake_chip {
	struct gpio_chip chip;
	const char *names[6];
	int fail; /* errno to return from every operation, 0 for none */
	int value;
	int edges_set;
};

static void
fake_destroy(struct gpio_chip *chip)
{
	free(chip);
}

static const char *
fake_name(struct gpio_chip *chip, uint16_t line)
{
	return ((struct fake_chip *)chip)->names[line];
}

static int
fake_get_direction(struct gpio_chip *chip, uint16_t line)
{
	(void)chip;
	/* Odd start-up states: line 0 output, line 1 input, line 2 garbage. */
	return line == 0 ? GPIO_DIRECTION_OUT : line == 1 ? GPIO_DIRECTION_IN : line == 2 ? 77 : 0;
}

static int
fake_set_direction(struct gpio_chip *chip, uint16_t line, uint8_t dir, uint8_t value)
{
	(void)line;
	(void)dir;
	(void)value;
	return -((struct fake_chip *)chip)->fail;
}

static int
fake_get_value(struct gpio_chip *chip, uint16_t line)
{
	struct fake_chip *c = (struct fake_chip *)chip;

	(void)line;
	return c->fail ? -c->fail : c->value;
}

static int
fake_set_value(struct gpio_chip *chip, uint16_t line, uint8_t value)
{
	(void)line;
	(void)value;
	return -((struct fake_chip *)chip)->fail;
}

static int
fake_set_edge(struct gpio_chip *chip, uint16_t line, enum gpio_edge edge)
{
	struct fake_chip *c = (struct fake_chip *)chip;

	(void)line;
	(void)edge;
	if (c->fail)
		return -c->fail;
	c->edges_set++;
	return 0;
}

static int
fake_event_fd(struct gpio_chip *chip)
{
	(void)chip;
	return -1;
}

static int
fake_read_events(struct gpio_chip *chip, struct gpio_chip_event *ev, unsigned int max)
{
	(void)chip;
	(void)ev;
	(void)max;
	return 0;
}

static const struct gpio_chip_ops fake_ops = {
	.destroy = fake_destroy,
	.line_name = fake_name,
	.get_direction = fake_get_direction,
	.set_direction = fake_set_direction,
	.get_value = fake_get_value,
	.set_value = fake_set_value,
	.set_edge = fake_set_edge,
	.event_fd = fake_event_fd,
	.read_events = fake_read_events,
};

static struct fake_chip *
fake_new(const char *const names[6])
{
	struct fake_chip *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->chip.ops = &fake_ops;
	c->chip.ngpio = 6;
	memcpy(c->names, names, sizeof(c->names));
	return c;
}

static void
test_names_clean(void **state)
{
	static const char *const names[6] = {"LED", NULL, "LED", "b\x80\tc", "", "LED"};
	static const char expect[] = "LED\0\0\0b??c\0\0\0";
	struct fx *f;
	struct gpio_config cfg;
	struct gpio_request r = mkreq(GPIO_MSG_GET_LINE_NAMES, 0, 0);
	uint8_t resp[sizeof(expect)]; /* status + names */

	(void)state;
	f = fx_new(&fake_new(names)->chip, true);
	/* Duplicates lose their name (names must be unique), non-ASCII becomes '?'. */
	assert_int_equal(gpio_dev_ops.get_config(f->dev, (uint8_t *)&cfg, 0, sizeof(cfg)), 0);
	assert_int_equal(le32toh(cfg.gpio_names_size), sizeof(expect) - 1);
	assert_int_equal(raw_req(f, &r, sizeof(r), resp, sizeof(resp)), (int)sizeof(resp));
	assert_int_equal(resp[0], GPIO_STATUS_OK);
	assert_memory_equal(resp + 1, expect, sizeof(expect) - 1);
	/* Start-up directions come from the chip; unknown ones read as NONE. */
	assert_int_equal(get_dir(f, 0), GPIO_DIRECTION_OUT);
	assert_int_equal(get_dir(f, 1), GPIO_DIRECTION_IN);
	assert_int_equal(get_dir(f, 2), GPIO_DIRECTION_NONE);
	*state = f;
}

static void
test_no_names(void **state)
{
	static const char *const names[6] = {NULL, "", NULL, "", NULL, ""};
	struct fx *f;
	struct gpio_config cfg;
	struct gpio_request r = mkreq(GPIO_MSG_GET_LINE_NAMES, 0, 0);
	uint8_t resp[8];

	(void)state;
	f = fx_new(&fake_new(names)->chip, true);
	assert_int_equal(gpio_dev_ops.get_config(f->dev, (uint8_t *)&cfg, 0, sizeof(cfg)), 0);
	assert_int_equal(le16toh(cfg.ngpio), 6);
	assert_int_equal(cfg.gpio_names_size, 0);
	assert_int_equal(raw_req(f, &r, sizeof(r), resp, 1), 1);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	assert_int_equal(raw_req(f, &r, sizeof(r), resp, 2), 2);
	assert_int_equal(resp[0], GPIO_STATUS_ERR);
	*state = f;
}

static void
test_chip_failures(void **state)
{
	static const char *const names[6] = {"a", "b", "c", "d", "e", "f"};
	struct fake_chip *c = fake_new(names);
	struct fx *f;

	(void)state;
	f = fx_new(&c->chip, true);
	c->fail = EIO;
	err(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_IN);
	err(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_OUT);
	assert_int_equal(get_dir(f, 3), GPIO_DIRECTION_NONE);
	err(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_RISING);
	/* Line 0 starts as output: SET_VALUE goes to the chip and fails. */
	err(f, GPIO_MSG_SET_VALUE, 0, 1);
	err(f, GPIO_MSG_GET_VALUE, 0, 0);
	/* A released line answers from memory, the chip is not asked. */
	ok(f, GPIO_MSG_GET_VALUE, 3, 0);
	/* The interrupt was not enabled: buffers come back at once. */
	irq_expect(f, irq_post(f, 3), GPIO_IRQ_STATUS_INVALID);
	c->fail = 0;
	c->value = 1;
	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_IN);
	assert_int_equal(get_value(f, 3), 1);
	/* Chip returning garbage for a value is an error, not a crash. */
	c->value = 5;
	err(f, GPIO_MSG_GET_VALUE, 3, 0);
	/* A chip failing to release the line is an error too; no edge calls made. */
	c->fail = EIO;
	err(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_NONE);
	c->fail = 0;
	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_NONE);
	assert_int_equal(c->edges_set, 0);
	*state = f;
}

/* ---- host integration ---- */

struct fake_host {
	struct vhd_host host;
	int fd;
	uint32_t events;
	vhd_fd_cb cb;
	void *arg;
	int unwatched;
};

static int
host_watch(struct vhd_host *h, int fd, uint32_t events, vhd_fd_cb cb, void *arg)
{
	struct fake_host *fh = (struct fake_host *)h;

	fh->fd = fd;
	fh->events = events;
	fh->cb = cb;
	fh->arg = arg;
	return 0;
}

static void
host_unwatch(struct vhd_host *h, int fd)
{
	struct fake_host *fh = (struct fake_host *)h;

	assert_int_equal(fd, fh->fd);
	fh->unwatched++;
}

static bool
readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static int
ctl_connect(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Send a command, let the worker run, return the reply. */
static const char *
ctl(struct fake_host *h, int fd, const char *cmd)
{
	static char buf[128];
	ssize_t n;

	assert_int_equal(send(fd, cmd, strlen(cmd), 0), (ssize_t)strlen(cmd));
	assert_true(readable(h->fd)); /* the chip's single fd reports the command */
	h->cb(h->arg, h->fd, 0x1);
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static void
test_sim_control(void **state)
{
	struct fake_host h = {.host = {.watch_fd = host_watch, .unwatch_fd = host_unwatch}};
	struct gpio_chip *chip;
	struct irqbuf ib;
	struct fx *f;
	int c1, c2;
	char path[108];

	(void)state;
	snprintf(path, sizeof(path), "/tmp/vhd-gpio-test-%d.ctl", (int)getpid());
	assert_int_equal(gpio_sim_create(NLINES, path, &chip), 0);
	f = fx_new(chip, true);
	snprintf(f->ctl, sizeof(f->ctl), "%s", path);
	gpio_dev_ops.attach(f->dev, &h.host);
	assert_int_equal(h.fd, chip->ops->event_fd(chip));
	assert_true(h.events & 0x1); /* EPOLLIN */
	assert_false(readable(h.fd));

	c1 = ctl_connect(path);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_RISING);
	ib = irq_post(f, 2);
	assert_string_equal(ctl(&h, c1, "set 2 1\n"), "ok\n");
	irq_expect(f, ib, GPIO_IRQ_STATUS_VALID);
	assert_false(readable(h.fd));
	/* Names work as line ids; the reply reports what the guest drove. */
	ok(f, GPIO_MSG_SET_VALUE, 4, 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 4, GPIO_DIRECTION_OUT);
	assert_string_equal(ctl(&h, c1, "get sim-4\n"), "1\n");
	assert_string_equal(ctl(&h, c1, "get 3\n"), "0\n");
	/* A second client, commands split over writes and several per write. */
	c2 = ctl_connect(path);
	assert_int_equal(send(c2, "set 5", 5, 0), 5);
	assert_string_equal(ctl(&h, c2, " 1\nget 4\n"), "ok\n1\n");
	ok(f, GPIO_MSG_SET_DIRECTION, 5, GPIO_DIRECTION_IN);
	assert_int_equal(get_value(f, 5), 1);
	/* Errors. */
	assert_string_equal(ctl(&h, c1, "set 8 1\n"), "error: no such line\n");
	assert_string_equal(ctl(&h, c1, "set 1 2\n"), "error: level must be 0 or 1\n");
	assert_string_equal(ctl(&h, c1, "set 1\n"), "error: usage: set <line> <0|1>\n");
	assert_string_equal(ctl(&h, c1, "set 1 1 1\n"), "error: usage: set <line> <0|1>\n");
	assert_string_equal(ctl(&h, c1, "get\n"), "error: usage: get <line>\n");
	assert_string_equal(ctl(&h, c1, "get nope\n"), "error: no such line\n");
	assert_string_equal(ctl(&h, c1, "get -1\n"), "error: no such line\n");
	assert_string_equal(ctl(&h, c1, "get 99999999999999999999\n"), "error: no such line\n");
	assert_string_equal(ctl(&h, c1, "frob\n"), "error: unknown command\n");
	{
		char lng[400];

		memset(lng, 'x', sizeof(lng));
		lng[sizeof(lng) - 1] = '\n';
		assert_int_equal(send(c1, lng, sizeof(lng) - 1, 0), (ssize_t)sizeof(lng) - 1);
		assert_string_equal(ctl(&h, c1, "\n"), "error: line too long\n");
	}
	assert_string_equal(ctl(&h, c1, "\n"), "");
	assert_string_equal(ctl(&h, c1, "get 4\n"), "1\n");
	/* A client going away is cleaned up; others keep working. */
	close(c2);
	h.cb(h.arg, h.fd, 0x1);
	assert_false(readable(h.fd));
	assert_string_equal(ctl(&h, c1, "set 2 0\n"), "ok\n");
	close(c1);
	h.cb(h.arg, h.fd, 0x1);
	gpio_dev_destroy(f->dev);
	f->dev = NULL;
	assert_int_equal(h.unwatched, 1);
	*state = f;
}

static void
test_sim_ctl_path_errors(void **state)
{
	struct gpio_chip *chip;
	char path[108];
	FILE *fp;

	(void)state;
	assert_int_equal(gpio_sim_create(0, NULL, &chip), -EINVAL);
	assert_int_equal(gpio_sim_create(GPIO_SIM_MAX_LINES + 1, NULL, &chip), -EINVAL);
	/* A regular file at the path is never removed. */
	snprintf(path, sizeof(path), "/tmp/vhd-gpio-test-%d.file", (int)getpid());
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(gpio_sim_create(4, path, &chip), -EEXIST);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	assert_int_equal(gpio_sim_create(4, "/nonexistent-dir/x.ctl", &chip), -ENOENT);
	/* A stale socket from an earlier run is replaced. */
	snprintf(path, sizeof(path), "/tmp/vhd-gpio-test-%d.stale", (int)getpid());
	assert_int_equal(gpio_sim_create(4, path, &chip), 0);
	{
		struct gpio_chip *chip2;

		assert_int_equal(gpio_sim_create(4, path, &chip2), 0);
		gpio_chip_destroy(chip2);
	}
	gpio_chip_destroy(chip);
	/* Sim accessors check their arguments. */
	assert_int_equal(gpio_sim_create(2, NULL, &chip), 0);
	assert_int_equal(gpio_sim_set_input(chip, 2, 1), -EINVAL);
	assert_int_equal(gpio_sim_set_input(chip, 0, 2), -EINVAL);
	assert_int_equal(gpio_sim_get_driven(chip, 2), -EINVAL);
	gpio_chip_destroy(chip);
	/* Not a simulated chip: refused, not misread. */
	{
		static const char *const names[6] = {"a", "b", "c", "d", "e", "f"};
		struct fake_chip *fc = fake_new(names);

		assert_int_equal(gpio_sim_set_input(&fc->chip, 0, 1), -EINVAL);
		assert_int_equal(gpio_sim_get_driven(&fc->chip, 0), -EINVAL);
		gpio_chip_destroy(&fc->chip);
	}
}

static void
test_gpiod_absent_or_no_chip(void **state)
{
	struct gpio_chip *chip = NULL;
	int rc;

	(void)state;
	/* No host chip 4000 here: a clean error either way. */
	rc = gpio_gpiod_open(4000, &chip);
	assert_true(rc < 0);
	assert_null(chip);
	if (!gpio_gpiod_available())
		assert_int_equal(rc, -ENOTSUP);
}

/* ---- random traffic: nothing crashes, every chain comes back ---- */

static uint32_t fuzz_seed = 12345;

static uint32_t
fuzz_rand(uint32_t n)
{
	fuzz_seed = fuzz_seed * 1103515245u + 12345u;
	return (fuzz_seed >> 8) % n;
}

/* Take all used entries of the eventq; check them; return how many. */
static unsigned int
fuzz_drain_events(struct fx *f)
{
	unsigned int n = 0;
	uint16_t id;
	uint32_t len;

	while (vhd_test_used(&f->eq, &id, &len) == 1) {
		assert_true(len <= 1);
		n++;
	}
	return n;
}

static void
test_random_traffic(void **state)
{
	struct fx *f = *state;
	unsigned int posted_ev = 0, back_ev = 0, i;
	uint16_t line;

	for (i = 0; i < 4000; i++) {
		uint32_t what = fuzz_rand(10);

		if (what < 5) {
			/* A request of random shape and content on the requestq. */
			uint8_t rd[12], wr[80];
			uint32_t rd_len = fuzz_rand(3) == 0 ? fuzz_rand(13) : 8;
			uint32_t wr_len = fuzz_rand(3) == 0 ? fuzz_rand(80) : 2;
			uint16_t type = (uint16_t)fuzz_rand(9), gpio = (uint16_t)fuzz_rand(11);
			struct gpio_request r = mkreq(type, gpio, fuzz_rand(12));
			int used;

			memset(rd, 0, sizeof(rd));
			memcpy(rd, &r, sizeof(r));
			if (rd_len == 0)
				rd_len = 1;
			used = raw_req(f, rd, rd_len, wr, wr_len);
			assert_true(used >= 0 && (uint32_t)used <= wr_len);
			if (used > 0)
				assert_true(wr[0] == GPIO_STATUS_OK || wr[0] == GPIO_STATUS_ERR);
		} else if (what < 8) {
			/* An eventq buffer, sometimes malformed, for any line. */
			uint16_t *rq = vhd_test_alloc(&f->eq, 4);
			uint8_t *st = vhd_test_alloc(&f->eq, 2);
			struct vhd_fe_buf b[2] = {{rq, fuzz_rand(4) == 0 ? 4 : 2},
						  {st, fuzz_rand(5) == 0 ? 2 : 1}};

			*rq = htole16((uint16_t)fuzz_rand(10));
			if (vhd_test_post(&f->eq, b, 1, 1, false) < 0)
				continue; /* ring full of held buffers: fine */
			posted_ev++;
			vhd_test_serve(&f->eq, &gpio_dev_ops, f->dev, GPIO_EVENTQ);
		} else {
			/* The outside world toggles a line. */
			drive(f, (uint16_t)fuzz_rand(NLINES), (uint8_t)fuzz_rand(2));
		}
		back_ev += fuzz_drain_events(f);
		assert_true(gpio_dev_held(f->dev) <= NLINES);
		assert_int_equal(posted_ev - back_ev, gpio_dev_held(f->dev));
	}
	/* Disabling every interrupt returns every held buffer. */
	for (line = 0; line < NLINES; line++)
		ok(f, GPIO_MSG_SET_IRQ_TYPE, line, GPIO_IRQ_TYPE_NONE);
	back_ev += fuzz_drain_events(f);
	assert_int_equal(gpio_dev_held(f->dev), 0);
	assert_int_equal(back_ev, posted_ev);
	assert_true(gpio_dev_stats(f->dev)->irq_valid > 0);
	assert_true(gpio_dev_stats(f->dev)->errors > 0);
}

/* ---- device list (-l) ---- */

static void
expect_list_error(const char *list, unsigned int max, const char *why)
{
	struct gpio_chip_spec s[4];
	char err[160] = "";

	assert_int_equal(gpio_parse_device_list(list, s, max, err, sizeof(err)), -1);
	assert_string_equal(err, why);
}

static void
test_device_list(void **state)
{
	struct gpio_chip_spec s[4];
	struct gpio_chip *chip;
	char err[160];

	(void)state;
	assert_int_equal(gpio_parse_device_list("0:4:s8", s, 4, err, sizeof(err)), 3);
	assert_false(s[0].sim);
	assert_int_equal(s[0].num, 0);
	assert_false(s[1].sim);
	assert_int_equal(s[1].num, 4);
	assert_true(s[2].sim);
	assert_int_equal(s[2].num, 8);
	/* Simulated chips may repeat, host chips may not. */
	assert_int_equal(gpio_parse_device_list("s4:s4:s1024", s, 4, err, sizeof(err)), 3);
	assert_int_equal(s[2].num, GPIO_SIM_MAX_LINES);
	assert_int_equal(gpio_parse_device_list("65535", s, 4, err, sizeof(err)), 1);
	expect_list_error("2:s4:2", 4, "device 2 is listed twice");
	expect_list_error("", 4, "empty device list");
	expect_list_error(NULL, 4, "empty device list");
	expect_list_error("1:2:3", 2, "more than 2 devices in the list");
	expect_list_error("1::2", 4, "bad device '': a gpiochip number or s<lines>");
	expect_list_error("1:", 4, "bad device '': a gpiochip number or s<lines>");
	expect_list_error("x", 4, "bad device 'x': a gpiochip number or s<lines>");
	expect_list_error("-1", 4, "bad device '-1': a gpiochip number or s<lines>");
	expect_list_error("+1", 4, "bad device '+1': a gpiochip number or s<lines>");
	expect_list_error("1 ", 4, "bad device '1 ': a gpiochip number or s<lines>");
	expect_list_error("65536", 4, "bad device '65536': a gpiochip number or s<lines>");
	expect_list_error("99999999999999999999", 4,
			  "bad device '99999999999999999999': a gpiochip number or s<lines>");
	expect_list_error("s", 4, "bad simulated device 's': s<lines>, lines 1..1024");
	expect_list_error("s0", 4, "bad simulated device 's0': s<lines>, lines 1..1024");
	expect_list_error("s1025", 4, "bad simulated device 's1025': s<lines>, lines 1..1024");
	expect_list_error("s4x", 4, "bad simulated device 's4x': s<lines>, lines 1..1024");
	/* Opening: simulated chips come up with their lines, bad specs are refused. */
	s[0] = (struct gpio_chip_spec){.sim = true, .num = 3};
	assert_int_equal(gpio_chip_open_spec(&s[0], NULL, &chip), 0);
	assert_int_equal(chip->ngpio, 3);
	assert_string_equal(chip->ops->line_name(chip, 2), "sim-2");
	gpio_chip_destroy(chip);
	s[0].num = 0;
	assert_int_equal(gpio_chip_open_spec(&s[0], NULL, &chip), -EINVAL);
	s[0] = (struct gpio_chip_spec){.sim = false, .num = 4000};
	assert_true(gpio_chip_open_spec(&s[0], NULL, &chip) < 0);
}

/*
 * Restart hook: the guest-set line state written to the restart state
 * comes back in a new device (a restarted backend), the eventq buffer the
 * old one held is held again by resubmitted() with its interrupt armed, and
 * an edge completes it VALID. A restored state with values no guest could
 * set is ignored: the buffer is answered INVALID.
 */
static void
test_restart_state(void **state)
{
	struct fx *f = *state, *g;
	struct gpio_chip *chip;
	uint8_t *st = calloc(1, gpio_dev_ops.restart_state_size);
	struct vhd_req *req = malloc(sizeof(*req));
	struct irqbuf ib;
	unsigned int i;

	assert_non_null(st);
	assert_non_null(req);
	assert_true(gpio_dev_ops.restart_state_size <= VHD_RESTART_STATE_MAX);
	gpio_dev_ops.restart_state(f->dev, st, false);
	ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_IN);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_RISING);
	ok(f, GPIO_MSG_SET_VALUE, 4, 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 4, GPIO_DIRECTION_OUT);
	ib = irq_post(f, 2);
	irq_none_back(f);
	gpio_dev_ops.restart_state(f->dev, NULL, false);
	/* no longer written: this change is not kept */
	ok(f, GPIO_MSG_SET_DIRECTION, 5, GPIO_DIRECTION_IN);

	assert_int_equal(gpio_sim_create(NLINES, NULL, &chip), 0);
	g = fx_new(chip, true);
	gpio_dev_ops.restart_state(g->dev, st, true);
	assert_int_equal(get_dir(g, 2), GPIO_DIRECTION_IN);
	assert_int_equal(get_dir(g, 4), GPIO_DIRECTION_OUT);
	assert_int_equal(get_value(g, 4), 1);
	assert_int_equal(get_dir(g, 5), GPIO_DIRECTION_NONE);
	/* the old device's buffer, resubmitted */
	ib = irq_post_raw(g, 2);
	assert_int_equal(vhd_vq_pop(&g->eq.vq, req), 1);
	assert_int_equal(gpio_dev_ops.resubmitted(g->dev, GPIO_EVENTQ, &g->eq.vq, req),
			 VHD_REQ_HELD);
	assert_int_equal(gpio_dev_held(g->dev), 1);
	assert_int_equal(gpio_dev_stats(g->dev)->restart_held, 1);
	irq_none_back(g);
	drive(g, 2, 1);
	irq_expect(g, ib, GPIO_IRQ_STATUS_VALID);

	/* garbage restored: nothing armed, nothing driven */
	for (i = 0; i < gpio_dev_ops.restart_state_size; i++)
		st[i] = (uint8_t)(0x37 + i * 13);
	gpio_dev_ops.reset(g->dev);
	gpio_dev_ops.set_features(g->dev, FEAT | 1ULL << GPIO_F_IRQ);
	gpio_dev_ops.restart_state(g->dev, st, true);
	ib = irq_post(g, 2);
	irq_expect(g, ib, GPIO_IRQ_STATUS_INVALID);
	for (i = 0; i < NLINES; i++)
		assert_true(get_dir(g, (uint16_t)i) == GPIO_DIRECTION_NONE ||
			    get_dir(g, (uint16_t)i) == GPIO_DIRECTION_IN ||
			    get_dir(g, (uint16_t)i) == GPIO_DIRECTION_OUT);
	gpio_dev_ops.restart_state(g->dev, NULL, false);
	gpio_dev_destroy(g->dev);
	vhd_test_pair_fini(&g->rq);
	vhd_test_pair_fini(&g->eq);
	free(g);
	free(req);
	free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_names_split, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_direction, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_value_out, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_value_in, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_release_keeps_value, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_bad_line, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_bad_type, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_bad_sizes, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_split, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_irq_not_negotiated, setup_sim_noirq, teardown),
		cmocka_unit_test_setup_teardown(test_irq_type_errors, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_irq_buffer_errors, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_irq_edges, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_irq_edge_latch, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_irq_level_high, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_irq_level_low, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_irq_released_line, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_irq_switch, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_irq_many, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_restart_state, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_irq_remap, setup_sim, teardown),
		cmocka_unit_test_setup_teardown(test_random_traffic, setup_sim, teardown),
		cmocka_unit_test_teardown(test_names_clean, teardown),
		cmocka_unit_test_teardown(test_no_names, teardown),
		cmocka_unit_test_teardown(test_chip_failures, teardown),
		cmocka_unit_test_teardown(test_sim_control, teardown),
		cmocka_unit_test(test_sim_ctl_path_errors),
		cmocka_unit_test(test_gpiod_absent_or_no_chip),
		cmocka_unit_test(test_device_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
