/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virtio-input device over the simulated sources: every config select,
 * batching per SYN_REPORT with and without EVENT_IDX, batches larger than
 * the guest's buffers, whole-batch drops and the resync batch, the status
 * queue, malformed buffers, name sanitizing.
 */

#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/input.h>

#include "input_fx.h"

static struct fx *
sim(enum input_sim_kind k, unsigned int qev, uint64_t feat)
{
	struct input_src *s;

	assert_int_equal(input_sim_create(k, NULL, &s), 0);
	return fx_new(s, qev, feat);
}

static void
test_config_keyboard(void **state)
{
	struct fx *f = sim(INPUT_SIM_KEYBOARD, 0, FEAT);
	const char *name = "vhost-device-input sim-keyboard";
	struct input_config c;
	struct input_cfg_devids d;

	(void)state;
	fx_cfg(f, INPUT_CFG_ID_NAME, 0, &c);
	/* Sized exactly: no NULs counted (upstream reports 128). */
	assert_int_equal(c.size, strlen(name));
	assert_memory_equal(c.u, name, strlen(name));
	fx_cfg(f, INPUT_CFG_ID_SERIAL, 0, &c);
	assert_int_equal(c.size, strlen("vhd-sim-keyboard"));
	assert_memory_equal(c.u, "vhd-sim-keyboard", c.size);
	fx_cfg(f, INPUT_CFG_ID_DEVIDS, 0, &c);
	assert_int_equal(c.size, 8);
	memcpy(&d, c.u, sizeof(d));
	assert_int_equal(le16toh(d.bustype), BUS_VIRTUAL);
	assert_int_equal(le16toh(d.vendor), 0x1af4);
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_KEY, &c);
	assert_true(c.size >= KEY_A / 8 + 1);
	assert_true(input_bit_test(c.u, KEY_A));
	assert_false(input_bit_test(c.u, BTN_LEFT));
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_LED, &c);
	assert_int_equal(c.size, 1);
	assert_int_equal(c.u[0], 0x07);
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_REP, &c);
	assert_int_equal(c.size, 1);
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_MSC, &c);
	assert_true(input_bit_test(c.u, MSC_SCAN));
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_REL, &c);
	assert_int_equal(c.size, 0);
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_SYN, &c);
	assert_int_equal(c.size, 0);
	fx_cfg(f, INPUT_CFG_PROP_BITS, 0, &c);
	assert_int_equal(c.size, 0);
	fx_cfg(f, INPUT_CFG_ABS_INFO, ABS_X, &c);
	assert_int_equal(c.size, 0);
	/* Unknown selects and subsels answer size 0 with a zero payload. */
	fx_cfg(f, 0x55, 0, &c);
	assert_int_equal(c.size, 0);
	assert_int_equal(c.u[0], 0);
	fx_cfg(f, INPUT_CFG_ID_NAME, 1, &c);
	assert_int_equal(c.size, 0);
	fx_cfg(f, INPUT_CFG_UNSET, 0, &c);
	assert_int_equal(c.size, 0);
	fx_free(f);
}

static void
test_config_mouse(void **state)
{
	struct fx *f = sim(INPUT_SIM_MOUSE, 0, FEAT);
	struct input_config c;

	(void)state;
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_REL, &c);
	assert_int_equal(c.size, 2);
	assert_true(input_bit_test(c.u, REL_X) && input_bit_test(c.u, REL_Y));
	assert_true(input_bit_test(c.u, REL_WHEEL));
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_KEY, &c);
	assert_true(input_bit_test(c.u, BTN_LEFT));
	fx_cfg(f, INPUT_CFG_PROP_BITS, 0, &c);
	assert_int_equal(c.size, 1);
	assert_true(input_bit_test(c.u, INPUT_PROP_POINTER));
	fx_free(f);
}

static void
test_config_tablet_abs(void **state)
{
	struct fx *f = sim(INPUT_SIM_TABLET, 0, FEAT);
	struct input_config c;
	struct input_cfg_absinfo a;

	(void)state;
	fx_cfg(f, INPUT_CFG_EV_BITS, EV_ABS, &c);
	assert_int_equal(c.size, 1);
	assert_int_equal(c.u[0], 0x03);
	fx_cfg(f, INPUT_CFG_ABS_INFO, ABS_Y, &c);
	assert_int_equal(c.size, sizeof(a));
	memcpy(&a, c.u, sizeof(a));
	assert_int_equal(le32toh(a.min), 0);
	assert_int_equal(le32toh(a.max), 32767);
	assert_int_equal(le32toh(a.res), 100);
	fx_cfg(f, INPUT_CFG_ABS_INFO, ABS_Z, &c);
	assert_int_equal(c.size, 0);
	fx_cfg(f, INPUT_CFG_ABS_INFO, 0xff, &c);
	assert_int_equal(c.size, 0);
	fx_free(f);
}

static void
test_config_touch_mt(void **state)
{
	struct fx *f = sim(INPUT_SIM_TOUCH, 0, FEAT);
	struct input_config c;
	struct input_cfg_absinfo a;

	(void)state;
	fx_cfg(f, INPUT_CFG_PROP_BITS, 0, &c);
	assert_int_equal(c.size, 1);
	assert_true(input_bit_test(c.u, INPUT_PROP_DIRECT));
	fx_cfg(f, INPUT_CFG_ABS_INFO, ABS_MT_SLOT, &c);
	memcpy(&a, c.u, sizeof(a));
	assert_int_equal(le32toh(a.max), 9);
	fx_cfg(f, INPUT_CFG_ABS_INFO, ABS_MT_POSITION_X, &c);
	memcpy(&a, c.u, sizeof(a));
	assert_int_equal(le32toh(a.max), 4095);
	assert_int_equal(le32toh(a.fuzz), 4);
	assert_int_equal(le32toh(a.flat), 8);
	assert_int_equal(le32toh(a.res), 16);
	fx_free(f);
}

/* Linux writes select and subsel as single bytes; QEMU forwards 136-byte writes. */
static void
test_config_writes(void **state)
{
	struct fx *f = sim(INPUT_SIM_KEYBOARD, 0, FEAT);
	struct input_config c, w;

	(void)state;
	memset(&w, 0xaa, sizeof(w));
	w.select = INPUT_CFG_EV_BITS;
	w.subsel = EV_LED;
	assert_int_equal(input_dev_ops.set_config(f->dev, (uint8_t *)&w, 0, sizeof(w)), 0);
	assert_int_equal(input_dev_ops.get_config(f->dev, (uint8_t *)&c, 0, sizeof(c)), 0);
	assert_int_equal(c.size, 1);
	assert_int_equal(c.u[0], 0x07);
	/* A write at offset 1 moves subsel only. */
	w.subsel = EV_REP;
	assert_int_equal(input_dev_ops.set_config(f->dev, &w.subsel, 1, 1), 0);
	assert_int_equal(input_dev_ops.get_config(f->dev, (uint8_t *)&c, 0, sizeof(c)), 0);
	assert_int_equal(c.select, INPUT_CFG_EV_BITS);
	assert_int_equal(c.subsel, EV_REP);
	/* Out of range. */
	assert_int_not_equal(input_dev_ops.set_config(f->dev, (uint8_t *)&w, 100, 100), 0);
	assert_int_not_equal(input_dev_ops.get_config(f->dev, (uint8_t *)&c, 137, 1), 0);
	/* Partial reads see the same window. */
	assert_int_equal(input_dev_ops.get_config(f->dev, (uint8_t *)&c, 2, 1), 0);
	assert_int_equal(((uint8_t *)&c)[0], 1);
	fx_free(f);
}

/* Events wait for SYN_REPORT, then reach held buffers; run with and without EVENT_IDX. */
static void
batching(uint64_t feat)
{
	struct fx *f = sim(INPUT_SIM_KEYBOARD, 0, feat);

	fx_post(f, 4);
	assert_int_equal(input_dev_held(f->dev), 4);
	fx_ev(f, EV_KEY, KEY_A, 1);
	assert_int_equal(f->ngot, 0);
	fx_syn(f);
	assert_int_equal(f->ngot, 2);
	assert_int_equal(f->got[0].type, EV_KEY);
	assert_int_equal(f->got[0].code, KEY_A);
	assert_int_equal(f->got[0].value, 1);
	assert_int_equal(f->got[1].type, EV_SYN);
	assert_int_equal(f->got[1].code, SYN_REPORT);
	assert_int_equal(input_dev_held(f->dev), 2);
	/* The guest was told: a call went out. */
	assert_true(f->eq.vq.stats.calls + f->eq.vq.stats.calls_suppressed > 0);
	fx_free(f);
}

static void
test_batching_no_event_idx(void **state)
{
	(void)state;
	batching(FEAT);
}

static void
test_batching_event_idx(void **state)
{
	(void)state;
	batching(FEAT | VHD_BIT(VHD_F_RING_EVENT_IDX));
}

/* A batch of 10 events with the guest's 4 buffers arrives whole, in order. */
static void
test_batch_larger_than_buffers(void **state)
{
	struct fx *f = sim(INPUT_SIM_TOUCH, 0, FEAT);
	unsigned int i;

	(void)state;
	fx_post(f, 4);
	for (i = 0; i < 9; i++)
		fx_ev(f, EV_ABS, ABS_X, (int32_t)i);
	fx_syn(f);
	assert_int_equal(f->ngot, 4);
	assert_int_equal(input_dev_pending(f->dev), 6);
	fx_post(f, 4);
	fx_post(f, 4);
	assert_int_equal(f->ngot, 10);
	for (i = 0; i < 9; i++)
		assert_int_equal(f->got[i].value, (int32_t)i);
	assert_int_equal(f->got[9].type, EV_SYN);
	assert_int_equal(input_dev_held(f->dev), 2);
	fx_free(f);
}

/* Every batch the guest sees ends in SYN_REPORT: no partial batch. */
static void
assert_whole_batches(const struct fx *f)
{
	assert_true(f->ngot > 0);
	assert_int_equal(f->got[f->ngot - 1].type, EV_SYN);
}

/*
 * Overflow: batches beyond the queue are dropped whole; the key released
 * in a dropped batch comes back as a release in the resync, so no key
 * stays held in the guest.
 */
static void
test_overflow_resync(void **state)
{
	struct fx *f = sim(INPUT_SIM_KEYBOARD, 8, FEAT);
	const struct input_dev_stats *st = input_dev_stats(f->dev);
	bool a_held = false;
	unsigned int i;

	(void)state;
	fx_ev(f, EV_KEY, KEY_A, 1);
	fx_syn(f);
	for (i = 0; i < 10; i++) {
		fx_ev(f, EV_KEY, KEY_B, 1);
		fx_ev(f, EV_KEY, KEY_B, 0);
		fx_syn(f);
	}
	fx_ev(f, EV_KEY, KEY_A, 0);
	fx_syn(f);
	/* 2 (A) + 3 (B) + 3 (B) fill 8; the rest, A's release included, are dropped. */
	assert_int_equal(st->batches, 3);
	assert_int_equal(st->batches_dropped, 9);
	assert_int_equal(st->resyncs, 0);
	while (input_dev_pending(f->dev) > 0 || st->resyncs == 0)
		fx_post(f, 2);
	fx_post(f, 4);
	assert_int_equal(st->resyncs, 1);
	assert_whole_batches(f);
	for (i = 0; i < f->ngot; i++)
		if (f->got[i].type == EV_KEY && f->got[i].code == KEY_A)
			a_held = f->got[i].value != 0;
	assert_false(a_held);
	/* Resync: exactly A released + SYN. */
	assert_int_equal(f->ngot, 10);
	assert_int_equal(f->got[8].code, KEY_A);
	assert_int_equal(f->got[8].value, 0);
	fx_free(f);
}

/* A batch longer than INPUT_BATCH_MAX is dropped whole, and resynced. */
static void
test_overlong_batch(void **state)
{
	struct fx *f = sim(INPUT_SIM_TABLET, 0, FEAT);
	const struct input_dev_stats *st = input_dev_stats(f->dev);
	unsigned int i;

	(void)state;
	fx_post(f, 8);
	for (i = 0; i < INPUT_BATCH_MAX + 10; i++)
		fx_ev(f, EV_ABS, ABS_X, (int32_t)i + 1);
	assert_int_equal(f->ngot, 0);
	fx_syn(f);
	assert_int_equal(st->batches_dropped, 1);
	assert_int_equal(st->resyncs, 1);
	/* Resync: ABS_X at its final value, SYN. */
	assert_int_equal(f->ngot, 2);
	assert_int_equal(f->got[0].code, ABS_X);
	assert_int_equal(f->got[0].value, INPUT_BATCH_MAX + 10);
	fx_free(f);
}

/* Multitouch: a contact lifted in a dropped batch is lifted by the resync. */
static void
test_mt_resync(void **state)
{
	struct fx *f = sim(INPUT_SIM_TOUCH, 6, FEAT);
	const struct input_dev_stats *st = input_dev_stats(f->dev);
	int32_t tid[2] = { -1, -1 }, slot = 0;
	unsigned int i;

	(void)state;
	fx_ev(f, EV_ABS, ABS_MT_SLOT, 1);
	fx_ev(f, EV_ABS, ABS_MT_TRACKING_ID, 7);
	fx_ev(f, EV_ABS, ABS_MT_POSITION_X, 100);
	fx_ev(f, EV_KEY, BTN_TOUCH, 1);
	fx_syn(f);
	/* Queue full (5 of 6); the lift is dropped. */
	fx_ev(f, EV_ABS, ABS_MT_TRACKING_ID, -1);
	fx_ev(f, EV_KEY, BTN_TOUCH, 0);
	fx_syn(f);
	assert_int_equal(st->batches_dropped, 1);
	for (i = 0; i < 6; i++)
		fx_post(f, 2);
	assert_int_equal(st->resyncs, 1);
	assert_whole_batches(f);
	for (i = 0; i < f->ngot; i++) {
		if (f->got[i].type == EV_ABS && f->got[i].code == ABS_MT_SLOT)
			slot = f->got[i].value;
		if (f->got[i].type == EV_ABS && f->got[i].code == ABS_MT_TRACKING_ID &&
		    slot < 2)
			tid[slot] = f->got[i].value;
	}
	assert_int_equal(tid[1], -1);
	assert_int_equal(f->got[f->ngot - 2].code, ABS_MT_SLOT);
	fx_free(f);
}

/* Status queue: a guest LED lands on the simulated keyboard; bad buffers counted. */
static void
test_statusq_led(void **state)
{
	struct fx *f = sim(INPUT_SIM_KEYBOARD, 0, FEAT);
	const struct input_dev_stats *st = input_dev_stats(f->dev);
	struct input_wire_event *w = vhd_test_alloc(&f->sq, sizeof(*w));
	uint8_t *shortb = vhd_test_alloc(&f->sq, 4);
	struct vhd_fe_buf b = { w, sizeof(*w) }, s = { shortb, 4 };
	uint16_t id;
	uint32_t len;

	(void)state;
	w->type = htole16(EV_LED);
	w->code = htole16(LED_CAPSL);
	w->value = htole32(1);
	assert_true(vhd_test_post(&f->sq, &b, 1, 0, false) >= 0);
	assert_true(vhd_test_post(&f->sq, &s, 1, 0, false) >= 0);
	assert_true(vhd_test_post(&f->sq, &b, 0, 1, false) >= 0);
	vhd_test_host_serve(&f->th, &f->sq, &input_dev_ops, f->dev, INPUT_STATUSQ);
	assert_int_equal(input_sim_leds(f->src), 1u << LED_CAPSL);
	assert_int_equal(st->status_events, 1);
	assert_int_equal(st->bad_status_bufs, 2);
	/* Every buffer comes back. */
	assert_int_equal(vhd_test_used(&f->sq, &id, &len), 1);
	assert_int_equal(vhd_test_used(&f->sq, &id, &len), 1);
	assert_int_equal(vhd_test_used(&f->sq, &id, &len), 1);
	fx_free(f);
}

/* Malformed eventq buffers: used length 0, counted, the queue keeps going. */
static void
test_bad_event_buffers(void **state)
{
	struct fx *f = sim(INPUT_SIM_KEYBOARD, 0, FEAT);
	const struct input_dev_stats *st = input_dev_stats(f->dev);
	uint8_t *small = vhd_test_alloc(&f->eq, 4);
	uint8_t *rd = vhd_test_alloc(&f->eq, 8);
	uint8_t *two = vhd_test_alloc(&f->eq, 8);
	struct vhd_fe_buf b1 = { small, 4 }, b2[2] = { { rd, 8 }, { rd, 8 } };
	struct vhd_fe_buf split[2] = { { two, 3 }, { two + 3, 5 } };
	uint16_t id;
	uint32_t len;
	struct input_wire_event w;

	(void)state;
	assert_true(vhd_test_post(&f->eq, &b1, 0, 1, false) >= 0);
	assert_true(vhd_test_post(&f->eq, b2, 1, 1, false) >= 0);
	vhd_test_host_serve(&f->th, &f->eq, &input_dev_ops, f->dev, INPUT_EVENTQ);
	assert_int_equal(st->bad_event_bufs, 2);
	assert_int_equal(vhd_test_used(&f->eq, &id, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(vhd_test_used(&f->eq, &id, &len), 1);
	assert_int_equal(len, 0);
	/* An event split over two segments is written across both. */
	assert_true(vhd_test_post(&f->eq, split, 0, 2, false) >= 0);
	vhd_test_host_serve(&f->th, &f->eq, &input_dev_ops, f->dev, INPUT_EVENTQ);
	assert_int_equal(input_dev_held(f->dev), 1);
	input_dev_event(f->dev, &(struct input_ev){ EV_SYN, SYN_REPORT, 0 });
	assert_int_equal(vhd_test_used(&f->eq, &id, &len), 1);
	assert_int_equal(len, 8);
	memcpy(&w, two, sizeof(w));
	assert_int_equal(le16toh(w.type), EV_SYN);
	fx_free(f);
}

/* Upstream panics on a non-UTF-8 name; ours is cleaned, sized exactly, bounded. */
static void
test_name_clean(void **state)
{
	char out[INPUT_NAME_MAX + 1];
	char longname[300];

	(void)state;
	assert_int_equal(input_name_clean(out, "\xff\xfe" "Bad\x01Name", 63), 10);
	assert_string_equal(out, "??Bad?Name");
	assert_int_equal(input_name_clean(out, "caf\xc3\xa9", 63), 5);
	assert_string_equal(out, "caf\xc3\xa9");
	/* Overlong encoding, surrogate, truncated sequence. */
	input_name_clean(out, "\xc0\xaf|\xed\xa0\x80|\xe2\x82", 63);
	assert_string_equal(out, "??|???|??");
	/* Cut on a character boundary. */
	assert_int_equal(input_name_clean(out, "ab\xc3\xa9", 3), 2);
	assert_string_equal(out, "ab");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(input_name_clean(out, longname, INPUT_NAME_MAX), INPUT_NAME_MAX);
}

/* Stats are reported through get_stats. */
static void
put_count(void *ctx, const char *name, uint64_t v)
{
	unsigned int *n = ctx;

	(void)v;
	if (strcmp(name, "batches_dropped") == 0 || strcmp(name, "resyncs") == 0 ||
	    strcmp(name, "sim_commands") == 0)
		(*n)++;
}

static void
test_stats(void **state)
{
	struct fx *f = sim(INPUT_SIM_MOUSE, 0, FEAT);
	unsigned int n = 0;

	(void)state;
	input_dev_ops.get_stats(f->dev, put_count, &n);
	assert_int_equal(n, 3);
	fx_free(f);
}

/* The control socket drives the simulated device; bad lines get an error. */
static void
ctl_cmd(int fd, const char *cmd, char *reply, size_t len, struct fx *f, int ctlfd_watch)
{
	ssize_t n;

	assert_int_equal(write(fd, cmd, strlen(cmd)), (ssize_t)strlen(cmd));
	f->th.watch[ctlfd_watch].cb(f->th.watch[ctlfd_watch].arg, f->th.watch[ctlfd_watch].fd,
				    0);
	n = read(fd, reply, len - 1);
	assert_true(n > 0);
	reply[n] = '\0';
	fx_collect(f);
}

static void
test_sim_control(void **state)
{
	char dir[] = "/tmp/vhd-input-ut-XXXXXX";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct input_src *s;
	struct fx *f;
	char reply[128];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl", dir);
	assert_int_equal(input_sim_create(INPUT_SIM_KEYBOARD, sa.sun_path, &s), 0);
	f = fx_new(s, 0, FEAT);
	assert_int_equal(f->th.nwatch, 1);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	fx_post(f, 4);
	ctl_cmd(fd, "key 30 1\n", reply, sizeof(reply), f, 0);
	assert_string_equal(reply, "ok\n");
	assert_int_equal(f->ngot, 0);
	ctl_cmd(fd, "syn\n", reply, sizeof(reply), f, 0);
	assert_int_equal(f->ngot, 2);
	assert_int_equal(f->got[0].code, 30);
	ctl_cmd(fd, "rel 0 5\n", reply, sizeof(reply), f, 0);
	assert_non_null(strstr(reply, "error"));
	ctl_cmd(fd, "key 99999 1\n", reply, sizeof(reply), f, 0);
	assert_non_null(strstr(reply, "error"));
	ctl_cmd(fd, "key 30 x\n", reply, sizeof(reply), f, 0);
	assert_non_null(strstr(reply, "error"));
	ctl_cmd(fd, "ping\n", reply, sizeof(reply), f, 0);
	assert_string_equal(reply, "pong\n");
	ctl_cmd(fd, "leds\n", reply, sizeof(reply), f, 0);
	assert_string_equal(reply, "leds 0x0\n");
	ctl_cmd(fd, "ev 4 4 458756\n", reply, sizeof(reply), f, 0);
	assert_string_equal(reply, "ok\n");
	close(fd);
	fx_free(f);
	rmdir(dir);
}

/*
 * Restart hook: the guest's view (what it received) is kept in the restart
 * state; a new device given it back (a restarted backend) resyncs the guest
 * from that view to its source's state: the key the guest saw pressed, not
 * pressed on the new source, is released in the first buffers, which it
 * takes through resubmitted() as the dead one held them.
 */
static void
test_restart_state(void **state)
{
	struct fx *f = sim(INPUT_SIM_KEYBOARD, 0, FEAT), *g;
	void *st = calloc(1, input_dev_ops.restart_state_size);
	struct vhd_req *req = malloc(sizeof(*req));
	struct vhd_fe_buf b;
	unsigned int i;

	(void)state;
	assert_non_null(st);
	assert_non_null(req);
	assert_true(input_dev_ops.restart_state_size <= VHD_RESTART_STATE_MAX);
	input_dev_ops.restart_state(f->dev, st, false);
	fx_post(f, 4);
	fx_ev(f, EV_KEY, KEY_A, 1);
	fx_syn(f);
	assert_int_equal(f->ngot, 2);
	fx_ev(f, EV_KEY, KEY_B, 1); /* not a whole batch: never received */
	input_dev_ops.restart_state(f->dev, NULL, false);
	fx_free(f);

	g = sim(INPUT_SIM_KEYBOARD, 0, FEAT);
	input_dev_ops.restart_state(g->dev, st, true);
	/* two buffers the dead one held come back */
	for (i = 0; i < 2; i++) {
		int head;

		b = (struct vhd_fe_buf){g->pool[i], sizeof(*g->pool[i])};
		head = vhd_test_post(&g->eq, &b, 0, 1, false);
		assert_true(head >= 0);
		g->slot_of_id[head] = (int)i;
		g->busy[i] = true;
		assert_int_equal(vhd_vq_pop(&g->eq.vq, req), 1);
		vhd_vq_push(&g->eq.vq, req->id,
			    (uint32_t)input_dev_ops.resubmitted(g->dev, INPUT_EVENTQ, &g->eq.vq,
								 req));
	}
	vhd_vq_flush(&g->eq.vq);
	fx_collect(g);
	assert_int_equal(g->ngot, 2);
	assert_int_equal(g->got[0].type, EV_KEY);
	assert_int_equal(g->got[0].code, KEY_A);
	assert_int_equal(g->got[0].value, 0);
	assert_int_equal(g->got[1].type, EV_SYN);
	/* held when nothing is pending: counted */
	b = (struct vhd_fe_buf){g->pool[2], sizeof(*g->pool[2])};
	assert_true(vhd_test_post(&g->eq, &b, 0, 1, false) >= 0);
	assert_int_equal(vhd_vq_pop(&g->eq.vq, req), 1);
	assert_int_equal(input_dev_ops.resubmitted(g->dev, INPUT_EVENTQ, &g->eq.vq, req),
			 VHD_REQ_HELD);
	assert_int_equal(input_dev_stats(g->dev)->restart_held, 1);
	/* a restored slot index out of range is bounded */
	memset(st, 0xff, input_dev_ops.restart_state_size);
	input_dev_ops.reset(g->dev);
	input_dev_ops.restart_state(g->dev, st, true);
	input_dev_ops.restart_state(g->dev, NULL, false);
	fx_free(g);
	free(req);
	free(st);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_keyboard),
		cmocka_unit_test(test_config_mouse),
		cmocka_unit_test(test_config_tablet_abs),
		cmocka_unit_test(test_config_touch_mt),
		cmocka_unit_test(test_config_writes),
		cmocka_unit_test(test_batching_no_event_idx),
		cmocka_unit_test(test_batching_event_idx),
		cmocka_unit_test(test_batch_larger_than_buffers),
		cmocka_unit_test(test_overflow_resync),
		cmocka_unit_test(test_restart_state),
		cmocka_unit_test(test_overlong_batch),
		cmocka_unit_test(test_mt_resync),
		cmocka_unit_test(test_statusq_led),
		cmocka_unit_test(test_bad_event_buffers),
		cmocka_unit_test(test_name_clean),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_sim_control),
	};

	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
