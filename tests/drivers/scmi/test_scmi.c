/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The scmi driver on the unit-test host: every Base and Sensor message with
 * good and bad parameters, DESCRIPTION_GET and the other paged replies at
 * several writable sizes, descriptor layouts, malformed chains, continuous
 * updates on the fake clock, trip point crossings, the bounded notification
 * queue, fake sensors and the IIO backend over a fake sysfs tree.
 */

#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "scmi_dev.h"
#include "vhd_test_host.h"
#include "vhd_test_pair.h"

#define LINUX_WR (8 + SCMI_LINUX_MSG_SIZE) /* Linux's reply buffer */
#define MS 1000000ull

enum { S_ACCEL, S_TEMP, S_VOLT, S_CURR, S_LONG, NSENS };

/* eventq buffers in posting order, and how many came back */
static uint8_t *evbufs[64];
static unsigned int nev, evseen;

struct ctx {
	struct vhd_test_pair p;  /* cmdq */
	struct vhd_test_pair e;  /* eventq */
	struct vhd_test_host h;
	struct scmi_dev *dev;
	uint16_t token;
};

static struct scmi_dev *
make_dev(unsigned int pending, bool with_long)
{
	struct scmi_sensor *s[NSENS];
	struct scmi_dev *d;

	assert_int_equal(scmi_fake_create(SCMI_FAKE_ACCEL, NULL, &s[S_ACCEL]), 0);
	assert_int_equal(scmi_fake_create(SCMI_FAKE_TEMP, NULL, &s[S_TEMP]), 0);
	assert_int_equal(scmi_fake_create(SCMI_FAKE_VOLTAGE, NULL, &s[S_VOLT]), 0);
	assert_int_equal(scmi_fake_create(SCMI_FAKE_CURRENT, NULL, &s[S_CURR]), 0);
	assert_int_equal(scmi_fake_create(SCMI_FAKE_TEMP, "a-temperature-with-a-long-name",
					  &s[S_LONG]), 0);
	if (!with_long)
		scmi_sensor_destroy(s[S_LONG]);
	assert_int_equal(scmi_dev_create(s, with_long ? NSENS : S_LONG, NULL, pending, &d), 0);
	return d;
}

static int
setup_dev(void **state, struct scmi_dev *dev, bool p2a)
{
	struct ctx *c = calloc(1, sizeof(*c));
	uint64_t f = VHD_BIT(VHD_F_RING_INDIRECT_DESC);

	assert_non_null(c);
	assert_int_equal(vhd_test_pair_init(&c->p, 64, f), 0);
	assert_int_equal(vhd_test_pair_init(&c->e, 64, f), 0);
	vhd_test_host_init(&c->h);
	nev = evseen = 0;
	c->dev = dev;
	scmi_ops.attach(c->dev, &c->h.host);
	scmi_ops.set_features(c->dev, p2a ? 1ULL << SCMI_F_P2A_CHANNELS : 0);
	scmi_ops.queue_start(c->dev, SCMI_CMDQ, &c->p.vq);
	scmi_ops.queue_start(c->dev, SCMI_EVENTQ, &c->e.vq);
	*state = c;
	return 0;
}

static int
setup(void **state)
{
	return setup_dev(state, make_dev(0, true), true);
}

static int
setup_nop2a(void **state)
{
	return setup_dev(state, make_dev(0, true), false);
}

static int
setup_small_queue(void **state)
{
	return setup_dev(state, make_dev(4, true), true);
}

static int
teardown(void **state)
{
	struct ctx *c = *state;

	scmi_dev_destroy(c->dev);
	vhd_test_pair_fini(&c->p);
	vhd_test_pair_fini(&c->e);
	free(c);
	return 0;
}

static uint8_t *
wbuf(struct vhd_test_pair *p, uint32_t len)
{
	return vhd_test_alloc_guarded(p, len);
}

static void
guard_ok(const uint8_t *b, uint32_t len)
{
	assert_true(vhd_test_guard_intact(b, len));
}

static uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return le32toh(v);
}

static int64_t
rd64(const uint8_t *p)
{
	return (int64_t)((uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32);
}

static int32_t
status(const uint8_t *r)
{
	return (int32_t)rd32(r + 4);
}

/* The reply of one message (its used length in *used), header checked. */
struct reply {
	uint8_t *b;
	uint32_t used;
	int32_t st;
};

static struct reply
call_raw(struct ctx *c, uint32_t hdr, const uint32_t *params, unsigned int np, uint32_t wlen)
{
	uint8_t *rd = vhd_test_alloc(&c->p, 4 + 4 * np);
	uint8_t *w = wbuf(&c->p, wlen);
	struct vhd_fe_buf b[2] = {{rd, 4 + 4 * np}, {w, wlen}};
	unsigned int i;
	struct reply r;
	uint16_t id;
	uint32_t v = htole32(hdr);

	memcpy(rd, &v, 4);
	for (i = 0; i < np; i++) {
		v = htole32(params[i]);
		memcpy(rd + 4 + 4 * i, &v, 4);
	}
	assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	assert_int_equal(vhd_test_host_serve(&c->h, &c->p, &scmi_ops, c->dev, SCMI_CMDQ), 1);
	vhd_test_host_run(&c->h); /* offloaded readings */
	assert_int_equal(vhd_test_used(&c->p, &id, &r.used), 1);
	guard_ok(w, wlen);
	r.b = w;
	r.st = r.used >= 8 ? status(w) : 1;
	if (r.used >= 4)
		assert_int_equal(rd32(w), hdr); /* the request's header, token included */
	return r;
}

static struct reply
call(struct ctx *c, uint8_t proto, uint8_t msg, const uint32_t *params, unsigned int np,
     uint32_t wlen)
{
	uint32_t hdr = SCMI_HDR(msg, SCMI_TYPE_COMMAND, proto, (++c->token) & 0x3ff);

	return call_raw(c, hdr, params, np, wlen);
}

#define P(...) ((const uint32_t[]){__VA_ARGS__}), (sizeof((uint32_t[]){__VA_ARGS__}) / 4)
#define NOP NULL, 0

/* ---- base ---- */

static void
test_base_version_attributes(void **state)
{
	struct ctx *c = *state;
	struct reply r;

	r = call(c, SCMI_PROTO_BASE, SCMI_MSG_VERSION, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(r.used, 12);
	assert_int_equal(rd32(r.b + 8), 0x20000);
	r = call(c, SCMI_PROTO_BASE, SCMI_MSG_ATTRIBUTES, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(rd32(r.b + 8) & 0xff, 1);         /* protocols besides base */
	assert_int_equal((rd32(r.b + 8) >> 8) & 0xff, 1);  /* agents */
	/* parameters where none are taken: PROTOCOL_ERROR, status only */
	r = call(c, SCMI_PROTO_BASE, SCMI_MSG_VERSION, P(7), LINUX_WR);
	assert_int_equal(r.st, SCMI_PROTOCOL_ERROR);
	assert_int_equal(r.used, 8);
	r = call(c, SCMI_PROTO_BASE, SCMI_MSG_ATTRIBUTES, P(0, 0), LINUX_WR);
	assert_int_equal(r.st, SCMI_PROTOCOL_ERROR);
}

static void
test_base_message_attributes(void **state)
{
	struct ctx *c = *state;
	struct reply r;
	uint32_t m;

	for (m = 0; m <= SCMI_BASE_NOTIFY_ERRORS; m++) {
		r = call(c, SCMI_PROTO_BASE, SCMI_MSG_MESSAGE_ATTRIBUTES, P(m), LINUX_WR);
		assert_int_equal(r.st, SCMI_SUCCESS);
		assert_int_equal(r.used, 12);
	}
	r = call(c, SCMI_PROTO_BASE, SCMI_MSG_MESSAGE_ATTRIBUTES, P(9), LINUX_WR);
	assert_int_equal(r.st, SCMI_NOT_FOUND);
	r = call(c, SCMI_PROTO_BASE, SCMI_MSG_MESSAGE_ATTRIBUTES, P(0x100), LINUX_WR);
	assert_int_equal(r.st, SCMI_NOT_FOUND);
	r = call(c, SCMI_PROTO_BASE, SCMI_MSG_MESSAGE_ATTRIBUTES, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_PROTOCOL_ERROR);
}

static void
test_base_discover(void **state)
{
	struct ctx *c = *state;
	struct reply r;

	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_VENDOR, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(r.used, 8 + 16);
	assert_string_equal((char *)r.b + 8, "vhost-device");
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_SUB_VENDOR, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_string_equal((char *)r.b + 8, "DPDK");
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_IMPL_VERSION, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(rd32(r.b + 8), 0x10000);
	/* a reply that does not fit: COMMS_ERROR, nothing past the writable part */
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_VENDOR, NOP, 8 + 15);
	assert_int_equal(r.st, SCMI_COMMS_ERROR);
	assert_int_equal(r.used, 8);
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_SUB_VENDOR, P(1), LINUX_WR);
	assert_int_equal(r.st, SCMI_PROTOCOL_ERROR);
}

static void
test_base_list_protocols(void **state)
{
	struct ctx *c = *state;
	struct reply r;

	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, P(0), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(r.used, 16); /* count + the list padded to 32 bits */
	assert_int_equal(rd32(r.b + 8), 1);
	assert_int_equal(r.b[12], SCMI_PROTO_SENSOR);
	assert_int_equal(r.b[13] | r.b[14] | r.b[15], 0);
	/* the skip: Linux asks again until none come back */
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, P(1), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(rd32(r.b + 8), 0);
	assert_int_equal(r.used, 12);
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, P(2), LINUX_WR);
	assert_int_equal(r.st, SCMI_INVALID_PARAMETERS);
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_LIST_PROTOCOLS, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_PROTOCOL_ERROR);
}

static void
test_base_agent(void **state)
{
	struct ctx *c = *state;
	struct reply r;

	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, P(0), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(r.used, 8 + 4 + 16);
	assert_int_equal(rd32(r.b + 8), 0);
	assert_string_equal((char *)r.b + 12, "platform");
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, P(0xffffffff), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(rd32(r.b + 8), 1);
	assert_string_equal((char *)r.b + 12, "guest");
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, P(1), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, P(2), LINUX_WR);
	assert_int_equal(r.st, SCMI_NOT_FOUND);
	r = call(c, SCMI_PROTO_BASE, SCMI_BASE_DISCOVER_AGENT, P(0, 0), LINUX_WR);
	assert_int_equal(r.st, SCMI_PROTOCOL_ERROR);
}

static void
test_base_notify_errors(void **state)
{
	struct ctx *c = *state;

	assert_int_equal(call(c, SCMI_PROTO_BASE, SCMI_BASE_NOTIFY_ERRORS, P(1), LINUX_WR).st,
			 SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_BASE, SCMI_BASE_NOTIFY_ERRORS, P(0), LINUX_WR).st,
			 SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_BASE, SCMI_BASE_NOTIFY_ERRORS, P(2), LINUX_WR).st,
			 SCMI_INVALID_PARAMETERS);
	assert_int_equal(call(c, SCMI_PROTO_BASE, SCMI_BASE_NOTIFY_ERRORS, NOP, LINUX_WR).st,
			 SCMI_PROTOCOL_ERROR);
}

static void
test_no_p2a(void **state)
{
	struct ctx *c = *state;

	/* without the eventq nothing can be notified */
	assert_int_equal(call(c, SCMI_PROTO_BASE, SCMI_BASE_NOTIFY_ERRORS, P(1), LINUX_WR).st,
			 SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(S_TEMP, 1), LINUX_WR).st, SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY,
			      P(S_TEMP, 1), LINUX_WR).st, SCMI_NOT_SUPPORTED);
	/* readings still work */
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_TEMP, 0),
			      LINUX_WR).st, SCMI_SUCCESS);
}

static void
test_unsupported_and_bad_headers(void **state)
{
	struct ctx *c = *state;
	struct reply r;
	uint32_t m;

	for (m = 9; m <= 0xb; m++)
		assert_int_equal(call(c, SCMI_PROTO_BASE, (uint8_t)m, P(0), LINUX_WR).st,
				 SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, SCMI_PROTO_BASE, 0x55, NOP, LINUX_WR).st, SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, 0xe, P(0), LINUX_WR).st, SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, 0x13, SCMI_MSG_VERSION, NOP, LINUX_WR).st, SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, 0x14, SCMI_MSG_VERSION, NOP, LINUX_WR).st, SCMI_NOT_SUPPORTED);
	/* not a command; reserved header bits */
	r = call_raw(c, SCMI_HDR(0, SCMI_TYPE_NOTIFICATION, SCMI_PROTO_BASE, 5), NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_PROTOCOL_ERROR);
	r = call_raw(c, SCMI_HDR(0, 0, SCMI_PROTO_BASE, 5) | 1u << 30, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_PROTOCOL_ERROR);
	assert_true(scmi_dev_stats(c->dev)->bad_msgs >= 2);
}

/* ---- sensor ---- */

static void
test_sensor_version_attributes(void **state)
{
	struct ctx *c = *state;
	struct reply r;
	uint32_t m;

	r = call(c, SCMI_PROTO_SENSOR, SCMI_MSG_VERSION, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(rd32(r.b + 8), 0x30001);
	r = call(c, SCMI_PROTO_SENSOR, SCMI_MSG_ATTRIBUTES, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(r.used, 8 + 16);
	assert_int_equal(rd32(r.b + 8) & 0xffff, NSENS);
	assert_int_equal(rd32(r.b + 8) >> 16, 0); /* no asynchronous commands */
	assert_int_equal(rd32(r.b + 12) | rd32(r.b + 16) | rd32(r.b + 20), 0);
	for (m = 0; m <= SCMI_SENSOR_AXIS_NAME_GET; m++)
		assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_MSG_MESSAGE_ATTRIBUTES, P(m),
				      LINUX_WR).st, SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_MSG_MESSAGE_ATTRIBUTES, P(0xe),
			      LINUX_WR).st, SCMI_NOT_FOUND);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_MSG_ATTRIBUTES, P(1), LINUX_WR).st,
			 SCMI_PROTOCOL_ERROR);
}

/* Walk DESCRIPTION_GET as Linux does, at writable size @p wlen. */
static unsigned int
walk_descriptions(struct ctx *c, uint32_t wlen, unsigned int *pages)
{
	uint32_t idx = 0, ret, rem;
	struct reply r;

	*pages = 0;
	do {
		const uint8_t *d;
		uint32_t i;

		r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, P(idx), wlen);
		assert_int_equal(r.st, SCMI_SUCCESS);
		assert_true(r.used <= wlen);
		ret = rd32(r.b + 8) & 0xfff;
		rem = rd32(r.b + 8) >> 16;
		assert_int_equal(idx + ret + rem, NSENS);
		d = r.b + 12;
		for (i = 0; i < ret; i++) {
			uint32_t lo = rd32(d + 4), hi = rd32(d + 8);

			assert_int_equal(rd32(d), idx + i);
			assert_true(lo & SCMI_SENS_UPDATE_NOTIFY);
			assert_int_equal(lo & 0xff, SCMI_TRIPS);
			if (idx + i == S_ACCEL) {
				assert_true(hi & SCMI_SENS_HAS_AXES);
				assert_int_equal((hi >> 16) & 0x3f, 3);
				assert_int_equal(hi & 0xff, SCMI_UNIT_METERS_SEC_SQUARED);
				assert_false(lo & SCMI_SENS_EXT_ATTRS);
				d += SCMI_SENSOR_DESC_SIZE;
				continue;
			}
			assert_false(hi & SCMI_SENS_HAS_AXES);
			assert_true(lo & SCMI_SENS_EXT_ATTRS);
			assert_int_equal((hi >> 11) & 0x1f, (uint32_t)-3 & 0x1f);
			if (idx + i == S_TEMP) {
				assert_int_equal(hi & 0xff, SCMI_UNIT_DEGREES_C);
				assert_string_equal((const char *)d + 12, "temperature");
				assert_int_equal(rd64(d + 36), -40000);
				assert_int_equal(rd64(d + 44), 125000);
			}
			if (idx + i == S_VOLT)
				assert_int_equal(hi & 0xff, SCMI_UNIT_VOLTS);
			if (idx + i == S_CURR)
				assert_int_equal(hi & 0xff, SCMI_UNIT_AMPS);
			if (idx + i == S_LONG) {
				assert_true(lo & SCMI_SENS_EXT_NAME);
				/* the short name is cut and terminated */
				assert_int_equal(strlen((const char *)d + 12), 15);
			} else {
				assert_false(lo & SCMI_SENS_EXT_NAME);
			}
			d += SCMI_SENSOR_DESC_EXT_SIZE;
		}
		assert_int_equal(r.used, 12 + (uint32_t)(d - (r.b + 12)));
		idx += ret;
		(*pages)++;
	} while (ret != 0 && rem != 0);
	return idx;
}

static void
test_description_paging(void **state)
{
	struct ctx *c = *state;
	unsigned int pages;
	struct reply r;

	/* Linux's 128-byte messages: never a reply over 136 bytes (upstream's bug) */
	assert_int_equal(walk_descriptions(c, LINUX_WR, &pages), NSENS);
	assert_int_equal(pages, 3); /* 28+52 | 52+52 | 52 */
	/* one descriptor per page */
	assert_int_equal(walk_descriptions(c, 8 + 4 + SCMI_SENSOR_DESC_EXT_SIZE, &pages), NSENS);
	assert_int_equal(pages, NSENS);
	/* everything at once */
	assert_int_equal(walk_descriptions(c, 1024, &pages), NSENS);
	assert_int_equal(pages, 1);
	/* room for the accelerometer's short descriptor only */
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, P(0), 8 + 4 + 28);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(rd32(r.b + 8), 1 | (NSENS - 1) << 16);
	/* no room for one descriptor: COMMS_ERROR, never an empty page */
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, P(1), 8 + 4 + 51);
	assert_int_equal(r.st, SCMI_COMMS_ERROR);
	assert_int_equal(r.used, 8);
	/* past the end; at the end */
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, P(NSENS + 1), LINUX_WR);
	assert_int_equal(r.st, SCMI_INVALID_PARAMETERS);
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, P(NSENS), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(rd32(r.b + 8), 0);
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_DESCRIPTION_GET, NOP, LINUX_WR);
	assert_int_equal(r.st, SCMI_PROTOCOL_ERROR);
}

static void
test_reading_get(void **state)
{
	struct ctx *c = *state;
	struct reply r;

	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_TEMP, 0), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(r.used, 8 + 16);
	assert_int_equal(rd64(r.b + 8), 25000);
	assert_int_equal(rd64(r.b + 16), 0); /* no timestamps */
	/* the accelerometer as upstream's: axis i is value + 100 i, +1 per read */
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_ACCEL, 0), LINUX_WR);
	assert_int_equal(r.used, 8 + 48);
	assert_int_equal(rd64(r.b + 8), 0);
	assert_int_equal(rd64(r.b + 24), 100);
	assert_int_equal(rd64(r.b + 40), 200);
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_ACCEL, 0), LINUX_WR);
	assert_int_equal(rd64(r.b + 8), 1);
	assert_int_equal(rd64(r.b + 40), 201);
	/* a negative value, as set by the control path */
	assert_int_equal(scmi_dev_set(c->dev, S_CURR, 0, -1234), 0);
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_CURR, 0), LINUX_WR);
	assert_int_equal(rd64(r.b + 8), -1234);
	/* bad ones */
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(NSENS, 0),
			      LINUX_WR).st, SCMI_NOT_FOUND);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_TEMP, 1),
			      LINUX_WR).st, SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_TEMP, 2),
			      LINUX_WR).st, SCMI_INVALID_PARAMETERS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_TEMP),
			      LINUX_WR).st, SCMI_PROTOCOL_ERROR);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_TEMP, 0, 0),
			      LINUX_WR).st, SCMI_PROTOCOL_ERROR);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, NOP, LINUX_WR).st,
			 SCMI_PROTOCOL_ERROR);
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_ACCEL, 0), 8 + 47);
	assert_int_equal(r.st, SCMI_COMMS_ERROR);
	/* disabled: DENIED */
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_SET, P(S_TEMP, 0),
			      LINUX_WR).st, SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_TEMP, 0),
			      LINUX_WR).st, SCMI_DENIED);
}

static void
test_axis_description(void **state)
{
	struct ctx *c = *state;
	struct reply r;
	unsigned int i;

	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_DESCRIPTION_GET, P(S_ACCEL, 0), 1024);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(rd32(r.b + 8), 3);
	assert_int_equal(r.used, 12 + 3 * SCMI_AXIS_DESC_EXT_SIZE);
	for (i = 0; i < 3; i++) {
		const uint8_t *d = r.b + 12 + i * SCMI_AXIS_DESC_EXT_SIZE;
		char name[] = "acc_X";

		name[4] = (char)('X' + i);
		assert_int_equal(rd32(d), i);
		assert_true(rd32(d + 4) & SCMI_AXIS_EXT_ATTRS);
		assert_int_equal(rd32(d + 8) & 0xff, SCMI_UNIT_METERS_SEC_SQUARED);
		assert_string_equal((const char *)d + 12, name);
	}
	/* Linux's size: two per page, then the last */
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_DESCRIPTION_GET, P(S_ACCEL, 0), LINUX_WR);
	assert_int_equal(rd32(r.b + 8), 2 | 1u << 26);
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_DESCRIPTION_GET, P(S_ACCEL, 2), LINUX_WR);
	assert_int_equal(rd32(r.b + 8), 1);
	assert_int_equal(rd32(r.b + 12), 2);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_DESCRIPTION_GET,
			      P(S_ACCEL, 4), LINUX_WR).st, SCMI_INVALID_PARAMETERS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_DESCRIPTION_GET,
			      P(S_TEMP, 0), LINUX_WR).st, SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_DESCRIPTION_GET,
			      P(NSENS, 0), LINUX_WR).st, SCMI_NOT_FOUND);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_DESCRIPTION_GET,
			      P(S_ACCEL), LINUX_WR).st, SCMI_PROTOCOL_ERROR);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_DESCRIPTION_GET,
			      P(S_ACCEL, 0), 8 + 4 + 47).st, SCMI_COMMS_ERROR);
}

static void
test_names(void **state)
{
	struct ctx *c = *state;
	struct reply r;

	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_NAME_GET, P(S_LONG), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(r.used, 8 + 4 + 64);
	assert_string_equal((char *)r.b + 12, "a-temperature-with-a-long-name");
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_NAME_GET, P(S_TEMP),
			      LINUX_WR).st, SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_NAME_GET, P(NSENS),
			      LINUX_WR).st, SCMI_NOT_FOUND);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_NAME_GET, P(S_LONG),
			      8 + 4 + 63).st, SCMI_COMMS_ERROR);
	/* axis names: one 68-byte entry per 128-byte page */
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_NAME_GET, P(S_ACCEL, 0), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(rd32(r.b + 8), 1 | 2u << 26);
	assert_int_equal(rd32(r.b + 12), 0);
	assert_string_equal((char *)r.b + 16, "acc_X");
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_NAME_GET, P(S_ACCEL, 1), 1024);
	assert_int_equal(rd32(r.b + 8), 2);
	assert_string_equal((char *)r.b + 16 + 68, "acc_Z");
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_NAME_GET, P(S_TEMP, 0),
			      LINUX_WR).st, SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_AXIS_NAME_GET, P(S_ACCEL, 9),
			      LINUX_WR).st, SCMI_INVALID_PARAMETERS);
}

static void
test_update_intervals(void **state)
{
	struct ctx *c = *state;
	struct reply r;

	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_LIST_UPDATE_INTERVALS, P(S_TEMP, 0), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(rd32(r.b + 8), 7); /* not segmented, none remaining */
	assert_int_equal(rd32(r.b + 12), SCMI_INTERVAL(1, -1)); /* 100 ms */
	assert_int_equal(rd32(r.b + 12 + 4 * 3), SCMI_INTERVAL(1, 0));
	assert_int_equal(rd32(r.b + 12 + 4 * 6), SCMI_INTERVAL(10, 0));
	/* paged: two at a time */
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_LIST_UPDATE_INTERVALS, P(S_TEMP, 2), 8 + 12);
	assert_int_equal(rd32(r.b + 8), 2 | 3u << 16);
	assert_int_equal(rd32(r.b + 12), SCMI_INTERVAL(5, -1));
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_LIST_UPDATE_INTERVALS,
			      P(S_TEMP, 8), LINUX_WR).st, SCMI_INVALID_PARAMETERS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_LIST_UPDATE_INTERVALS,
			      P(NSENS, 0), LINUX_WR).st, SCMI_NOT_FOUND);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_LIST_UPDATE_INTERVALS,
			      P(S_TEMP), LINUX_WR).st, SCMI_PROTOCOL_ERROR);
}

static uint32_t
config_of(struct ctx *c, uint32_t id)
{
	struct reply r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_GET, P(id), LINUX_WR);

	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(r.used, 12);
	return rd32(r.b + 8);
}

static int32_t
config_set(struct ctx *c, uint32_t id, uint32_t cfg)
{
	return call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_SET, P(id, cfg), LINUX_WR).st;
}

/* sensor_config with interval SECS * 10^EXP, rounding R, enabled */
#define CFG(secs, exp, r) ((uint32_t)(secs) << 16 | ((uint32_t)(exp) & 0x1f) << 11 | (r) << 9 | 1u)

static void
test_config(void **state)
{
	struct ctx *c = *state;
	uint32_t cfg;

	cfg = config_of(c, S_TEMP);
	assert_true(cfg & SCMI_CFG_ENABLED);
	assert_int_equal(scmi_interval_ns(cfg), 1000 * MS);
	assert_int_equal(config_set(c, S_TEMP, 0), SCMI_SUCCESS); /* disable, keep interval */
	cfg = config_of(c, S_TEMP);
	assert_false(cfg & SCMI_CFG_ENABLED);
	assert_int_equal(scmi_interval_ns(cfg), 1000 * MS);
	assert_int_equal(config_set(c, S_TEMP, CFG(2, 0, 0)), SCMI_SUCCESS);
	assert_int_equal(scmi_interval_ns(config_of(c, S_TEMP)), 2000 * MS);
	/* 150 ms: down 100, up 200; 700 ms auto: 500 */
	assert_int_equal(config_set(c, S_TEMP, CFG(150, -3, 0)), SCMI_SUCCESS);
	assert_int_equal(scmi_interval_ns(config_of(c, S_TEMP)), 100 * MS);
	assert_int_equal(config_set(c, S_TEMP, CFG(15, -2, 1)), SCMI_SUCCESS);
	assert_int_equal(scmi_interval_ns(config_of(c, S_TEMP)), 200 * MS);
	assert_int_equal(config_set(c, S_TEMP, CFG(7, -1, 2)), SCMI_SUCCESS);
	assert_int_equal(scmi_interval_ns(config_of(c, S_TEMP)), 500 * MS);
	/* out of range in the asked direction */
	assert_int_equal(config_set(c, S_TEMP, CFG(5, -2, 0)), SCMI_OUT_OF_RANGE);
	assert_int_equal(config_set(c, S_TEMP, CFG(20, 0, 1)), SCMI_OUT_OF_RANGE);
	assert_int_equal(scmi_interval_ns(config_of(c, S_TEMP)), 500 * MS); /* unchanged */
	/* bad: reserved bits, rounding 3, timestamps (not offered) */
	assert_int_equal(config_set(c, S_TEMP, 1u << 4 | 1), SCMI_INVALID_PARAMETERS);
	assert_int_equal(config_set(c, S_TEMP, CFG(1, 0, 3)), SCMI_INVALID_PARAMETERS);
	assert_int_equal(config_set(c, S_TEMP, SCMI_CFG_TSTAMP | 1), SCMI_NOT_SUPPORTED);
	assert_int_equal(config_set(c, NSENS, 1), SCMI_NOT_FOUND);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_SET, P(S_TEMP),
			      LINUX_WR).st, SCMI_PROTOCOL_ERROR);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_GET, P(NSENS),
			      LINUX_WR).st, SCMI_NOT_FOUND);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONFIG_GET, P(S_TEMP, 0),
			      LINUX_WR).st, SCMI_PROTOCOL_ERROR);
}

/* ---- notifications ---- */


static void
post_events(struct ctx *c, unsigned int n, uint32_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		uint8_t *w = wbuf(&c->e, len);
		struct vhd_fe_buf b = {w, len};

		assert_true(vhd_test_post(&c->e, &b, 0, 1, false) >= 0);
		evbufs[nev++ % 64] = w;
	}
	vhd_test_host_serve(&c->h, &c->e, &scmi_ops, c->dev, SCMI_EVENTQ);
}

/* The next used eventq buffer, or NULL. */
static const uint8_t *
next_event(struct ctx *c, uint32_t *len)
{
	uint16_t id;
	const uint8_t *b;

	if (vhd_test_used(&c->e, &id, len) != 1)
		return NULL;
	b = evbufs[evseen++ % 64];
	guard_ok(b, 136);
	return b;
}

static void
test_continuous_update(void **state)
{
	struct ctx *c = *state;
	const uint8_t *e;
	uint32_t len;

	post_events(c, 8, 136);
	assert_int_equal(scmi_dev_held(c->dev), 8);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(S_TEMP, 1), LINUX_WR).st, SCMI_SUCCESS);
	vhd_test_host_advance(&c->h, 999 * MS);
	assert_null(next_event(c, &len));
	vhd_test_host_advance(&c->h, 1 * MS); /* one interval: 1 s */
	e = next_event(c, &len);
	assert_non_null(e);
	assert_int_equal(len, 4 + 8 + 16);
	assert_int_equal(rd32(e), SCMI_HDR(SCMI_SENSOR_EVT_UPDATE, SCMI_TYPE_NOTIFICATION,
					   SCMI_PROTO_SENSOR, 0));
	assert_int_equal(rd32(e + 4), 1);      /* agent */
	assert_int_equal(rd32(e + 8), S_TEMP); /* sensor */
	assert_int_equal(rd64(e + 12), 25000);
	assert_null(next_event(c, &len));
	/* a faster interval takes effect at once */
	assert_int_equal(config_set(c, S_TEMP, CFG(2, -1, 0)), SCMI_SUCCESS);
	scmi_dev_set(c->dev, S_TEMP, 0, 26000);
	vhd_test_host_advance(&c->h, 200 * MS);
	e = next_event(c, &len);
	assert_non_null(e);
	assert_int_equal(rd64(e + 12), 26000);
	vhd_test_host_advance(&c->h, 200 * MS);
	assert_non_null(next_event(c, &len));
	/* the accelerometer: three readings */
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(S_ACCEL, 1), LINUX_WR).st, SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(S_TEMP, 0), LINUX_WR).st, SCMI_SUCCESS);
	vhd_test_host_advance(&c->h, 1000 * MS);
	e = next_event(c, &len);
	assert_non_null(e);
	assert_int_equal(len, 4 + 8 + 48);
	assert_int_equal(rd32(e + 8), S_ACCEL);
	assert_int_equal(rd64(e + 12 + 32), 200);
	assert_null(next_event(c, &len)); /* the temperature stopped */
	/* disabled sensors send nothing */
	assert_int_equal(config_set(c, S_ACCEL, 0), SCMI_SUCCESS);
	vhd_test_host_advance(&c->h, 5000 * MS);
	assert_null(next_event(c, &len));
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(S_TEMP, 2), LINUX_WR).st, SCMI_INVALID_PARAMETERS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(NSENS, 1), LINUX_WR).st, SCMI_NOT_FOUND);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(S_TEMP), LINUX_WR).st, SCMI_PROTOCOL_ERROR);
}

static int32_t
trip(struct ctx *c, uint32_t id, uint32_t tp, uint32_t dir, int64_t v)
{
	return call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_CONFIG,
		    P(id, tp << 4 | dir, (uint32_t)((uint64_t)v & 0xffffffff),
		      (uint32_t)((uint64_t)v >> 32)), LINUX_WR).st;
}

static void
test_trip_points(void **state)
{
	struct ctx *c = *state;
	const uint8_t *e;
	uint32_t len;

	post_events(c, 8, 136);
	assert_int_equal(trip(c, S_TEMP, 0, 3, 30000), SCMI_SUCCESS);
	assert_int_equal(trip(c, S_TEMP, 1, SCMI_TP_POSITIVE, -5000), SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY,
			      P(S_TEMP, 1), LINUX_WR).st, SCMI_SUCCESS);
	scmi_dev_set(c->dev, S_TEMP, 0, 29000); /* the first value: no crossing known */
	assert_null(next_event(c, &len));
	scmi_dev_set(c->dev, S_TEMP, 0, 31000);
	e = next_event(c, &len);
	assert_non_null(e);
	assert_int_equal(len, 16);
	assert_int_equal(rd32(e), SCMI_HDR(SCMI_SENSOR_EVT_TRIP_POINT, SCMI_TYPE_NOTIFICATION,
					   SCMI_PROTO_SENSOR, 0));
	assert_int_equal(rd32(e + 8), S_TEMP);
	assert_int_equal(rd32(e + 12), 1u << 16 | 0); /* ascending, trip 0 */
	scmi_dev_set(c->dev, S_TEMP, 0, 32000); /* no crossing */
	assert_null(next_event(c, &len));
	scmi_dev_set(c->dev, S_TEMP, 0, -10000); /* down through trip 0 only */
	e = next_event(c, &len);
	assert_non_null(e);
	assert_int_equal(rd32(e + 12), 0);
	assert_null(next_event(c, &len)); /* trip 1 is positive only */
	scmi_dev_set(c->dev, S_TEMP, 0, 40000); /* up through both */
	assert_non_null(e = next_event(c, &len));
	assert_int_equal(rd32(e + 12), 1u << 16 | 0);
	assert_non_null(e = next_event(c, &len));
	assert_int_equal(rd32(e + 12), 1u << 16 | 1);
	assert_int_equal(scmi_dev_stats(c->dev)->trip_events, 4);
	/* notifications off: nothing */
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY,
			      P(S_TEMP, 0), LINUX_WR).st, SCMI_SUCCESS);
	scmi_dev_set(c->dev, S_TEMP, 0, 0);
	assert_null(next_event(c, &len));
	/* a trip crossed by a guest reading counts too */
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY,
			      P(S_VOLT, 1), LINUX_WR).st, SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(S_VOLT, 0),
			      LINUX_WR).st, SCMI_SUCCESS);
	assert_int_equal(trip(c, S_VOLT, 3, SCMI_TP_NEGATIVE, 3000), SCMI_SUCCESS);
	assert_int_equal(scmi_dev_set(c->dev, S_VOLT, 0, 2999), 0);
	assert_non_null(e = next_event(c, &len));
	assert_int_equal(rd32(e + 8), S_VOLT);
	assert_int_equal(rd32(e + 12), 3);
	/* bad ones */
	assert_int_equal(trip(c, S_TEMP, SCMI_TRIPS, 3, 0), SCMI_INVALID_PARAMETERS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_CONFIG,
			      P(S_TEMP, 1u << 12 | 3, 0, 0), LINUX_WR).st,
			 SCMI_INVALID_PARAMETERS);
	assert_int_equal(trip(c, NSENS, 0, 3, 0), SCMI_NOT_FOUND);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_CONFIG,
			      P(S_TEMP, 3, 0), LINUX_WR).st, SCMI_PROTOCOL_ERROR);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY,
			      P(S_TEMP, 3), LINUX_WR).st, SCMI_INVALID_PARAMETERS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY,
			      P(NSENS, 1), LINUX_WR).st, SCMI_NOT_FOUND);
	assert_int_equal(scmi_dev_set(c->dev, NSENS, 0, 0), -ENOENT);
	assert_int_equal(scmi_dev_set(c->dev, S_TEMP, 1, 0), -EINVAL);
}

static void
test_short_of_buffers(void **state)
{
	struct ctx *c = *state;
	const struct scmi_dev_stats *st = scmi_dev_stats(c->dev);
	uint32_t len;
	unsigned int i;
	const uint8_t *e;

	/* pending bound 4 (setup_small_queue), no buffers: 4 kept, the rest counted */
	assert_int_equal(trip(c, S_TEMP, 0, 3, 0), SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY,
			      P(S_TEMP, 1), LINUX_WR).st, SCMI_SUCCESS);
	for (i = 0; i < 7; i++)
		scmi_dev_set(c->dev, S_TEMP, 0, i % 2 ? 100 : -100);
	assert_int_equal(scmi_dev_pending(c->dev), 4);
	assert_int_equal(st->notify_dropped, 2);
	assert_int_equal(st->trip_events, 6);
	/* buffers come: the four, oldest first, then the device holds the rest */
	post_events(c, 6, 136);
	for (i = 0; i < 4; i++) {
		assert_non_null(e = next_event(c, &len));
		assert_int_equal(rd32(e + 12), i % 2 ? 0 : 1u << 16);
	}
	assert_null(next_event(c, &len));
	assert_int_equal(scmi_dev_held(c->dev), 2);
	assert_int_equal(st->notifications, 4);
	/* bad eventq buffers: too small, device-readable */
	{
		uint8_t *w = wbuf(&c->e, 27), *r = vhd_test_alloc(&c->e, 8);
		struct vhd_fe_buf b[2] = {{r, 8}, {w, 136}};
		uint16_t id;

		b[1].ptr = w;
		b[1].len = 27;
		assert_true(vhd_test_post(&c->e, &b[1], 0, 1, false) >= 0);
		w = wbuf(&c->e, 136);
		b[1].ptr = w;
		b[1].len = 136;
		assert_true(vhd_test_post(&c->e, b, 1, 1, false) >= 0);
		vhd_test_host_serve(&c->h, &c->e, &scmi_ops, c->dev, SCMI_EVENTQ);
		assert_int_equal(vhd_test_used(&c->e, &id, &len), 1);
		assert_int_equal(len, 0);
		assert_int_equal(vhd_test_used(&c->e, &id, &len), 1);
		assert_int_equal(len, 0);
		assert_int_equal(st->bad_event_bufs, 2);
	}
	/* the queue stops: held buffers forgotten */
	scmi_ops.queue_stop(c->dev, SCMI_EVENTQ, &c->e.vq);
	assert_int_equal(scmi_dev_held(c->dev), 0);
}

/* ---- layouts and malformed chains ---- */

static void
test_layouts(void **state)
{
	struct ctx *c = *state;
	uint32_t hdr = htole32(SCMI_HDR(SCMI_SENSOR_READING_GET, 0, SCMI_PROTO_SENSOR, 77));
	uint32_t p[2] = {htole32(S_ACCEL), 0};
	uint8_t *h1 = vhd_test_alloc(&c->p, 2), *h2 = vhd_test_alloc(&c->p, 2);
	uint8_t *pp = vhd_test_alloc(&c->p, 8);
	uint8_t *w[8], out[56];
	struct vhd_fe_buf b[11];
	unsigned int i, n = 0, off = 0;
	uint16_t id;
	uint32_t len;
	bool ind;

	memcpy(h1, &hdr, 2);
	memcpy(h2, (uint8_t *)&hdr + 2, 2);
	memcpy(pp, p, 8);
	for (ind = false; ; ind = true) {
		n = 0;
		b[n++] = (struct vhd_fe_buf){h1, 2};
		b[n++] = (struct vhd_fe_buf){h2, 2};
		b[n++] = (struct vhd_fe_buf){pp, 8};
		/* the reply over eight writable pieces of 7 bytes */
		for (i = 0; i < 8; i++) {
			w[i] = wbuf(&c->p, 7);
			b[n++] = (struct vhd_fe_buf){w[i], 7};
		}
		assert_true(vhd_test_post(&c->p, b, 3, 8, ind) >= 0);
		vhd_test_host_serve(&c->h, &c->p, &scmi_ops, c->dev, SCMI_CMDQ);
		assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
		assert_int_equal(len, 56);
		for (i = 0, off = 0; i < 8; i++, off += 7) {
			memcpy(out + off, w[i], 7);
			guard_ok(w[i], 7);
		}
		assert_int_equal(rd32(out), le32toh(hdr));
		assert_int_equal(status(out), SCMI_SUCCESS);
		assert_int_equal(rd64(out + 8 + 16), 100 + (ind ? 1 : 0));
		if (ind)
			break;
	}
}

static void
test_malformed(void **state)
{
	struct ctx *c = *state;
	const struct scmi_dev_stats *st = scmi_dev_stats(c->dev);
	uint8_t *r = vhd_test_alloc(&c->p, 200), *w;
	struct vhd_fe_buf b[2];
	uint16_t id;
	uint32_t len;

	memset(r, 0, 200);
	/* no header: PROTOCOL_ERROR with a zero header */
	w = wbuf(&c->p, LINUX_WR);
	b[0] = (struct vhd_fe_buf){r, 3};
	b[1] = (struct vhd_fe_buf){w, LINUX_WR};
	assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	vhd_test_host_serve(&c->h, &c->p, &scmi_ops, c->dev, SCMI_CMDQ);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(len, 8);
	assert_int_equal(status(w), SCMI_PROTOCOL_ERROR);
	guard_ok(w, LINUX_WR);
	/* no readable part at all */
	w = wbuf(&c->p, LINUX_WR);
	b[0] = (struct vhd_fe_buf){w, LINUX_WR};
	assert_true(vhd_test_post(&c->p, b, 0, 1, false) >= 0);
	vhd_test_host_serve(&c->h, &c->p, &scmi_ops, c->dev, SCMI_CMDQ);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(status(w), SCMI_PROTOCOL_ERROR);
	/* oversized parameters: PROTOCOL_ERROR, header kept */
	{
		uint32_t h = htole32(SCMI_HDR(SCMI_MSG_VERSION, 0, SCMI_PROTO_BASE, 9));

		memcpy(r, &h, 4);
	}
	w = wbuf(&c->p, LINUX_WR);
	b[0] = (struct vhd_fe_buf){r, 200};
	b[1] = (struct vhd_fe_buf){w, LINUX_WR};
	assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	vhd_test_host_serve(&c->h, &c->p, &scmi_ops, c->dev, SCMI_CMDQ);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(len, 8);
	assert_int_equal(rd32(w), SCMI_HDR(SCMI_MSG_VERSION, 0, SCMI_PROTO_BASE, 9));
	assert_int_equal(status(w), SCMI_PROTOCOL_ERROR);
	/* a writable part too small for header and status: used 0, counted */
	w = wbuf(&c->p, 7);
	b[0] = (struct vhd_fe_buf){r, 4};
	b[1] = (struct vhd_fe_buf){w, 7};
	assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	vhd_test_host_serve(&c->h, &c->p, &scmi_ops, c->dev, SCMI_CMDQ);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(len, 0);
	guard_ok(w, 7);
	assert_int_equal(w[0], 0xee);
	/* nothing writable */
	assert_true(vhd_test_post(&c->p, b, 1, 0, false) >= 0);
	vhd_test_host_serve(&c->h, &c->p, &scmi_ops, c->dev, SCMI_CMDQ);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(st->dropped, 2);
	/* every sensor message with its sensor id missing */
	{
		uint8_t m;

		for (m = SCMI_SENSOR_TRIP_POINT_NOTIFY; m <= SCMI_SENSOR_AXIS_NAME_GET; m++)
			assert_int_equal(call(c, SCMI_PROTO_SENSOR, m, NOP, LINUX_WR).st,
					 SCMI_PROTOCOL_ERROR);
	}
	/* still serving */
	assert_int_equal(call(c, SCMI_PROTO_BASE, SCMI_MSG_VERSION, NOP, LINUX_WR).st,
			 SCMI_SUCCESS);
}

/* A message with @p rd readable bytes (a header @p hdr first) and @p wr writable ones. */
static void
send_chain(struct ctx *c, uint32_t hdr, uint32_t rd, uint32_t wr)
{
	uint8_t *r = vhd_test_alloc(&c->p, 8), *w = wbuf(&c->p, wr);
	struct vhd_fe_buf b[2] = {{r, rd}, {w, wr}};
	uint32_t v = htole32(hdr), len;
	uint16_t id;

	memset(r, 0, 8);
	memcpy(r, &v, 4);
	assert_true(vhd_test_post(&c->p, b, 1, 1, false) >= 0);
	vhd_test_host_serve(&c->h, &c->p, &scmi_ops, c->dev, SCMI_CMDQ);
	assert_int_equal(vhd_test_used(&c->p, &id, &len), 1);
	guard_ok(w, wr);
}

/* The next event is a BASE_ERROR_EVENT of the guest with the @p n reports in @p hdrs. */
static void
expect_error_event(struct ctx *c, const uint32_t *hdrs, uint32_t n)
{
	const uint8_t *e;
	uint32_t len, i;

	assert_non_null(e = next_event(c, &len));
	assert_int_equal(len, 12 + 8 * n);
	assert_int_equal(rd32(e), SCMI_HDR(SCMI_BASE_EVT_ERROR, SCMI_TYPE_NOTIFICATION,
					   SCMI_PROTO_BASE, 0));
	assert_int_equal(rd32(e + 4), 1);      /* agent_id: the guest */
	assert_int_equal(rd32(e + 8), n);      /* not fatal, n reports */
	for (i = 0; i < n; i++) {
		assert_int_equal(rd32(e + 12 + 8 * i), hdrs[i]);
		assert_int_equal(rd32(e + 16 + 8 * i), 0);
	}
}

/*
 * BASE_ERROR_EVENT: with error notifications on, a message the device found
 * malformed (PROTOCOL_ERROR, COMMS_ERROR) or could not answer at all is
 * reported on the eventq with its header; errors that wait for a buffer
 * share an event up to what the smallest eventq buffer takes.
 */
static void
test_base_error_event(void **state)
{
	struct ctx *c = *state;
	const struct scmi_dev_stats *st = scmi_dev_stats(c->dev);
	uint32_t h[8], len, i;

	/* off by default: nothing */
	h[0] = SCMI_HDR(SCMI_MSG_VERSION, SCMI_TYPE_COMMAND, SCMI_PROTO_BASE, 1);
	send_chain(c, h[0], 8, LINUX_WR);
	assert_int_equal(scmi_dev_pending(c->dev), 0);
	assert_int_equal(call(c, SCMI_PROTO_BASE, SCMI_BASE_NOTIFY_ERRORS, P(1), LINUX_WR).st,
			 SCMI_SUCCESS);
	post_events(c, 1, 136);
	/* parameters of the wrong length: answered PROTOCOL_ERROR and reported */
	send_chain(c, h[0], 8, LINUX_WR);
	expect_error_event(c, h, 1);
	assert_null(next_event(c, &len));
	/* answers that are no protocol error are not reported */
	assert_int_equal(call(c, SCMI_PROTO_BASE, 0x55, NOP, LINUX_WR).st, SCMI_NOT_SUPPORTED);
	assert_int_equal(call(c, SCMI_PROTO_BASE, SCMI_BASE_NOTIFY_ERRORS, P(2), LINUX_WR).st,
			 SCMI_INVALID_PARAMETERS);
	assert_int_equal(scmi_dev_pending(c->dev), 0);
	/* no buffer: a wrong message type, an unanswerable chain, a reply that does not
	 * fit and a chain with no header wait in one event (the last adds no report) */
	h[0] = SCMI_HDR(0, SCMI_TYPE_NOTIFICATION, SCMI_PROTO_BASE, 2);
	send_chain(c, h[0], 4, LINUX_WR);
	h[1] = SCMI_HDR(SCMI_MSG_VERSION, SCMI_TYPE_COMMAND, SCMI_PROTO_BASE, 3);
	send_chain(c, h[1], 4, 7);
	h[2] = SCMI_HDR(SCMI_BASE_DISCOVER_VENDOR, SCMI_TYPE_COMMAND, SCMI_PROTO_BASE, 4);
	send_chain(c, h[2], 4, 12);
	send_chain(c, 0, 3, LINUX_WR);
	assert_int_equal(scmi_dev_pending(c->dev), 1);
	post_events(c, 1, 136);
	expect_error_event(c, h, 3);
	assert_int_equal(st->error_reports, 4);
	/* a chain with no header and nothing waiting: an event with no report */
	post_events(c, 1, 136);
	send_chain(c, 0, 0, LINUX_WR);
	expect_error_event(c, h, 0);
	/* eight while short of buffers: six share the first event (60-byte buffers), two
	 * the next */
	for (i = 0; i < 8; i++) {
		h[i] = SCMI_HDR(SCMI_MSG_ATTRIBUTES, SCMI_TYPE_COMMAND, SCMI_PROTO_BASE, 10 + i);
		send_chain(c, h[i], 8, LINUX_WR);
	}
	assert_int_equal(scmi_dev_pending(c->dev), 2);
	post_events(c, 2, 136);
	expect_error_event(c, h, 6);
	expect_error_event(c, h + 6, 2);
	/* off again: nothing */
	assert_int_equal(call(c, SCMI_PROTO_BASE, SCMI_BASE_NOTIFY_ERRORS, P(0), LINUX_WR).st,
			 SCMI_SUCCESS);
	send_chain(c, h[0], 8, LINUX_WR);
	assert_int_equal(scmi_dev_pending(c->dev), 0);
	assert_null(next_event(c, &len));
	assert_int_equal(st->error_reports, 12);
}

static void
test_reset(void **state)
{
	struct ctx *c = *state;

	post_events(c, 4, 136);
	assert_int_equal(config_set(c, S_TEMP, CFG(1, -1, 0)), SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(S_TEMP, 1), LINUX_WR).st, SCMI_SUCCESS);
	scmi_ops.queue_stop(c->dev, SCMI_EVENTQ, &c->e.vq);
	scmi_ops.reset(c->dev);
	/* a new driver: default config, nothing notified, no timer left running */
	assert_int_equal(scmi_interval_ns(config_of(c, S_TEMP)), 1000 * MS);
	scmi_ops.queue_start(c->dev, SCMI_EVENTQ, &c->e.vq);
	post_events(c, 2, 136);
	vhd_test_host_advance(&c->h, 3000 * MS);
	assert_int_equal(c->h.ntimers, 0);
	assert_int_equal(scmi_dev_pending(c->dev), 0);
}

/* A backend restart: what the guest set comes back from the in-flight area. */
static void
test_restart_state(void **state)
{
	struct ctx *c = *state;
	static uint8_t area[VHD_RESTART_STATE_MAX];
	void *st2;
	struct ctx *d;
	const uint8_t *e;
	uint32_t len;

	assert_true(scmi_ops.restart_state_size <= sizeof(area));
	memset(area, 0, sizeof(area));
	scmi_ops.restart_state(c->dev, area, false);
	assert_int_equal(config_set(c, S_TEMP, CFG(2, -1, 0)), SCMI_SUCCESS);
	assert_int_equal(trip(c, S_TEMP, 1, 3, 30000), SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_TRIP_POINT_NOTIFY,
			      P(S_TEMP, 1), LINUX_WR).st, SCMI_SUCCESS);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(S_VOLT, 1), LINUX_WR).st, SCMI_SUCCESS);
	scmi_dev_set(c->dev, S_TEMP, 0, 29000);
	scmi_ops.restart_state(c->dev, NULL, false); /* the process dies */

	/* a new process on the same area */
	setup_dev(&st2, make_dev(0, true), true);
	d = st2;
	scmi_ops.restart_state(d->dev, area, true);
	assert_int_equal(scmi_dev_stats(d->dev)->restored, 1);
	assert_int_equal(scmi_interval_ns(config_of(d, S_TEMP)), 200 * MS);
	post_events(d, 8, 136);
	scmi_dev_set(d->dev, S_TEMP, 0, 31000); /* crosses from the 29000 seen before */
	assert_non_null(e = next_event(d, &len));
	assert_int_equal(rd32(e + 12), 1u << 16 | 1);
	vhd_test_host_advance(&d->h, 1000 * MS); /* the voltage updates go on */
	assert_non_null(e = next_event(d, &len));
	assert_int_equal(rd32(e + 8), S_VOLT);
	teardown(&st2);
	/* a lying area: a bad interval and flags are sanitised, another sensor count ignored */
	{
		uint32_t *w = (uint32_t *)area;

		setup_dev(&st2, make_dev(0, true), true);
		d = st2;
		w[4] = 0x7fff0000u | 1; /* sensor 0's config: 32767 s */
		scmi_ops.restart_state(d->dev, area, true);
		assert_int_equal(scmi_interval_ns(config_of(d, 0)), 1000 * MS);
		teardown(&st2);
		setup_dev(&st2, make_dev(0, false), true); /* one sensor fewer */
		d = st2;
		scmi_ops.restart_state(d->dev, area, true);
		assert_int_equal(scmi_dev_stats(d->dev)->restored, 0);
		assert_int_equal(scmi_interval_ns(config_of(d, S_TEMP)), 1000 * MS);
		teardown(&st2);
	}
}

/* ---- IIO over a fake sysfs tree ---- */

static char tree[64];

static void
put_file(const char *name, const char *text)
{
	char p[160];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", tree, name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
rm_file(const char *name)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/%s", tree, name);
	unlink(p);
}

static int
iio_setup(void **state)
{
	(void)state;
	strcpy(tree, "/tmp/vhd-scmi-iio-XXXXXX");
	assert_non_null(mkdtemp(tree));
	put_file("name", "fakeaccel\n");
	put_file("in_accel_x_raw", "100\n");
	put_file("in_accel_y_raw", "-50\n");
	put_file("in_accel_z_raw", "0\n");
	put_file("in_accel_scale", "0.009806650\n");
	put_file("in_temp_raw", "250\n");
	put_file("in_temp_scale", "100\n");      /* millidegrees per LSB */
	put_file("in_temp_offset", "-10\n");
	put_file("in_voltage0_raw", "1234\n");   /* no scale: 1 mV per LSB */
	return 0;
}

static int
iio_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void
test_iio_describe_and_read(void **state)
{
	struct scmi_sensor *s[3];
	struct scmi_dev *dev;
	char err[256];
	void *st;
	struct ctx *c;
	struct reply r;

	(void)state;
	assert_int_equal(scmi_iio_create(tree, "in_accel", NULL, &s[0], err, sizeof(err)), 0);
	assert_string_equal(s[0]->name, "fakeaccel");
	assert_int_equal(s[0]->naxes, 3);
	assert_int_equal(s[0]->axis[0].unit, SCMI_UNIT_METERS_SEC_SQUARED);
	assert_int_equal(s[0]->axis[0].scale, -3); /* 0.0098 m/s^2 per LSB */
	assert_string_equal(s[0]->axis[2].name, "fakeaccel_Z");
	assert_int_equal(scmi_iio_create(tree, "in_temp", "cpu", &s[1], err, sizeof(err)), 0);
	assert_int_equal(s[1]->naxes, 0);
	assert_int_equal(s[1]->axis[0].unit, SCMI_UNIT_DEGREES_C);
	assert_int_equal(s[1]->axis[0].scale, -1); /* 0.1 degree per LSB */
	assert_int_equal(scmi_iio_create(tree, "in_voltage0", NULL, &s[2], err, sizeof(err)), 0);
	assert_int_equal(s[2]->axis[0].unit, SCMI_UNIT_VOLTS);
	assert_int_equal(s[2]->axis[0].scale, -3);
	assert_false(s[0]->fast);
	assert_int_equal(scmi_dev_create(s, 3, NULL, 0, &dev), 0);
	setup_dev(&st, dev, true);
	c = st;
	/* the readings go through the offload: (raw + offset) * scale in SCMI units */
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(0, 0), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(c->h.offloads_run, 1);
	assert_int_equal(rd64(r.b + 8), 981);   /* 100 * 0.00980665 = 0.981 m/s^2 */
	assert_int_equal(rd64(r.b + 24), -490); /* -0.4903 */
	assert_int_equal(rd64(r.b + 40), 0);
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(1, 0), LINUX_WR);
	assert_int_equal(rd64(r.b + 8), 240);   /* (250 - 10) * 100 m°C = 24.0 °C */
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(2, 0), LINUX_WR);
	assert_int_equal(rd64(r.b + 8), 1234);  /* mV */
	/* the value moves with the file */
	put_file("in_temp_raw", "260\n");
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(1, 0), LINUX_WR);
	assert_int_equal(rd64(r.b + 8), 250);
	/* an odd or vanished attribute later: an error for that sensor only */
	put_file("in_temp_raw", "hot\n");
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(1, 0), LINUX_WR);
	assert_int_equal(r.st, SCMI_HARDWARE_ERROR);
	assert_int_equal(r.used, 8);
	rm_file("in_voltage0_raw");
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(2, 0), LINUX_WR);
	assert_int_equal(r.st, SCMI_HARDWARE_ERROR);
	r = call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_READING_GET, P(0, 0), LINUX_WR);
	assert_int_equal(r.st, SCMI_SUCCESS);
	assert_int_equal(scmi_dev_stats(dev)->read_errors, 2);
	/* continuous updates of an IIO sensor: read off the worker too */
	post_events(c, 2, 136);
	put_file("in_temp_raw", "250\n");
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(1, 1), LINUX_WR).st, SCMI_SUCCESS);
	vhd_test_host_advance(&c->h, 1000 * MS);
	vhd_test_host_run(&c->h);
	{
		uint32_t len;
		const uint8_t *e = next_event(c, &len);

		assert_non_null(e);
		assert_int_equal(rd32(e + 8), 1);
		assert_int_equal(rd64(e + 12), 240);
	}
	put_file("in_voltage0_raw", "1234\n");
	teardown(&st);
}

/* Buffered updates: the scan elements enabled, scans from the "character device" (a FIFO). */
static void
test_iio_buffered(void **state)
{
	struct scmi_sensor *s[1];
	struct scmi_dev *dev;
	char err[256], fifo[128], p[160], buf[16];
	void *stp;
	struct ctx *c;
	const uint8_t *e;
	uint32_t len;
	int wfd;
	/* x, y, z as le:s16, then a 64-bit timestamp aligned to 8: a 16-byte scan */
	const uint8_t scan[16] = {100, 0, 0xce, 0xff, 0x50, 0x01, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8};
	FILE *f;

	(void)state;
	snprintf(p, sizeof(p), "%s/scan_elements", tree);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/buffer", tree);
	assert_int_equal(mkdir(p, 0755), 0);
	put_file("buffer/enable", "0\n");
	put_file("scan_elements/in_accel_x_en", "0\n");
	put_file("scan_elements/in_accel_y_en", "0\n");
	put_file("scan_elements/in_accel_z_en", "0\n");
	put_file("scan_elements/in_accel_x_type", "le:s16/16>>0\n");
	put_file("scan_elements/in_accel_y_type", "le:s16/16>>0\n");
	put_file("scan_elements/in_accel_z_type", "le:s12/16>>4\n");
	put_file("scan_elements/in_accel_x_index", "0\n");
	put_file("scan_elements/in_accel_y_index", "1\n");
	put_file("scan_elements/in_accel_z_index", "2\n");
	put_file("scan_elements/in_timestamp_en", "1\n");
	put_file("scan_elements/in_timestamp_type", "le:s64/64>>0\n");
	put_file("scan_elements/in_timestamp_index", "3\n");
	snprintf(fifo, sizeof(fifo), "%s/chardev", tree);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	put_file("in_accel_scale", "1\n");
	assert_int_equal(scmi_iio_create(tree, "in_accel", NULL, &s[0], err, sizeof(err)), 0);
	assert_int_equal(scmi_iio_set_cdev(s[0], fifo), 0);
	assert_true(s[0]->buffered);
	assert_int_equal(scmi_dev_create(s, 1, NULL, 0, &dev), 0);
	setup_dev(&stp, dev, true);
	c = stp;
	post_events(c, 4, 136);
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(0, 1), LINUX_WR).st, SCMI_SUCCESS);
	vhd_test_host_run(&c->h); /* the start runs off the worker */
	assert_int_equal(c->h.nwatch, 1);
	assert_int_equal(c->h.ntimers, 0); /* no polling: the buffer streams */
	snprintf(p, sizeof(p), "%s/buffer/enable", tree);
	f = fopen(p, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(buf[0], '1');
	assert_int_equal(s[0]->scan_bytes, 16);
	assert_int_equal(s[0]->scan[2].off, 4);
	wfd = open(fifo, O_WRONLY | O_NONBLOCK);
	assert_true(wfd >= 0);
	assert_int_equal(write(wfd, scan, 16), 16);
	vhd_test_host_run(&c->h);
	assert_non_null(e = next_event(c, &len));
	assert_int_equal(len, 4 + 8 + 48);
	assert_int_equal(rd64(e + 12), 100);
	assert_int_equal(rd64(e + 12 + 16), -50);
	assert_int_equal(rd64(e + 12 + 32), 0x15); /* s12 in bits 15:4 */
	assert_int_equal(scmi_dev_stats(dev)->stream_scans, 1);
	/* off again: unwatched, the buffer disabled off the worker */
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(0, 0), LINUX_WR).st, SCMI_SUCCESS);
	vhd_test_host_run(&c->h);
	assert_int_equal(c->h.nwatch, 0);
	f = fopen(p, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(buf[0], '0');
	/* a broken stream (writer gone: end of file) falls back to the timer */
	assert_int_equal(call(c, SCMI_PROTO_SENSOR, SCMI_SENSOR_CONTINUOUS_UPDATE_NOTIFY,
			      P(0, 1), LINUX_WR).st, SCMI_SUCCESS);
	vhd_test_host_run(&c->h);
	assert_int_equal(c->h.nwatch, 1);
	close(wfd);
	vhd_test_host_run(&c->h);
	vhd_test_host_run(&c->h);
	assert_int_equal(c->h.nwatch, 0);
	assert_int_equal(c->h.ntimers, 1);
	vhd_test_host_advance(&c->h, 1000 * MS);
	vhd_test_host_run(&c->h);
	assert_non_null(e = next_event(c, &len));
	assert_int_equal(rd64(e + 12), 100); /* from sysfs now */
	teardown(&stp);
}

static void
test_iio_bad_trees(void **state)
{
	struct scmi_sensor *s;
	char err[256];

	(void)state;
	/* missing raw */
	assert_int_not_equal(scmi_iio_create(tree, "in_current", NULL, &s, err, sizeof(err)), 0);
	assert_int_not_equal(scmi_iio_create(tree, "in_anglvel", NULL, &s, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "in_anglvel_raw"));
	/* unknown channel type */
	assert_int_equal(scmi_iio_create(tree, "in_humidityrelative", NULL, &s, err, sizeof(err)),
			 -ENOTSUP);
	/* odd scale, odd offset, odd raw */
	put_file("in_current_raw", "5\n");
	put_file("in_current_scale", "abc\n");
	assert_int_equal(scmi_iio_create(tree, "in_current", NULL, &s, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "scale"));
	put_file("in_current_scale", "0\n");
	assert_int_equal(scmi_iio_create(tree, "in_current", NULL, &s, err, sizeof(err)), -EINVAL);
	put_file("in_current_scale", "2\n");
	put_file("in_current_offset", "1x\n");
	assert_int_equal(scmi_iio_create(tree, "in_current", NULL, &s, err, sizeof(err)), -EINVAL);
	rm_file("in_current_offset");
	put_file("in_current_raw", "\n");
	assert_int_equal(scmi_iio_create(tree, "in_current", NULL, &s, err, sizeof(err)), -EINVAL);
	put_file("in_current_raw", "7\n");
	assert_int_equal(scmi_iio_create(tree, "in_current", NULL, &s, err, sizeof(err)), 0);
	assert_int_equal(s->axis[0].unit, SCMI_UNIT_AMPS);
	{
		int64_t v;

		assert_int_equal(s->ops->read(s, &v), 0);
		assert_int_equal(v, 14); /* 7 * 2 mA */
	}
	scmi_sensor_destroy(s);
	/* bad arguments */
	assert_int_not_equal(scmi_iio_create("/nonexistent", "in_accel", NULL, &s, err,
					     sizeof(err)), 0);
	assert_int_not_equal(scmi_iio_create(tree, "../in_accel", NULL, &s, err, sizeof(err)), 0);
	assert_int_not_equal(scmi_iio_create(tree, "", NULL, &s, err, sizeof(err)), 0);
	assert_int_not_equal(scmi_iio_create(tree, "in_accel", "", &s, err, sizeof(err)), 0);
}

static void
test_iio_convert(void **state)
{
	struct scmi_axis a = {.scale = -3, .iio_scale = 0.5, .iio_offset = 2};

	(void)state;
	/* (raw + offset) * scale in the IIO unit; millidegrees to degrees for temp */
	assert_int_equal(scmi_iio_convert(&a, "in_accel", 10), 6000);
	assert_int_equal(scmi_iio_convert(&a, "in_temp", 10), 6);
	assert_int_equal(scmi_iio_convert(&a, "in_voltage1", -12), 5 * -1);
	a.scale = 0;
	a.iio_scale = 1e30;
	assert_int_equal(scmi_iio_convert(&a, "in_accel", 1 << 30), INT64_MAX);
	assert_int_equal(scmi_iio_convert(&a, "in_accel", -(1 << 30)), INT64_MIN);
}

static void
test_fake_kinds(void **state)
{
	struct scmi_sensor *s;
	char longname[80];

	(void)state;
	memset(longname, 'n', sizeof(longname));
	longname[64] = '\0';
	assert_int_equal(scmi_fake_create(SCMI_FAKE_ACCEL, longname, &s), -EINVAL);
	longname[63] = '\0';
	assert_int_equal(scmi_fake_create(SCMI_FAKE_ACCEL, longname, &s), 0);
	scmi_sensor_destroy(s);
	assert_int_equal(scmi_fake_create(SCMI_FAKE_ACCEL, "", &s), -EINVAL);
	assert_int_equal(scmi_fake_create((enum scmi_fake_kind)99, NULL, &s), -EINVAL);
	assert_int_equal(scmi_fake_create(SCMI_FAKE_VOLTAGE, NULL, &s), 0);
	assert_int_equal(s->ops->set(s, 1, 0), -EINVAL);
	assert_int_equal(s->ops->set(s, 0, 5000), 0);
	{
		int64_t v;

		assert_int_equal(s->ops->read(s, &v), 0);
		assert_int_equal(v, 5000);
		assert_int_equal(s->ops->read(s, &v), 0);
		assert_int_equal(v, 5000); /* only the accelerometer steps */
	}
	scmi_sensor_destroy(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_base_version_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_message_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_discover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_list_protocols, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_agent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_notify_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_error_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_p2a, setup_nop2a, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_and_bad_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sensor_version_attributes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_description_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reading_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_axis_description, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_intervals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_continuous_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trip_points, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_of_buffers, setup_small_queue, teardown),
		cmocka_unit_test_setup_teardown(test_layouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_state, setup, teardown),
		cmocka_unit_test(test_iio_convert),
		cmocka_unit_test(test_fake_kinds),
		cmocka_unit_test_setup_teardown(test_iio_describe_and_read, iio_setup,
						iio_teardown),
		cmocka_unit_test_setup_teardown(test_iio_bad_trees, iio_setup, iio_teardown),
		cmocka_unit_test_setup_teardown(test_iio_buffered, iio_setup, iio_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
