/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The scenarios both libgpiod adapters must pass (see gpiod_scenarios.h):
 * which kernel requests the guest's messages turn into, and interrupts
 * through the adapter's single epoll fd. Request counts differ where the
 * adapters do on purpose: v1 releases a line and requests it again to
 * change it, v2 switches the held request in place (scn_fake.in_place).
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

#include "gpiod_scenarios.h"

#define QSZ 64
#define FEAT (VHD_BIT(VHD_F_VERSION_1) | (1ULL << GPIO_F_IRQ))

/* Requests expected so far: @p fresh where each change is a new request (v1), else @p kept. */
static unsigned int
scn_nreq(unsigned int fresh, unsigned int kept)
{
	return scn_fake.in_place ? kept : fresh;
}

/* In-place reconfigurations so far, where the fake counts them. */
static void
scn_reconfigures(unsigned int n)
{
	if (scn_fake.reconfigures != NULL)
		assert_int_equal(scn_fake.reconfigures(), n);
}

int
scn_setup(void **state)
{
	struct scn_fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	scn_fake.reset();
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

int
scn_teardown(void **state)
{
	struct scn_fx *f = *state;
	unsigned int i;

	gpio_dev_destroy(f->dev);
	vhd_test_pair_fini(&f->rq);
	vhd_test_pair_fini(&f->eq);
	free(f);
	/* Everything the adapter requested was released, the chip closed, nothing leaked. */
	for (i = 0; i < scn_fake.nlines; i++)
		assert_int_equal(scn_fake.req(i), FAKE_FREE);
	assert_int_equal(scn_fake.open_chips(), 0);
	if (scn_fake.live_objects != NULL)
		assert_int_equal(scn_fake.live_objects(), 0);
	/* And the worker was never blocked on a request fd. */
	if (scn_fake.blocking_calls != NULL)
		assert_int_equal(scn_fake.blocking_calls(), 0);
	return 0;
}

int
scn_msg(struct scn_fx *f, uint16_t type, uint16_t gpio, uint32_t value, uint8_t *val)
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

void
scn_ok(struct scn_fx *f, uint16_t type, uint16_t gpio, uint32_t value)
{
	assert_int_equal(scn_msg(f, type, gpio, value, NULL), GPIO_STATUS_OK);
}

uint8_t
scn_value_of(struct scn_fx *f, uint16_t gpio)
{
	uint8_t v = 0xff;

	assert_int_equal(scn_msg(f, GPIO_MSG_GET_VALUE, gpio, 0, &v), GPIO_STATUS_OK);
	return v;
}

uint8_t *
scn_irq_post(struct scn_fx *f, uint16_t gpio)
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

unsigned int
scn_irq_back(struct scn_fx *f, const uint8_t *st, uint8_t status)
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

bool
scn_fd_readable(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 1;
}

void
scn_drive(struct scn_fx *f, uint16_t line, int level)
{
	scn_fake.drive(line, level);
	gpio_dev_chip_events(f->dev);
	assert_false(scn_fd_readable(f->chip->ops->event_fd(f->chip)));
}

void
scn_test_open(void **state)
{
	struct scn_fx *f = *state;
	struct gpio_chip *chip = NULL;
	struct gpio_config cfg;
	uint8_t dir;

	assert_int_equal(gpio_gpiod_open(3, &chip), -ENOENT);
	assert_null(chip);
	assert_int_equal(scn_fake.open_chips(), 1);
	assert_int_equal(f->chip->ngpio, scn_fake.nlines);
	/* Names outlive the line infos they came from (the fake scribbles on freed ones). */
	assert_string_equal(f->chip->ops->line_name(f->chip, 1), "L1");
	assert_string_equal(f->chip->ops->line_name(f->chip, 5), "L5");
	assert_null(f->chip->ops->line_name(f->chip, 4));
	assert_int_equal(gpio_dev_ops.get_config(f->dev, (uint8_t *)&cfg, 0, sizeof(cfg)), 0);
	/* "L0 L1 L2 L3 '' L5": 5 * 3 + 1. */
	assert_int_equal(le32toh(cfg.gpio_names_size), 16);
	/* Nothing requested until the guest asks. */
	assert_int_equal(scn_msg(f, GPIO_MSG_GET_DIRECTION, 2, 0, &dir), GPIO_STATUS_OK);
	assert_int_equal(dir, GPIO_DIRECTION_NONE);
	assert_int_equal(scn_fake.req(2), FAKE_FREE);
	assert_int_equal(scn_fake.requests(), 0);
	assert_int_equal(f->chip->ops->get_value(f->chip, 2), -EPERM);
	assert_int_equal(f->chip->ops->set_value(f->chip, 2, 1), -EPERM);
}

void
scn_test_directions(void **state)
{
	struct scn_fx *f = *state;

	scn_ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_OUT);
	assert_int_equal(scn_fake.req(1), FAKE_OUT);
	/* The value is part of the request: the line never drives the other level. */
	assert_int_equal(scn_fake.level(1), 1);
	scn_ok(f, GPIO_MSG_SET_VALUE, 1, 0);
	assert_int_equal(scn_fake.level(1), 0);
	assert_int_equal(scn_value_of(f, 1), 0);
	/* Output again: nothing requested nor reconfigured (no glitch), the value driven. */
	scn_ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_OUT);
	assert_int_equal(scn_fake.requests(), 1);
	scn_reconfigures(0);
	assert_int_equal(scn_fake.level(1), 1);
	scn_ok(f, GPIO_MSG_SET_VALUE, 1, 0);
	/*
	 * Output to input: v2 switches the request in place (the line never
	 * free), v1 releases it and requests it again.
	 */
	scn_fake.drive(1, 1);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_IN);
	assert_int_equal(scn_fake.req(1), FAKE_IN);
	assert_int_equal(scn_fake.requests(), scn_nreq(2, 1));
	scn_reconfigures(1);
	assert_int_equal(scn_value_of(f, 1), 1);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_IN);
	assert_int_equal(scn_fake.requests(), scn_nreq(2, 1));
	scn_reconfigures(1);
	/* Input to output, with the value the guest set. */
	scn_ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_OUT);
	assert_int_equal(scn_fake.req(1), FAKE_OUT);
	assert_int_equal(scn_fake.requests(), scn_nreq(3, 1));
	scn_reconfigures(2);
	assert_int_equal(scn_fake.level(1), 1);
	scn_ok(f, GPIO_MSG_SET_VALUE, 1, 0);
	/* A refused in-place switch keeps the line as it was. */
	if (scn_fake.fail_reconfigure != NULL) {
		scn_fake.fail_reconfigure(EINVAL);
		assert_int_equal(scn_msg(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_IN, NULL),
				 GPIO_STATUS_ERR);
		scn_fake.fail_reconfigure(0);
		assert_int_equal(scn_fake.req(1), FAKE_OUT);
	}
	scn_ok(f, GPIO_MSG_SET_VALUE, 1, 1);
	assert_int_equal(scn_fake.level(1), 1);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_IN);
	assert_int_equal(scn_fake.req(1), FAKE_IN);
	/* Released: the kernel line is free, the guest reads the last value. */
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 1, GPIO_DIRECTION_NONE);
	assert_int_equal(scn_fake.req(1), FAKE_FREE);
	scn_fake.drive(1, 0);
	assert_int_equal(scn_value_of(f, 1), 1);
	assert_int_equal(scn_fake.requests(), scn_nreq(4, 1));
	/* Line busy in the kernel: error, state unchanged. */
	scn_fake.fail_requests(EBUSY);
	assert_int_equal(scn_msg(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_OUT, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(scn_msg(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_IN, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(scn_msg(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_BOTH, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(scn_fake.req(2), FAKE_FREE);
	scn_fake.fail_requests(0);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_IN);
	assert_int_equal(scn_fake.req(2), FAKE_IN);
	/* A line busy elsewhere does not hold back the others: one request per line. */
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_OUT);
	assert_int_equal(scn_fake.req(2), FAKE_IN);
	assert_int_equal(scn_fake.req(3), FAKE_OUT);
	/* And released again. */
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_NONE);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_NONE);
	assert_int_equal(scn_fake.req(2), FAKE_FREE);
	assert_int_equal(scn_fake.req(3), FAKE_FREE);
}

void
scn_test_irq_edges(void **state)
{
	struct scn_fx *f = *state;
	uint8_t *st;

	scn_ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_IN);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_RISING);
	assert_int_equal(scn_fake.req(3), FAKE_EV_RISING);
	/* The input request got edge detection (in place with v2). */
	assert_int_equal(scn_fake.requests(), scn_nreq(2, 1));
	scn_reconfigures(1);
	st = scn_irq_post(f, 3);
	assert_int_equal(scn_irq_back(f, st, 0), 0);
	scn_drive(f, 3, 1);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	/* Value readable while requested for events. */
	assert_int_equal(scn_value_of(f, 3), 1);
	st = scn_irq_post(f, 3);
	scn_drive(f, 3, 0);
	assert_int_equal(scn_irq_back(f, st, 0), 0);
	/* Disable: back to a plain input request, held buffer INVALID. */
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_INVALID), 1);
	assert_int_equal(scn_fake.req(3), FAKE_IN);
	assert_int_equal(scn_fake.requests(), scn_nreq(3, 1));
	/* Edges on a plain input are not reported. */
	scn_drive(f, 3, 1);
	scn_drive(f, 3, 0);
	/* Falling and both on a released line; released again after. */
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_EDGE_FALLING);
	assert_int_equal(scn_fake.req(0), FAKE_EV_FALLING);
	assert_int_equal(scn_fake.requests(), scn_nreq(4, 2));
	scn_fake.drive(0, 1);
	gpio_dev_chip_events(f->dev);
	st = scn_irq_post(f, 0);
	assert_int_equal(scn_irq_back(f, st, 0), 0);
	scn_drive(f, 0, 0);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(scn_fake.req(0), FAKE_FREE);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 0, GPIO_IRQ_TYPE_EDGE_BOTH);
	assert_int_equal(scn_fake.req(0), FAKE_EV_BOTH);
	/* Two edges while masked: latched once. */
	scn_drive(f, 0, 1);
	scn_drive(f, 0, 0);
	st = scn_irq_post(f, 0);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	st = scn_irq_post(f, 0);
	assert_int_equal(scn_irq_back(f, st, 0), 0);
	/* Direction IN while events are on keeps the event request, untouched. */
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 0, GPIO_DIRECTION_IN);
	assert_int_equal(scn_fake.req(0), FAKE_EV_BOTH);
	/* Output is refused while the line is an interrupt. */
	assert_int_equal(scn_msg(f, GPIO_MSG_SET_DIRECTION, 0, GPIO_DIRECTION_OUT, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(f->chip->ops->set_direction(f->chip, 0, GPIO_DIRECTION_OUT, 0), -EBUSY);
	assert_int_equal(scn_fake.req(0), FAKE_EV_BOTH);
	/* Release with the interrupt on: everything goes. */
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 0, GPIO_DIRECTION_NONE);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_INVALID), 1);
	assert_int_equal(scn_fake.req(0), FAKE_FREE);
	/* Interrupts on an output are refused, the output kept. */
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 5, GPIO_DIRECTION_OUT);
	assert_int_equal(scn_msg(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_EDGE_BOTH, NULL),
			 GPIO_STATUS_ERR);
	assert_int_equal(f->chip->ops->set_edge(f->chip, 5, GPIO_EDGE_BOTH), -EBUSY);
	assert_int_equal(scn_fake.req(5), FAKE_OUT);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 5, GPIO_DIRECTION_NONE);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_NONE);
}

/*
 * Events queued under an earlier configuration are dropped when edge
 * detection comes back in place (v1 gets a fresh request fd instead).
 */
void
scn_test_irq_stale_events(void **state)
{
	struct scn_fx *f = *state;
	uint8_t *st;

	scn_ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_IN);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_RISING);
	/* An edge the device has not taken yet when the guest disables the interrupt. */
	scn_fake.drive(3, 1);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(scn_fake.req(3), FAKE_IN);
	assert_false(scn_fd_readable(f->chip->ops->event_fd(f->chip)));
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_BOTH);
	assert_int_equal(scn_fake.req(3), FAKE_EV_BOTH);
	assert_int_equal(scn_fake.requests(), scn_nreq(4, 1));
	assert_false(scn_fd_readable(f->chip->ops->event_fd(f->chip)));
	gpio_dev_chip_events(f->dev);
	st = scn_irq_post(f, 3);
	assert_int_equal(scn_irq_back(f, st, 0), 0);
	/* New edges do come. */
	scn_drive(f, 3, 0);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	/* A direct switch of type drops what the old type queued too (a falling edge here). */
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_FALLING);
	scn_fake.drive(3, 1);
	scn_fake.drive(3, 0);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_EDGE_BOTH);
	assert_int_equal(scn_fake.req(3), FAKE_EV_BOTH);
	gpio_dev_chip_events(f->dev);
	st = scn_irq_post(f, 3);
	assert_int_equal(scn_irq_back(f, st, 0), 0);
	scn_drive(f, 3, 1);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 3, GPIO_IRQ_TYPE_NONE);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 3, GPIO_DIRECTION_NONE);
}

void
scn_test_irq_level(void **state)
{
	struct scn_fx *f = *state;
	uint8_t *st;

	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_LEVEL_LOW);
	/* Levels watch both edges and sample the line. */
	assert_int_equal(scn_fake.req(5), FAKE_EV_BOTH);
	st = scn_irq_post(f, 5);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	scn_drive(f, 5, 1);
	st = scn_irq_post(f, 5);
	assert_int_equal(scn_irq_back(f, st, 0), 0);
	scn_drive(f, 5, 0);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	st = scn_irq_post(f, 5);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	/* Level high on the same line: still both edges, the request kept. */
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(scn_fake.req(5), FAKE_FREE);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_LEVEL_HIGH);
	assert_int_equal(scn_fake.req(5), FAKE_EV_BOTH);
	st = scn_irq_post(f, 5);
	assert_int_equal(scn_irq_back(f, st, 0), 0);
	scn_drive(f, 5, 1);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 5, GPIO_IRQ_TYPE_NONE);
}

/* A broken event fd is dropped instead of spinning the worker. */
void
scn_test_broken_event_fd(void **state)
{
	struct scn_fx *f = *state;
	uint8_t *st;

	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_RISING);
	st = scn_irq_post(f, 2);
	scn_fake.fail_reads(true);
	scn_drive(f, 2, 1);
	assert_int_equal(scn_irq_back(f, st, 0), 0);
	scn_fake.fail_reads(false);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_INVALID), 1);
	/* Enabling again gives a working fd. */
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_RISING);
	st = scn_irq_post(f, 2);
	scn_drive(f, 2, 0);
	scn_drive(f, 2, 1);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
}

/* The same on an input the guest keeps: the broken request is replaced, not reused. */
void
scn_test_broken_event_fd_input(void **state)
{
	struct scn_fx *f = *state;
	unsigned int nreq;
	uint8_t *st;

	scn_ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_IN);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_BOTH);
	nreq = scn_fake.requests();
	st = scn_irq_post(f, 2);
	scn_fake.fail_reads(true);
	scn_drive(f, 2, 1);
	scn_drive(f, 2, 0);
	assert_int_equal(scn_irq_back(f, st, 0), 0);
	scn_fake.fail_reads(false);
	/* Level still readable through the request. */
	scn_fake.drive(2, 1);
	assert_int_equal(scn_value_of(f, 2), 1);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_INVALID), 1);
	assert_int_equal(scn_fake.req(2), FAKE_IN);
	assert_int_equal(scn_fake.requests(), nreq + 1);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_EDGE_FALLING);
	st = scn_irq_post(f, 2);
	scn_drive(f, 2, 0);
	assert_int_equal(scn_irq_back(f, st, GPIO_IRQ_STATUS_VALID), 1);
	scn_ok(f, GPIO_MSG_SET_IRQ_TYPE, 2, GPIO_IRQ_TYPE_NONE);
	scn_ok(f, GPIO_MSG_SET_DIRECTION, 2, GPIO_DIRECTION_NONE);
}
