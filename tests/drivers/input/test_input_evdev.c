/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The evdev source over a fake system-call layer (this host has no input
 * devices): config from a table of ioctl results (a non-UTF-8 name, a
 * serial, properties, axis ranges), events read from the fake node, LEDs
 * written back, --grab, unplug (held keys released, logged once, retried
 * on a timer) and replug.
 */

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>

#include <linux/input.h>

#include "input_fx.h"

#define FAKE_FD 77

static struct {
	bool present;
	bool rdonly;
	bool grabbed;
	bool fail_abs;
	bool mt;                  /* a touchscreen: MT slot axes, 4 slots */
	int32_t mtval[ABS_MT_TOOL_Y - ABS_MT_SLOT][4]; /* per slot axis and slot */
	int32_t mt_slot;          /* the kernel's current slot */
	uint32_t mt_code_in;      /* EVIOCGMTSLOTS: the code asked for */
	int opens, closes;
	uint8_t keystate[KEY_CNT / 8];
	int32_t absval[ABS_CNT];
	struct input_event q[64];
	unsigned int nq;
	struct input_event written[8];
	unsigned int nwritten;
} fk;

static int
fk_open(const char *path, int flags)
{
	(void)path;
	if (!fk.present)
		return -ENOENT;
	if (fk.rdonly && (flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	fk.opens++;
	return FAKE_FD;
}

static int
fk_close(int fd)
{
	assert_int_equal(fd, FAKE_FD);
	fk.closes++;
	fk.grabbed = false;
	return 0;
}

static void
setbit(uint8_t *b, unsigned int n)
{
	b[n / 8] |= (uint8_t)(1u << (n % 8));
}

static int
fk_ioctl(int fd, unsigned long req, void *arg)
{
	unsigned int nr = _IOC_NR(req), len = _IOC_SIZE(req);

	assert_int_equal(fd, FAKE_FD);
	if (!fk.present)
		return -ENODEV;
	if (req == EVIOCGRAB) {
		fk.grabbed = arg != NULL;
		return 0;
	}
	if (req == EVIOCGID) {
		struct input_id id = { BUS_USB, 0x046d, 0xc52b, 0x0111 };

		memcpy(arg, &id, sizeof(id));
		return 0;
	}
	if (_IOC_TYPE(req) != 'E' || _IOC_DIR(req) != _IOC_READ)
		return -EINVAL;
	if (nr == _IOC_NR(EVIOCGMTSLOTS(0)) && len >= 4)
		memcpy(&fk.mt_code_in, arg, 4);
	memset(arg, 0, len);
	if (nr == _IOC_NR(EVIOCGNAME(0))) {
		strncpy(arg, "Logi\xff\xfe Pad\x07", len);
		return 0;
	}
	if (nr == _IOC_NR(EVIOCGUNIQ(0))) {
		strncpy(arg, "SN-42", len);
		return 0;
	}
	if (nr == _IOC_NR(EVIOCGKEY(0))) {
		memcpy(arg, fk.keystate, len < sizeof(fk.keystate) ? len : sizeof(fk.keystate));
		return 0;
	}
	if (nr == _IOC_NR(EVIOCGSW(0)))
		return 0;
	if (nr == _IOC_NR(EVIOCGPROP(0))) {
		setbit(arg, INPUT_PROP_DIRECT);
		return 0;
	}
	if (nr == _IOC_NR(EVIOCGMTSLOTS(0))) {
		uint32_t code;
		unsigned int i;

		/* The code is an input: read what arg held before the memset. */
		code = fk.mt_code_in;
		if (!fk.mt || code <= ABS_MT_SLOT || code > ABS_MT_TOOL_Y || len < 4)
			return -EINVAL;
		memcpy(arg, &code, 4);
		for (i = 0; i < 4 && 4 + (i + 1) * 4 <= len; i++)
			memcpy((uint8_t *)arg + 4 + i * 4, &fk.mtval[code - ABS_MT_SLOT - 1][i], 4);
		return 0;
	}
	if (nr >= _IOC_NR(EVIOCGABS(0)) && nr < _IOC_NR(EVIOCGABS(0)) + ABS_CNT) {
		struct input_absinfo a = { .value = 5, .minimum = -10, .maximum = 1000,
					   .fuzz = 1, .flat = 2, .resolution = 3 };

		if (nr - _IOC_NR(EVIOCGABS(0)) == ABS_MT_SLOT) {
			a.value = fk.mt_slot;
			a.minimum = 0;
			a.maximum = 3;
			memcpy(arg, &a, sizeof(a));
			return 0;
		}

		if (fk.absval[nr - _IOC_NR(EVIOCGABS(0))] != 0)
			a.value = fk.absval[nr - _IOC_NR(EVIOCGABS(0))];

		if (fk.fail_abs && nr - _IOC_NR(EVIOCGABS(0)) == ABS_Y)
			return -EINVAL;
		memcpy(arg, &a, sizeof(a));
		return 0;
	}
	switch (nr - _IOC_NR(EVIOCGBIT(0, 0))) {
	case 0:
		setbit(arg, EV_SYN);
		setbit(arg, EV_KEY);
		setbit(arg, EV_ABS);
		setbit(arg, EV_LED);
		setbit(arg, EV_REP);
		setbit(arg, EV_SW);
		return 0;
	case EV_KEY:
		setbit(arg, KEY_A);
		setbit(arg, BTN_TOUCH);
		return 0;
	case EV_ABS:
		setbit(arg, ABS_X);
		setbit(arg, ABS_Y);
		if (fk.mt) {
			setbit(arg, ABS_MT_SLOT);
			setbit(arg, ABS_MT_POSITION_X);
			setbit(arg, ABS_MT_POSITION_Y);
			setbit(arg, ABS_MT_TRACKING_ID);
		}
		return 0;
	case EV_LED:
		setbit(arg, LED_CAPSL);
		return 0;
	case EV_SW:
		setbit(arg, SW_LID);
		return 0;
	default:
		return 0;
	}
}

static long
fk_read(int fd, void *buf, unsigned long len)
{
	unsigned long n = 0;

	assert_int_equal(fd, FAKE_FD);
	if (!fk.present)
		return -ENODEV;
	if (fk.nq == 0)
		return -EAGAIN;
	while (n < fk.nq && (n + 1) * sizeof(fk.q[0]) <= len)
		n++;
	memcpy(buf, fk.q, n * sizeof(fk.q[0]));
	memmove(fk.q, fk.q + n, (fk.nq - n) * sizeof(fk.q[0]));
	fk.nq -= (unsigned int)n;
	return (long)(n * sizeof(fk.q[0]));
}

static long
fk_write(int fd, const void *buf, unsigned long len)
{
	assert_int_equal(fd, FAKE_FD);
	assert_int_equal(len, sizeof(struct input_event));
	assert_true(fk.nwritten < 8);
	memcpy(&fk.written[fk.nwritten++], buf, len);
	return (long)len;
}

static const struct input_evdev_sys fk_sys = {
	fk_open, fk_close, fk_ioctl, fk_read, fk_write,
};

static void
fk_push(uint16_t type, uint16_t code, int32_t value)
{
	fk.q[fk.nq++] = (struct input_event){ .type = type, .code = code, .value = value };
}

static struct fx *
fx_evdev_mt(bool grab, bool mt)
{
	struct input_src *s;

	memset(&fk, 0, sizeof(fk));
	fk.present = true;
	fk.mt = mt;
	assert_int_equal(input_evdev_create("/dev/input/event9", grab, &fk_sys, &s), 0);
	return fx_new(s, 0, FEAT);
}

static struct fx *
fx_evdev(bool grab)
{
	return fx_evdev_mt(grab, false);
}

/* The fd callback the source registered. */
static void
fx_readable(struct fx *f)
{
	assert_int_equal(f->th.nwatch, 1);
	assert_int_equal(f->th.watch[0].fd, FAKE_FD);
	f->th.watch[0].cb(f->th.watch[0].arg, FAKE_FD, 0);
	fx_collect(f);
}

/* Eight buffers posted, KEY_A pressed on the host and seen by the guest. */
static void
press_a(struct fx *f)
{
	fx_post(f, 8);
	fk_push(EV_KEY, KEY_A, 1);
	fk_push(EV_SYN, SYN_REPORT, 0);
	fx_readable(f);
	assert_int_equal(f->ngot, 2);
}

static void
test_evdev_config(void **state)
{
	struct fx *f = fx_evdev(false);
	struct input_config c;
	struct input_cfg_devids d;
	struct input_cfg_absinfo a;

	(void)state;
	fx_cfg(f, INPUT_CFG_ID_NAME, 0, &c);
	/* Non-UTF-8 bytes and control characters replaced; upstream panics here. */
	assert_int_equal(c.size, strlen("Logi?? Pad?"));
	assert_memory_equal(c.u, "Logi?? Pad?", c.size);
	fx_cfg(f, INPUT_CFG_ID_SERIAL, 0, &c);
	assert_int_equal(c.size, 5);
	assert_memory_equal(c.u, "SN-42", 5);
	fx_cfg(f, INPUT_CFG_ID_DEVIDS, 0, &c);
	memcpy(&d, c.u, sizeof(d));
	assert_int_equal(le16toh(d.bustype), BUS_USB);
	assert_int_equal(le16toh(d.product), 0xc52b);
	assert_int_equal(le16toh(d.version), 0x0111);
	fx_cfg(f, INPUT_CFG_PROP_BITS, 0, &c);
	assert_int_equal(c.size, 1);
	assert_true(input_bit_test(c.u, INPUT_PROP_DIRECT));
	fx_cfg(f, INPUT_CFG_ABS_INFO, ABS_X, &c);
	assert_int_equal(c.size, 20);
	memcpy(&a, c.u, sizeof(a));
	assert_int_equal((int32_t)le32toh(a.min), -10);
	assert_int_equal(le32toh(a.max), 1000);
	assert_int_equal(le32toh(a.fuzz), 1);
	assert_int_equal(le32toh(a.flat), 2);
	assert_int_equal(le32toh(a.res), 3);
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_SW, &c);
	assert_int_equal(c.size, 1);
	assert_true(input_bit_test(c.u, SW_LID));
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_REP, &c);
	assert_true(c.size > 0);
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_LED, &c);
	assert_true(input_bit_test(c.u, LED_CAPSL));
	assert_false(fk.grabbed);
	fx_free(f);
	assert_int_equal(fk.closes, 1);
}

/* An axis whose range cannot be read is not offered. */
static void
test_evdev_abs_failure(void **state)
{
	struct input_src *s;
	struct fx *f;
	struct input_config c;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	fk.present = true;
	fk.fail_abs = true;
	assert_int_equal(input_evdev_create("/dev/input/event9", false, &fk_sys, &s), 0);
	f = fx_new(s, 0, FEAT);
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_ABS, &c);
	assert_int_equal(c.u[0], 1u << ABS_X);
	fx_cfg(f, INPUT_CFG_ABS_INFO, ABS_Y, &c);
	assert_int_equal(c.size, 0);
	fx_free(f);
}

static void
test_evdev_open_errors(void **state)
{
	struct input_src *s;

	(void)state;
	memset(&fk, 0, sizeof(fk));
	assert_int_equal(input_evdev_create("/dev/input/event9", false, &fk_sys, &s), -ENOENT);
	/* Read-only access still works (no LEDs then). */
	fk.present = true;
	fk.rdonly = true;
	assert_int_equal(input_evdev_create("/dev/input/event9", true, &fk_sys, &s), 0);
	assert_true(fk.grabbed);
	s->ops->destroy(s);
	assert_int_equal(fk.closes, 1);
}

static void
test_evdev_events_and_leds(void **state)
{
	struct fx *f = fx_evdev(true);
	struct input_wire_event *w = vhd_test_alloc(&f->sq, sizeof(*w));
	struct vhd_fe_buf b = { w, sizeof(*w) };

	(void)state;
	assert_true(fk.grabbed);
	fx_post(f, 8);
	fk_push(EV_KEY, KEY_A, 1);
	fk_push(EV_SYN, SYN_REPORT, 0);
	fk_push(EV_ABS, ABS_X, 300);
	fx_readable(f);
	assert_int_equal(f->ngot, 2);
	assert_int_equal(f->got[0].code, KEY_A);
	fk_push(EV_SYN, SYN_REPORT, 0);
	fx_readable(f);
	assert_int_equal(f->ngot, 4);
	assert_int_equal(f->got[2].value, 300);
	/* The guest's caps lock goes to the host device. */
	w->type = htole16(EV_LED);
	w->code = htole16(LED_CAPSL);
	w->value = htole32(1);
	assert_true(vhd_test_post(&f->sq, &b, 1, 0, false) >= 0);
	vhd_test_host_serve(&f->th, &f->sq, &input_dev_ops, f->dev, INPUT_STATUSQ);
	assert_int_equal(fk.nwritten, 1);
	assert_int_equal(fk.written[0].type, EV_LED);
	assert_int_equal(fk.written[0].code, LED_CAPSL);
	assert_int_equal(fk.written[0].value, 1);
	/* An LED the device does not have is not written. */
	w->code = htole16(LED_NUML);
	assert_true(vhd_test_post(&f->sq, &b, 1, 0, false) >= 0);
	vhd_test_host_serve(&f->th, &f->sq, &input_dev_ops, f->dev, INPUT_STATUSQ);
	assert_int_equal(fk.nwritten, 1);
	fx_free(f);
}

/*
 * SYN_DROPPED from the host: that batch is dropped whole; the kernel's state
 * is read again at its SYN_REPORT, and the resync brings the guest to it (a
 * release the host lost included).
 */
static void
test_evdev_syn_dropped(void **state)
{
	struct fx *f = fx_evdev(false);

	(void)state;
	press_a(f);
	/* The kernel lost KEY_A's release and an ABS_X move. */
	fk_push(EV_SYN, SYN_DROPPED, 0);
	fk_push(EV_ABS, ABS_Y, 9);
	fk_push(EV_SYN, SYN_REPORT, 0);
	fk.absval[ABS_X] = 77;
	fk.absval[ABS_Y] = 9;
	fx_readable(f);
	assert_int_equal(input_dev_stats(f->dev)->batches_dropped, 1);
	assert_int_equal(input_dev_stats(f->dev)->resyncs, 1);
	/* Resync: A released, X at 77, Y at 9, SYN. */
	assert_int_equal(f->ngot, 6);
	assert_int_equal(f->got[2].code, KEY_A);
	assert_int_equal(f->got[2].value, 0);
	assert_int_equal(f->got[3].code, ABS_X);
	assert_int_equal(f->got[3].value, 77);
	assert_int_equal(f->got[4].code, ABS_Y);
	assert_int_equal(f->got[4].value, 9);
	assert_int_equal(f->got[5].type, EV_SYN);
	fx_free(f);
}

/*
 * SYN_DROPPED on a touchscreen: the slots are read again (EVIOCGMTSLOTS)
 * with the rest, so the resync has the contact that began in a lost batch
 * (slot 1: tracking id 5 at 100,200) and ends on the kernel's current slot;
 * slots that did not change are not in it.
 */
static void
test_evdev_syn_dropped_mt(void **state)
{
	struct fx *f = fx_evdev_mt(false, true);
	unsigned int i, k;

	(void)state;
	for (k = 0; k < 4; k++)
		fk.mtval[ABS_MT_TRACKING_ID - ABS_MT_SLOT - 1][k] = -1;
	press_a(f);
	fk_push(EV_SYN, SYN_DROPPED, 0);
	fk_push(EV_ABS, ABS_MT_SLOT, 1);
	fk_push(EV_SYN, SYN_REPORT, 0);
	fk.mtval[ABS_MT_TRACKING_ID - ABS_MT_SLOT - 1][1] = 5;
	fk.mtval[ABS_MT_POSITION_X - ABS_MT_SLOT - 1][1] = 100;
	fk.mtval[ABS_MT_POSITION_Y - ABS_MT_SLOT - 1][1] = 200;
	fk.mt_slot = 1;
	fk.keystate[KEY_A / 8] |= (uint8_t)(1u << (KEY_A % 8)); /* still held */
	fx_readable(f);
	assert_int_equal(input_dev_stats(f->dev)->batches_dropped, 1);
	assert_int_equal(input_dev_stats(f->dev)->resyncs, 1);
	/* after A's press and SYN: slot 1 with its three axes, the current slot, SYN */
	i = 2;
	assert_true(f->ngot > i);
	assert_int_equal(f->got[i].code, ABS_MT_SLOT);
	assert_int_equal(f->got[i].value, 1);
	for (k = i + 1; k < f->ngot && f->got[k].code != ABS_MT_SLOT && f->got[k].type != EV_SYN;
	     k++) {
		if (f->got[k].code == ABS_MT_TRACKING_ID)
			assert_int_equal(f->got[k].value, 5);
		else if (f->got[k].code == ABS_MT_POSITION_X)
			assert_int_equal(f->got[k].value, 100);
		else if (f->got[k].code == ABS_MT_POSITION_Y)
			assert_int_equal(f->got[k].value, 200);
		else
			fail_msg("unexpected code %u in the slot's resync", f->got[k].code);
	}
	assert_int_equal(k - i - 1, 3);
	assert_int_equal(f->got[f->ngot - 1].type, EV_SYN);
	for (k = 2; k < f->ngot; k++)
		assert_false(f->got[k].type == EV_KEY); /* A is still down: no key event */
	fx_free(f);
}

/* Unplugged: held keys released, the app keeps serving; replugged: resumes, grabbed again. */
static void
test_evdev_unplug_replug(void **state)
{
	struct fx *f = fx_evdev(true);

	(void)state;
	press_a(f);
	fk.present = false;
	fx_readable(f);
	assert_int_equal(f->th.nwatch, 0);
	assert_int_equal(fk.closes, 1);
	assert_int_equal(f->ngot, 4);
	assert_int_equal(f->got[2].code, KEY_A);
	assert_int_equal(f->got[2].value, 0);
	/* Still gone a second later: retried, still serving. */
	vhd_test_host_advance(&f->th, 1000000000ULL);
	assert_int_equal(f->th.nwatch, 0);
	assert_int_equal(f->th.ntimers, 1);
	fk.present = true;
	vhd_test_host_advance(&f->th, 1000000000ULL);
	assert_int_equal(f->th.nwatch, 1);
	assert_true(fk.grabbed);
	fk_push(EV_KEY, KEY_A, 1);
	fk_push(EV_SYN, SYN_REPORT, 0);
	fx_readable(f);
	assert_int_equal(f->ngot, 6);
	fx_free(f);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_evdev_config),
		cmocka_unit_test(test_evdev_abs_failure),
		cmocka_unit_test(test_evdev_open_errors),
		cmocka_unit_test(test_evdev_events_and_leds),
		cmocka_unit_test(test_evdev_syn_dropped),
		cmocka_unit_test(test_evdev_syn_dropped_mt),
		cmocka_unit_test(test_evdev_unplug_replug),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
