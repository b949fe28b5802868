/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Simulated input devices: a keyboard (keys, LEDs, autorepeat), a mouse
 * (buttons, relative axes, wheels), a tablet (absolute axes with ranges)
 * and a multitouch screen (MT slots, direct). Events come from a control
 * socket (lib/ctl), watched on the device's worker: "key C V", "rel C V",
 * "abs C V", "ev TYPE C V" queue one event, "syn" ends the batch
 * (SYN_REPORT); "leds" answers the LED bitmap the guest set; "subscribe"
 * streams status events as "status TYPE CODE VALUE" lines; "ping" answers
 * "pong" (the bare round trip, for perf). Every other reply is "ok" or
 * "error: ...".
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include <linux/input.h>

#include "input_src.h"
#include "vhd_ctl.h"

struct input_sim {
	struct input_src src;
	enum input_sim_kind kind;
	struct vhd_ctl *ctl;
	struct vhd_host *host;
	bool watched;
	input_sink_fn sink;
	void *sink_arg;
	uint32_t leds;
	uint64_t commands, bad_commands, status_seen;
};

static const char *const sim_names[] = {
	[INPUT_SIM_KEYBOARD] = "sim-keyboard",
	[INPUT_SIM_MOUSE] = "sim-mouse",
	[INPUT_SIM_TABLET] = "sim-tablet",
	[INPUT_SIM_TOUCH] = "sim-touch",
};

int
input_sim_kind_parse(const char *s, enum input_sim_kind *out)
{
	unsigned int i;

	for (i = 0; i < sizeof(sim_names) / sizeof(sim_names[0]); i++)
		if (strcmp(s, sim_names[i]) == 0) {
			*out = (enum input_sim_kind)i;
			return 0;
		}
	return -1;
}

static void
set_abs(struct input_info *in, unsigned int a, int32_t min, int32_t max, int32_t fuzz,
	int32_t flat, int32_t res)
{
	input_bit_set(in->bits[EV_ABS], a);
	in->abs[a].min = min;
	in->abs[a].max = max;
	in->abs[a].fuzz = fuzz;
	in->abs[a].flat = flat;
	in->abs[a].res = res;
	in->abs[a].value = min;
}

static void
sim_describe(struct input_sim *s)
{
	struct input_info *in = &s->src.info;
	unsigned int k;

	snprintf(in->name, sizeof(in->name), "vhost-device-input %s", sim_names[s->kind]);
	snprintf(in->serial, sizeof(in->serial), "vhd-%s", sim_names[s->kind]);
	in->bustype = BUS_VIRTUAL;
	in->vendor = 0x1af4;
	in->product = (uint16_t)(0x1100 + s->kind);
	in->version = 1;
	switch (s->kind) {
	case INPUT_SIM_KEYBOARD:
		for (k = KEY_ESC; k <= KEY_MICMUTE; k++)
			input_bit_set(in->bits[EV_KEY], k);
		input_bit_set(in->bits[EV_MSC], MSC_SCAN);
		input_bit_set(in->bits[EV_LED], LED_NUML);
		input_bit_set(in->bits[EV_LED], LED_CAPSL);
		input_bit_set(in->bits[EV_LED], LED_SCROLLL);
		input_bit_set(in->bits[EV_REP], REP_DELAY);
		input_bit_set(in->bits[EV_REP], REP_PERIOD);
		break;
	case INPUT_SIM_MOUSE:
		for (k = BTN_LEFT; k <= BTN_EXTRA; k++)
			input_bit_set(in->bits[EV_KEY], k);
		input_bit_set(in->bits[EV_REL], REL_X);
		input_bit_set(in->bits[EV_REL], REL_Y);
		input_bit_set(in->bits[EV_REL], REL_HWHEEL);
		input_bit_set(in->bits[EV_REL], REL_WHEEL);
		input_bit_set(in->prop, INPUT_PROP_POINTER);
		break;
	case INPUT_SIM_TABLET:
		for (k = BTN_LEFT; k <= BTN_MIDDLE; k++)
			input_bit_set(in->bits[EV_KEY], k);
		input_bit_set(in->bits[EV_REL], REL_WHEEL);
		set_abs(in, ABS_X, 0, 32767, 0, 0, 100);
		set_abs(in, ABS_Y, 0, 32767, 0, 0, 100);
		break;
	case INPUT_SIM_TOUCH:
		input_bit_set(in->bits[EV_KEY], BTN_TOUCH);
		set_abs(in, ABS_X, 0, 4095, 4, 8, 16);
		set_abs(in, ABS_Y, 0, 4095, 4, 8, 16);
		set_abs(in, ABS_MT_SLOT, 0, 9, 0, 0, 0);
		set_abs(in, ABS_MT_POSITION_X, 0, 4095, 4, 8, 16);
		set_abs(in, ABS_MT_POSITION_Y, 0, 4095, 4, 8, 16);
		set_abs(in, ABS_MT_TRACKING_ID, 0, 65535, 0, 0, 0);
		in->abs[ABS_MT_TRACKING_ID].value = -1;
		input_bit_set(in->prop, INPUT_PROP_DIRECT);
		break;
	}
}

static struct input_sim *
sim_of(struct input_src *src)
{
	return (struct input_sim *)src;
}

static int
parse_int(const char *t, long min, long max, long *out)
{
	char *end;
	long v;

	if (t == NULL)
		return -1;
	errno = 0;
	v = strtol(t, &end, 0);
	if (errno != 0 || end == t || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
type_of(const char *verb)
{
	if (strcmp(verb, "key") == 0)
		return EV_KEY;
	if (strcmp(verb, "rel") == 0)
		return EV_REL;
	if (strcmp(verb, "abs") == 0)
		return EV_ABS;
	return -1;
}

static void
sim_command(void *arg, struct vhd_ctl_conn *c, char *line)
{
	struct input_sim *s = arg;
	const struct input_info *in = &s->src.info;
	char *save = NULL;
	char *verb = strtok_r(line, " \t\r", &save);
	char *tok[4];
	char out[48];
	struct input_ev ev;
	long t, code, val;
	int n = 0, type;

	if (verb == NULL)
		return;
	while (n < 4 && (tok[n] = strtok_r(NULL, " \t\r", &save)) != NULL)
		n++;
	s->commands++;
	if (strcmp(verb, "ping") == 0 && n == 0) {
		vhd_ctl_reply(c, "pong\n");
		return;
	}
	if (strcmp(verb, "syn") == 0 && n == 0) {
		ev = (struct input_ev){ EV_SYN, SYN_REPORT, 0 };
		if (s->sink != NULL)
			s->sink(s->sink_arg, &ev);
		vhd_ctl_reply(c, "ok\n");
		return;
	}
	if (strcmp(verb, "leds") == 0 && n == 0) {
		snprintf(out, sizeof(out), "leds 0x%x\n", s->leds);
		vhd_ctl_reply(c, out);
		return;
	}
	if (strcmp(verb, "subscribe") == 0 && n == 0) {
		vhd_ctl_subscribe(c);
		vhd_ctl_reply(c, "ok\n");
		return;
	}
	type = type_of(verb);
	if (type >= 0 && n == 2) {
		t = type;
		tok[3] = tok[1];
		tok[1] = tok[0];
	} else if (strcmp(verb, "ev") == 0 && n == 3 && parse_int(tok[0], 1, EV_MAX, &t) == 0) {
		tok[3] = tok[2];
	} else {
		s->bad_commands++;
		vhd_ctl_reply(c, "error: usage: key|rel|abs CODE VALUE, ev TYPE CODE VALUE, syn, "
			      "leds, subscribe, ping\n");
		return;
	}
	if (parse_int(tok[1], 0, KEY_MAX, &code) != 0 || code >= INPUT_BITS_BYTES * 8 ||
	    !input_bit_test(in->bits[t], (unsigned int)code)) {
		s->bad_commands++;
		vhd_ctl_reply(c, "error: this device has no such code\n");
		return;
	}
	if (parse_int(tok[3], INT32_MIN, INT32_MAX, &val) != 0) {
		s->bad_commands++;
		vhd_ctl_reply(c, "error: bad value\n");
		return;
	}
	ev = (struct input_ev){ (uint16_t)t, (uint16_t)code, (int32_t)val };
	if (s->sink != NULL)
		s->sink(s->sink_arg, &ev);
	vhd_ctl_reply(c, "ok\n");
}

static void
sim_fd_cb(void *arg, int fd, uint32_t events)
{
	struct input_sim *s = arg;

	(void)fd;
	(void)events;
	vhd_ctl_service(s->ctl);
}

static int
sim_start(struct input_src *src, struct vhd_host *host, input_sink_fn sink, void *arg)
{
	struct input_sim *s = sim_of(src);
	int rc;

	s->sink = sink;
	s->sink_arg = arg;
	s->host = host;
	if (s->ctl == NULL || host->watch_fd == NULL)
		return 0;
	rc = host->watch_fd(host, vhd_ctl_fd(s->ctl), EPOLLIN, sim_fd_cb, s);
	s->watched = rc == 0;
	return rc;
}

static void
sim_status(struct input_src *src, const struct input_ev *ev)
{
	struct input_sim *s = sim_of(src);
	char out[64];

	s->status_seen++;
	if (ev->type == EV_LED && ev->code < 32) {
		if (ev->value != 0)
			s->leds |= 1u << ev->code;
		else
			s->leds &= ~(1u << ev->code);
	}
	if (s->ctl != NULL && vhd_ctl_subscribers(s->ctl) > 0) {
		snprintf(out, sizeof(out), "status %u %u %d\n", ev->type, ev->code, ev->value);
		vhd_ctl_publish(s->ctl, out);
	}
}

static void
sim_get_stats(struct input_src *src, void (*put)(void *ctx, const char *name, uint64_t v),
	      void *ctx)
{
	struct input_sim *s = sim_of(src);

	put(ctx, "sim_commands", s->commands);
	put(ctx, "sim_bad_commands", s->bad_commands);
	put(ctx, "sim_status", s->status_seen);
}

static void
sim_destroy(struct input_src *src)
{
	struct input_sim *s = sim_of(src);

	if (s->watched)
		s->host->unwatch_fd(s->host, vhd_ctl_fd(s->ctl));
	vhd_ctl_close(s->ctl);
	free(s);
}

static const struct input_src_ops sim_ops = {
	.start = sim_start,
	.status = sim_status,
	.get_stats = sim_get_stats,
	.destroy = sim_destroy,
};

int
input_sim_create(enum input_sim_kind kind, const char *ctl_path, struct input_src **out)
{
	struct input_sim *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return -ENOMEM;
	s->src.ops = &sim_ops;
	s->kind = kind;
	sim_describe(s);
	if (ctl_path != NULL) {
		rc = vhd_ctl_open(ctl_path, sim_command, s, &s->ctl);
		if (rc != 0) {
			free(s);
			return rc;
		}
	}
	*out = &s->src;
	return 0;
}

uint32_t
input_sim_leds(const struct input_src *src)
{
	return ((const struct input_sim *)src)->leds;
}
