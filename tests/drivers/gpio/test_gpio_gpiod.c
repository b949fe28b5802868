/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The libgpiod v1 adapter (gpio_gpiod.c) under the virtio-gpio device, with
 * libgpiod replaced by a fake chip (fake_gpiod.c): which kernel requests the
 * guest's messages turn into, and interrupts through the adapter's single
 * epoll fd.
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

#include "fake_gpiod.h"
#include "gpio_dev.h"

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
	fake_gpiod_reset();
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
	/* Everything the adapter requested was released, the chip closed. */
	for (i = 0; i < FAKE_NLINES; i++)
		assert_int_equal(fake_gpiod_req(i), FAKE_FREE);
	assert_int_equal(fake_gpiod_open_chips(), 0);
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
	fake_gpiod_drive(line, level);
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
	assert_int_equal(f->chip->ngpio, FAKE_NLINES);
	assert_string_equal(f->chip->ops->line_name(f->chip, 1), "L1");
	assert_null(f->chip->ops->line_name(f->chip, 4));
	assert_int_equal(gpio_dev_ops.get_config(f->dev, (uint8_t *)&cfg, 0, sizeof(cfg)), 0);
	/* "L0 L1 L2 L3 '' L5": 5 * 3 + 1. */
	assert_int_equal(le32toh(cfg.gpio_names_size), 16);
	/* Nothing requested until the guest asks. */
	assert_int_equal(msg(f, GPIO_MSG_GET_DIRECTION, 2, 0, &dir), GPIO_STATUS_OK);
	assert_int_equal(dir, GPIO_DIRECTION_NONE);
	assert_int_equal(fake_gpiod_req(2), FAKE_FREE);
}

static void
test_directions(void **state)
{
	struct fx *f = *state;

	ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_OUT);
	assert_int_equal(fake_gpiod_req(1), FAKE_OUT);
	assert_int_equal(fake_gpiod_level(1), 1);
	ok(f, GPIO_MSG_SET_VALUE, 1, 0);
	assert_int_equal(fake_gpiod_level(1), 0);
	assert_int_equal(value_of(f, 1), 0);
	/* Output again: the request is kept (no glitch), the value driven. */
	ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_OUT);
	assert_int_equal(fake_gpiod_requests(), 1);
	assert_int_equal(fake_gpiod_level(1), 1);
	ok(f, GPIO_MSG_SET_VALUE, 1, 0);
	/* Output to input: released and requested again. */
	fake_gpiod_drive(1, 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_IN);
	assert_int_equal(fake_gpiod_req(1), FAKE_IN);
	assert_int_equal(value_of(f, 1), 1);
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_IN);
	assert_int_equal(fake_gpiod_requests(), 2);
	/* Released: the kernel line is free, the guest reads the last value. */
	ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_NONE);
	assert_int_equal(fake_gpiod_req(1), FAKE_FREE);
	fake_gpiod_drive(1, 0);
	assert_int_equal(value_of(f, 1), 1);
	/* Line busy in the kernel: error, state unchanged. */
	fake_gpiod_fail_requests(EBUSY);
	assert_int_equal(msg(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_OUT, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(msg(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_IN, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(msg(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_BOTH, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(fake_gpiod_req(2), FAKE_FREE);
	fake_gpiod_fail_requests(0);
	ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_IN);
	/* And released again. */
	ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_NONE);
}

static void
test_irq_edges(void **state)
{
	struct fx *f = *state;
	uint8_t *st;

	ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_IN);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_RISING);
	assert_int_equal(fake_gpiod_req(3), FAKE_EV_RISING);
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
	assert_int_equal(fake_gpiod_req(3), FAKE_IN);
	/* Falling and both on a released line; released again after. */
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_EDGE_FALLING);
	assert_int_equal(fake_gpiod_req(0), FAKE_EV_FALLING);
	fake_gpiod_drive(0, 1);
	gpio_dev_chip_events(f->dev);
	st = irq_post(f, 0);
	assert_int_equal(irq_back(f, st, 0), 0);
	drive(f, 0, 0);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(fake_gpiod_req(0), FAKE_FREE);
	ok(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_EDGE_BOTH);
	assert_int_equal(fake_gpiod_req(0), FAKE_EV_BOTH);
	/* Two edges while masked: latched once. */
	drive(f, 0, 1);
	drive(f, 0, 0);
	st = irq_post(f, 0);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	st = irq_post(f, 0);
	assert_int_equal(irq_back(f, st, 0), 0);
	/* Direction IN while events are on keeps the event request. */
	ok(f, GPIO_MSG_SET_DIRECTION, 0, GPIO_DIRECTION_IN);
	assert_int_equal(fake_gpiod_req(0), FAKE_EV_BOTH);
	/* Release with the interrupt on: everything goes. */
	ok(f, GPIO_MSG_SET_DIRECTION, 0, GPIO_DIRECTION_NONE);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_INVALID), 1);
	assert_int_equal(fake_gpiod_req(0), FAKE_FREE);
}

static void
test_irq_level(void **state)
{
	struct fx *f = *state;
	uint8_t *st;

	ok(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_LEVEL_LOW);
	/* Levels watch both edges and sample the line. */
	assert_int_equal(fake_gpiod_req(5), FAKE_EV_BOTH);
	st = irq_post(f, 5);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	drive(f, 5, 1);
	st = irq_post(f, 5);
	assert_int_equal(irq_back(f, st, 0), 0);
	drive(f, 5, 0);
	assert_int_equal(irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	st = irq_post(f, 5);
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
	fake_gpiod_fail_reads(true);
	drive(f, 2, 1);
	assert_int_equal(irq_back(f, st, 0), 0);
	fake_gpiod_fail_reads(false);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_broken_event_fd, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
