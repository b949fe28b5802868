/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The libgpiod v2 adapter (gpio_gpiod2.c) under the virtio-gpio device, with
 * libgpiod 2 replaced by a fake (fake2/gpiod.h, fake2/fake_gpiod2.c): which
 * kernel requests the guest's messages turn into, and interrupts through
 * the adapter's single epoll fd. The same scenarios as test_gpio_gpiod.c
 * (v1), plus what v2 does differently: switching a held line in place,
 * events queued before such a switch, reads bounded by what the caller
 * asked. Built in every configuration; it is the only test the v2 adapter
 * has: nothing in the tree runs it on an installed libgpiod 2.
 */

#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vhd_test_pair.h"

#include <gpiod.h>

#include "fake_gpiod2.h"
#include "gpio_dev.h"

#ifndef FAKE_GPIOD2_HEADER
#error "test_gpio_gpiod2 must be built against fake2/gpiod.h, not the system <gpiod.h>"
#endif

#define QSZ 64
#define FEAT (VHD_BIT(VHD_F_VERSION_1) | (1ULL << GPIO_F_IRQ))

struct fx {
	struct vhd_test_pair rq;
	struct vhd_test_pair eq;
	struct gpio_dev *dev;
	struct gpio_chip *chip;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fake_gpiod2_reset();
	assert_int_equal(vhd_test_pair_init(&f->rq, QSZ, FEAT), 0);
	assert_int_equal(vhd_test_pair_init(&f->eq, QSZ, FEAT), 0);
	assert_true(gpio_gpiod_available());
	assert_int_equal(gpio_gpiod_open(0, &f->chip), 0);
	f->dev = gpio_dev_create(f->chip);
	assert_non_null(f->dev);
	gpio_dev_ops.set_features(f->dev, FEAT);
	assert_int_equal(gpio_dev_ops.queue_start(f->dev, GPIO_EVENTQ, &f->eq.vq), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	gpio_dev_destroy(f->dev);
	vhd_test_pair_fini(&f->rq);
	vhd_test_pair_fini(&f->eq);
	free(f);
	/* Everything the adapter requested was released, the chip closed, nothing leaked. */
	for (i = 0; i < FAKE2_NLINES; i++)
		assert_int_equal(fake_gpiod2_req(i), FAKE2_FREE);
	assert_int_equal(fake_gpiod2_open_chips(), 0);
	assert_int_equal(fake_gpiod2_live_objects(), 0);
	/* And the worker was never blocked on a request fd. */
	assert_int_equal(fake_gpiod2_blocking_calls(), 0);
	return 0;
}

static int
msg(struct fx *f, uint16_t type, uint16_t gpio, uint32_t value, uint8_t *val)
{
	struct gpio_request *r = vhd_test_alloc(&f->rq, sizeof(*r));
	uint8_t *resp = vhd_test_alloc(&f->rq, 2);
	struct vhd_fe_buf b[2] = {{r, sizeof(*r)}, {resp, 2}};
	uint16_t id;
	uint32_t len;

	r->type = htole16(type);
	r->gpio = htole16(gpio);
	r->value = htole32(value);
	assert_true(vhd_test_post(&f->rq, b, 1, 1, false) >= 0);
	assert_int_equal(vhd_test_serve(&f->rq, &gpio_dev_ops, f->dev, GPIO_REQUESTQ), 1);
	assert_int_equal(vhd_test_used(&f->rq, &id, &len), 1);
	assert_int_equal(len, 2);
	if (val != NULL)
		*val = resp[1];
	return resp[0];
}

static void
ok(struct fx *f, uint16_t type, uint16_t gpio, uint32_t value)
{
	assert_int_equal(msg(f, type, gpio, value, NULL), GPIO_STATUS_OK);
}

static uint8_t
value_of(struct fx *f, uint16_t gpio)
{
	uint8_t v = 0xff;

	assert_int_equal(msg(f, GPIO_MSG_GET_VALUE, gpio, 0, &v), GPIO_STATUS_OK);
	return v;
}

static uint8_t *
irq_post(struct fx *f, uint16_t gpio)
{
	uint16_t *rq = vhd_test_alloc(&f->eq, 2);
	uint8_t *st = vhd_test_alloc(&f->eq, 1);
	struct vhd_fe_buf b[2] = {{rq, 2}, {st, 1}};

	*rq = htole16(gpio);
	*st = 0xee;
	assert_true(vhd_test_post(&f->eq, b, 1, 1, false) >= 0);
	assert_int_equal(vhd_test_serve(&f->eq, &gpio_dev_ops, f->dev, GPIO_EVENTQ), 1);
	return st;
}

/* Number of eventq buffers returned since the last call; all with @p status. */
static unsigned int
irq_back(struct fx *f, const uint8_t *st, uint8_t status)
{
	unsigned int n = 0;
	uint16_t id;
	uint32_t len;

	while (vhd_test_used(&f->eq, &id, &len) == 1) {
		assert_int_equal(len, 1);
		n++;
	}
	if (n > 0)
		assert_int_equal(*st, status);
	return n;
}

static bool
fd_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1;
}

/* Drive a line from outside; the device takes what the epoll fd reports. */
static void
drive(struct fx *f, uint16_t line, int level)
{
	fake_gpiod2_drive(line, level);
	gpio_dev_chip_events(f->dev);
	assert_false(fd_readable(f->chip->ops->event_fd(f->chip)));
}

static void
test_open(void **state)
{
	struct fx *f = *state;
	struct gpio_chip *chip = NULL;
	struct gpio_config cfg;
	uint8_t dir;

	assert_int_equal(gpio_gpiod_open(3, &chip), -ENOENT);
	assert_null(chip);
	assert_int_equal(fake_gpiod2_open_chips(), 1);
	assert_int_equal(f->chip->ngpio, FAKE2_NLINES);
	/* Names outlive the line infos they came from (the fake scribbles on freed ones). */
	assert_string_equal(f->chip->ops->line_name(f->chip, 1), "L1");
	assert_string_equal(f->chip->ops->line_name(f->chip, 5), "L5");
	assert_null(f->chip->ops->line_name(f->chip, 4));
	assert_int_equal(gpio_dev_ops.get_config(f->dev, (uint8_t *)&cfg, 0, sizeof(cfg)), 0);
	/* "L0 L1 L2 L3 '' L5": 5 * 3 + 1. */
	assert_int_equal(le32toh(cfg.gpio_names_size), 16);
	/* Nothing requested until the guest asks. */
	assert_int_equal(msg(f, GPIO_MSG_GET_DIRECTION, 2, 0, &dir), GPIO_STATUS_OK);
	assert_int_equal(dir, GPIO_DIRECTION_NONE);
	assert_int_equal(fake_gpiod2_req(2), FAKE2_FREE);
	assert_int_equal(fake_gpiod2_requests(), 0);
	assert_int_equal(f->chip->ops->get_value(f->chip, 2), -EPERM);
	assert_int_equal(f->chip->ops->set_value(f->chip, 2, 1), -EPERM);
}

static void
test_directions(void **state)
{
	struct fx *f = *state;

	ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_OUT);
	assert_int_equal(fake_gpiod2_req(1), FAKE2_OUT);
	/* The value is part of the request: the line never drives the other level. */
	assert_int_equal(fake_gpiod2_level(1), 1);
	ok(f, GPIO_MSG_SET_VALUE, 1, 0);
	assert_int_equal(fake_gpiod2_level(1), 0);
	assert_int_equal(value_of(f, 1), 0);
	/* Output again: nothing requested nor reconfigured, the value driven. */
	ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_OUT);
	assert_int_equal(fake_gpiod2_requests(), 1);
	assert_int_equal(fake_gpiod2_reconfigures(), 0);
	assert_int_equal(fake_gpiod2_level(1), 1);
	ok(f, GPIO_MSG_SET_VALUE, 1, 0);
	/* Output to input: the request is switched in place, the line never free. */
	fake_gpiod2_drive(1, 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_IN);
	assert_int_equal(fake_gpiod2_req(1), FAKE2_IN);
	assert_int_equal(fake_gpiod2_requests(), 1);
	assert_int_equal(fake_gpiod2_reconfigures(), 1);
	assert_int_equal(value_of(f, 1), 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_IN);
	assert_int_equal(fake_gpiod2_requests(), 1);
	assert_int_equal(fake_gpiod2_reconfigures(), 1);
	/* Input to output in place too, with the value the guest set. */
	ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_OUT);
	assert_int_equal(fake_gpiod2_req(1), FAKE2_OUT);
	assert_int_equal(fake_gpiod2_reconfigures(), 2);
	assert_int_equal(fake_gpiod2_level(1), 1);
	/* A refused switch keeps the line as it was. */
	ok(f, GPIO_MSG_SET_VALUE, 1, 0);
	fake_gpiod2_fail_reconfigure(EINVAL);
	assert_int_equal(msg(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_IN, NULL),
			 GPIO_STATUS_ERR);
	fake_gpiod2_fail_reconfigure(0);
	assert_int_equal(fake_gpiod2_req(1), FAKE2_OUT);
	ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	assert_int_equal(fake_gpiod2_level(1), 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_IN);
	assert_int_equal(fake_gpiod2_req(1), FAKE2_IN);
	/* Released: the kernel line is free, the guest reads the last value. */
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_NONE);
	assert_int_equal(fake_gpiod2_req(1), FAKE2_FREE);
	fake_gpiod2_drive(1, 0);
	assert_int_equal(value_of(f, 1), 1);
	assert_int_equal(fake_gpiod2_requests(), 1);
	/* Line busy in the kernel: error, state unchanged. */
	fake_gpiod2_fail_requests(EBUSY);
	assert_int_equal(msg(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_OUT, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(msg(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_IN, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(msg(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_BOTH, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(fake_gpiod2_req(2), FAKE2_FREE);
	fake_gpiod2_fail_requests(0);
	ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_IN);
	assert_int_equal(fake_gpiod2_req(2), FAKE2_IN);
	/* A line busy elsewhere does not hold back the others: one request per line. */
	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_OUT);
	assert_int_equal(fake_gpiod2_req(2), FAKE2_IN);
	assert_int_equal(fake_gpiod2_req(3), FAKE2_OUT);
	/* And released again. */
	ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_NONE);
	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_NONE);
	assert_int_equal(fake_gpiod2_req(2), FAKE2_FREE);
	assert_int_equal(fake_gpiod2_req(3), FAKE2_FREE);
}

static void
test_irq_edges(void **state)
{
	struct fx *f = *state;
	uint8_t *st;

	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_IN);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_RISING);
	assert_int_equal(fake_gpiod2_req(3), FAKE2_EV_RISING);
	/* The input request got edge detection in place. */
	assert_int_equal(fake_gpiod2_requests(), 1);
	assert_int_equal(fake_gpiod2_reconfigures(), 1);
	st = irq_post(f, 3);
	assert_int_equal(irq_back(f, st, 0), 0);
	drive(f, 3, 1);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	/* Value readable while requested for events. */
	assert_int_equal(value_of(f, 3), 1);
	st = irq_post(f, 3);
	drive(f, 3, 0);
	assert_int_equal(irq_back(f, st, 0), 0);
	/* Disable: back to a plain input request, held buffer INVALID. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_INVALID), 1);
	assert_int_equal(fake_gpiod2_req(3), FAKE2_IN);
	assert_int_equal(fake_gpiod2_requests(), 1);
	/* Edges on a plain input are not reported. */
	drive(f, 3, 1);
	drive(f, 3, 0);
	/* Falling and both on a released line; released again after. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_EDGE_FALLING);
	assert_int_equal(fake_gpiod2_req(0), FAKE2_EV_FALLING);
	assert_int_equal(fake_gpiod2_requests(), 2);
	fake_gpiod2_drive(0, 1);
	gpio_dev_chip_events(f->dev);
	st = irq_post(f, 0);
	assert_int_equal(irq_back(f, st, 0), 0);
	drive(f, 0, 0);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(fake_gpiod2_req(0), FAKE2_FREE);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_EDGE_BOTH);
	assert_int_equal(fake_gpiod2_req(0), FAKE2_EV_BOTH);
	/* Two edges while masked: latched once. */
	drive(f, 0, 1);
	drive(f, 0, 0);
	st = irq_post(f, 0);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	st = irq_post(f, 0);
	assert_int_equal(irq_back(f, st, 0), 0);
	/* Direction IN while events are on keeps the event request, untouched. */
	ok(f, GPIO_MSG_SET_DIRECTION, 0, GPIO_DIRECTION_IN);
	assert_int_equal(fake_gpiod2_req(0), FAKE2_EV_BOTH);
	/* Output is refused while the line is an interrupt. */
	assert_int_equal(msg(f, GPIO_MSG_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(f->chip->ops->set_direction(f->chip, 0, GPIO_DIRECTION_OUT, 0), -EBUSY);
	assert_int_equal(fake_gpiod2_req(0), FAKE2_EV_BOTH);
	/* Release with the interrupt on: everything goes. */
	ok(f, GPIO_MSG_SET_DIRECTION, 0, GPIO_DIRECTION_NONE);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_INVALID), 1);
	assert_int_equal(fake_gpiod2_req(0), FAKE2_FREE);
	/* Interrupts on an output are refused, the output kept. */
	ok(f, GPIO_MSG_SET_DIRECTION, 5, GPIO_DIRECTION_OUT);
	assert_int_equal(msg(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_EDGE_BOTH, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(f->chip->ops->set_edge(f->chip, 5, GPIO_EDGE_BOTH), -EBUSY);
	assert_int_equal(fake_gpiod2_req(5), FAKE2_OUT);
	ok(f, GPIO_MSG_SET_DIRECTION, 5, GPIO_DIRECTION_NONE);
	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_NONE);
}

/*
 * Events queued under an earlier configuration are dropped when edge
 * detection comes back in place (v1 gets a fresh request fd instead).
 */
static void
test_irq_stale_events(void **state)
{
	struct fx *f = *state;
	uint8_t *st;

	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_IN);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_RISING);
	/* An edge the device has not taken yet when the guest disables the interrupt. */
	fake_gpiod2_drive(3, 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(fake_gpiod2_req(3), FAKE2_IN);
	assert_false(fd_readable(f->chip->ops->event_fd(f->chip)));
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_BOTH);
	assert_int_equal(fake_gpiod2_req(3), FAKE2_EV_BOTH);
	assert_int_equal(fake_gpiod2_requests(), 1);
	assert_false(fd_readable(f->chip->ops->event_fd(f->chip)));
	gpio_dev_chip_events(f->dev);
	st = irq_post(f, 3);
	assert_int_equal(irq_back(f, st, 0), 0);
	/* New edges do come. */
	drive(f, 3, 0);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	/* A direct switch of type drops what the old type queued too (a falling edge here). */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_FALLING);
	fake_gpiod2_drive(3, 1);
	fake_gpiod2_drive(3, 0);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_BOTH);
	assert_int_equal(fake_gpiod2_req(3), FAKE2_EV_BOTH);
	gpio_dev_chip_events(f->dev);
	st = irq_post(f, 3);
	assert_int_equal(irq_back(f, st, 0), 0);
	drive(f, 3, 1);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_NONE);
}

static void
test_irq_level(void **state)
{
	struct fx *f = *state;
	uint8_t *st;

	ok(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_LEVEL_LOW);
	/* Levels watch both edges and sample the line. */
	assert_int_equal(fake_gpiod2_req(5), FAKE2_EV_BOTH);
	st = irq_post(f, 5);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	drive(f, 5, 1);
	st = irq_post(f, 5);
	assert_int_equal(irq_back(f, st, 0), 0);
	drive(f, 5, 0);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	st = irq_post(f, 5);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	/* Level high on the same line: still both edges, the request kept. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(fake_gpiod2_req(5), FAKE2_FREE);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_LEVEL_HIGH);
	assert_int_equal(fake_gpiod2_req(5), FAKE2_EV_BOTH);
	st = irq_post(f, 5);
	assert_int_equal(irq_back(f, st, 0), 0);
	drive(f, 5, 1);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_NONE);
}

/* A broken event fd is dropped instead of spinning the worker. */
static void
test_broken_event_fd(void **state)
{
	struct fx *f = *state;
	uint8_t *st;

	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_RISING);
	st = irq_post(f, 2);
	fake_gpiod2_fail_reads(true);
	drive(f, 2, 1);
	assert_int_equal(irq_back(f, st, 0), 0);
	fake_gpiod2_fail_reads(false);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_INVALID), 1);
	/* Enabling again gives a working fd. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_RISING);
	st = irq_post(f, 2);
	drive(f, 2, 0);
	drive(f, 2, 1);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
}

/* The same on an input the guest keeps: the broken request is replaced, not reused. */
static void
test_broken_event_fd_input(void **state)
{
	struct fx *f = *state;
	unsigned int nreq;
	uint8_t *st;

	ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_IN);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_BOTH);
	nreq = fake_gpiod2_requests();
	st = irq_post(f, 2);
	fake_gpiod2_fail_reads(true);
	drive(f, 2, 1);
	drive(f, 2, 0);
	assert_int_equal(irq_back(f, st, 0), 0);
	fake_gpiod2_fail_reads(false);
	/* Level still readable through the request. */
	fake_gpiod2_drive(2, 1);
	assert_int_equal(value_of(f, 2), 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_INVALID), 1);
	assert_int_equal(fake_gpiod2_req(2), FAKE2_IN);
	assert_int_equal(fake_gpiod2_requests(), nreq + 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_FALLING);
	st = irq_post(f, 2);
	drive(f, 2, 0);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
	ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_NONE);
}

/* read_events() never stores more than asked and leaves the rest for the next call. */
static void
test_read_bounds(void **state)
{
	struct fx *f = *state;
	struct gpio_chip *c = f->chip;
	struct gpio_chip_event ev[4];
	int fd = c->ops->event_fd(c);

	assert_int_equal(c->ops->set_edge(c, 0, GPIO_EDGE_BOTH), 0);
	assert_int_equal(c->ops->set_edge(c, 1, GPIO_EDGE_RISING), 0);
	assert_int_equal(c->ops->read_events(c, ev, 4), 0);
	fake_gpiod2_drive(0, 1);
	fake_gpiod2_drive(0, 0);
	fake_gpiod2_drive(0, 1);
	fake_gpiod2_drive(1, 1);
	assert_true(fd_readable(fd));
	memset(ev, 0xff, sizeof(ev));
	assert_int_equal(c->ops->read_events(c, ev, 2), 2);
	assert_int_equal(ev[2].line, 0xffff);
	/* Whichever line epoll gave first, its events come in order. */
	if (ev[0].line == 0) {
		assert_int_equal(ev[0].edge, GPIO_EDGE_RISING);
		assert_int_equal(ev[1].line, 0);
		assert_int_equal(ev[1].edge, GPIO_EDGE_FALLING);
		assert_int_equal(c->ops->read_events(c, ev, 4), 2);
	} else {
		assert_int_equal(ev[0].line, 1);
		assert_int_equal(ev[0].edge, GPIO_EDGE_RISING);
		assert_int_equal(ev[1].line, 0);
		assert_int_equal(ev[1].edge, GPIO_EDGE_RISING);
		assert_int_equal(c->ops->read_events(c, ev, 4), 2);
		assert_int_equal(ev[0].edge, GPIO_EDGE_FALLING);
		assert_int_equal(ev[1].edge, GPIO_EDGE_RISING);
	}
	assert_int_equal(c->ops->read_events(c, ev, 4), 0);
	assert_false(fd_readable(fd));
	assert_int_equal(c->ops->set_edge(c, 0, GPIO_EDGE_NONE), 0);
	assert_int_equal(c->ops->set_edge(c, 1, GPIO_EDGE_NONE), 0);
	assert_int_equal(fake_gpiod2_req(0), FAKE2_FREE);
	assert_int_equal(fake_gpiod2_req(1), FAKE2_FREE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_stale_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_event_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_event_fd_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
