/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Host evdev nodes (/dev/input/eventN) as input sources. Everything goes
 * through struct input_evdev_sys so that tests run it over a fake table of
 * ioctl results. The fd is non-blocking and watched on the device's worker;
 * reads are bounded per wake-up. When the node goes away (ENODEV) the
 * source releases the keys it had reported held, logs once, and retries the
 * same path every second on a worker timer; --grab is taken again when it
 * is back.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/input.h>

#include "input_dev.h" /* INPUT_MT_SLOTS */
#include "input_src.h"

#define EVDEV_READ_BATCH 64
#define EVDEV_READS_PER_WAKE 8
#define EVDEV_RETRY_NS 1000000000ULL

struct input_evdev {
	struct input_src src;
	const struct input_evdev_sys *sys;
	char *path;
	bool grab;
	int fd;
	bool writable;
	bool watched;
	bool gone_logged;
	struct vhd_host *host;
	struct vhd_timer retry;
	input_sink_fn sink;
	void *sink_arg;
	uint8_t keys[KEY_CNT / 8]; /* keys reported held, released on unplug */
	bool dropped;              /* SYN_DROPPED seen: re-read the state at the next SYN_REPORT */
	uint64_t reads, events, unplugs, replugs, status_written, status_failed, syn_dropped;
};

static int
real_open(const char *path, int flags)
{
	int fd = open(path, flags);

	return fd < 0 ? -errno : fd;
}

static int
real_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg) < 0 ? -errno : 0;
}

static long
real_read(int fd, void *buf, unsigned long len)
{
	ssize_t n = read(fd, buf, len);

	return n < 0 ? -errno : n;
}

static long
real_write(int fd, const void *buf, unsigned long len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : n;
}

const struct input_evdev_sys input_evdev_sys_real = {
	.open = real_open,
	.close = close,
	.ioctl = real_ioctl,
	.read = real_read,
	.write = real_write,
};

static struct input_evdev *
ed_of(struct input_src *src)
{
	return (struct input_evdev *)src;
}

/* Everything the config space reports, read once at create. */
static int
evdev_describe(struct input_evdev *e)
{
	const struct input_evdev_sys *sys = e->sys;
	struct input_info *in = &e->src.info;
	struct {
		struct input_absinfo a;
	} ab;
	struct input_id id;
	uint8_t types[EV_CNT / 8 + 1] = {0};
	unsigned int t, a;
	int rc;

	rc = sys->ioctl(e->fd, EVIOCGNAME(sizeof(in->name) - 1), in->name);
	if (rc < 0)
		return rc;
	in->name[sizeof(in->name) - 1] = '\0';
	if (sys->ioctl(e->fd, EVIOCGUNIQ(sizeof(in->serial) - 1), in->serial) < 0)
		in->serial[0] = '\0';
	in->serial[sizeof(in->serial) - 1] = '\0';
	if (sys->ioctl(e->fd, EVIOCGID, &id) == 0) {
		in->bustype = id.bustype;
		in->vendor = id.vendor;
		in->product = id.product;
		in->version = id.version;
	}
	if (sys->ioctl(e->fd, EVIOCGPROP(sizeof(in->prop)), in->prop) < 0)
		memset(in->prop, 0, sizeof(in->prop));
	rc = sys->ioctl(e->fd, EVIOCGBIT(0, sizeof(types)), types);
	if (rc < 0)
		return rc;
	for (t = 1; t < EV_CNT; t++) {
		if (!input_bit_test(types, t))
			continue;
		if (sys->ioctl(e->fd, EVIOCGBIT(t, sizeof(in->bits[t])), in->bits[t]) < 0)
			memset(in->bits[t], 0, sizeof(in->bits[t]));
	}
	/* EV_REP has no code bitmap in evdev; the guest learns it from the type. */
	if (input_bit_test(types, EV_REP)) {
		input_bit_set(in->bits[EV_REP], REP_DELAY);
		input_bit_set(in->bits[EV_REP], REP_PERIOD);
	}
	for (a = 0; a < ABS_CNT; a++) {
		if (!input_bit_test(in->bits[EV_ABS], a))
			continue;
		memset(&ab, 0, sizeof(ab));
		if (sys->ioctl(e->fd, EVIOCGABS(a), &ab.a) < 0) {
			/* No range: the guest could not use the axis, so it is not offered. */
			in->bits[EV_ABS][a / 8] &= (uint8_t)~(1u << (a % 8));
			continue;
		}
		in->abs[a].min = ab.a.minimum;
		in->abs[a].max = ab.a.maximum;
		in->abs[a].fuzz = ab.a.fuzz;
		in->abs[a].flat = ab.a.flat;
		in->abs[a].res = ab.a.resolution;
		in->abs[a].value = ab.a.value;
	}
	return 0;
}

static int
evdev_open(struct input_evdev *e)
{
	const struct input_evdev_sys *sys = e->sys;
	int fd;

	int rc;

	fd = sys->open(e->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	e->writable = fd >= 0;
	if (fd < 0)
		fd = sys->open(e->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return fd;
	rc = e->grab ? sys->ioctl(fd, EVIOCGRAB, (void *)1) : 0;
	if (rc < 0) {
		sys->close(fd);
		return rc;
	}
	e->fd = fd;
	return 0;
}

static void evdev_fd_cb(void *arg, int fd, uint32_t events);

static int
evdev_watch(struct input_evdev *e)
{
	int rc;

	if (e->host == NULL || e->host->watch_fd == NULL)
		return 0;
	rc = e->host->watch_fd(e->host, e->fd, EPOLLIN, evdev_fd_cb, e);
	e->watched = rc == 0;
	return rc;
}

static void
evdev_emit(struct input_evdev *e, uint16_t type, uint16_t code, int32_t value)
{
	struct input_ev ev = { type, code, value };

	if (e->sink != NULL)
		e->sink(e->sink_arg, &ev);
}

static void
evdev_retry(void *arg)
{
	struct input_evdev *e = arg;

	if (evdev_open(e) == 0 && evdev_watch(e) == 0) {
		fprintf(stderr, "input: %s is back\n", e->path);
		e->gone_logged = false;
		e->replugs++;
		return;
	}
	if (e->fd >= 0) {
		e->sys->close(e->fd);
		e->fd = -1;
	}
	e->host->timer_arm(e->host, &e->retry, e->host->now_ns(e->host) + EVDEV_RETRY_NS);
}

/* The node went away: the guest gets its held keys released, we retry. */
static void
evdev_gone(struct input_evdev *e, int err)
{
	unsigned int k;
	bool any = false;

	if (e->watched)
		e->host->unwatch_fd(e->host, e->fd);
	e->watched = false;
	e->sys->close(e->fd);
	e->fd = -1;
	e->unplugs++;
	if (!e->gone_logged)
		fprintf(stderr, "input: %s: %s; retrying every second\n", e->path, strerror(-err));
	e->gone_logged = true;
	for (k = 0; k < KEY_CNT; k++)
		if (input_bit_test(e->keys, k)) {
			evdev_emit(e, EV_KEY, (uint16_t)k, 0);
			any = true;
		}
	memset(e->keys, 0, sizeof(e->keys));
	if (any)
		evdev_emit(e, EV_SYN, SYN_REPORT, 0);
	if (e->host != NULL && e->host->timer_arm != NULL)
		e->host->timer_arm(e->host, &e->retry,
				   e->host->now_ns(e->host) + EVDEV_RETRY_NS);
}

/*
 * The host dropped events (SYN_DROPPED): what came since is incomplete, so
 * the kernel's current key, switch and axis state is read and reported as
 * events, which the device folds into the resync batch it sends after
 * dropping this batch. Multitouch slots too (EVIOCGMTSLOTS per slot axis,
 * each slot selected with ABS_MT_SLOT, then the kernel's current slot
 * again), so that a contact that ended or moved while events were lost is
 * right in the guest.
 */
/* Slots as the device keeps them: the first INPUT_MT_SLOTS. */
struct evdev_mt_req {
	uint32_t code;
	int32_t values[INPUT_MT_SLOTS];
};

static void
evdev_reread_mt(struct input_evdev *e)
{
	const struct input_info *in = &e->src.info;
	int32_t vals[ABS_MT_TOOL_Y - ABS_MT_SLOT][INPUT_MT_SLOTS];
	bool have[ABS_MT_TOOL_Y - ABS_MT_SLOT] = {false};
	struct input_absinfo ab;
	unsigned int c, s, nslots;
	int32_t cur = 0;

	if (!input_bit_test(in->bits[EV_ABS], ABS_MT_SLOT))
		return;
	nslots = in->abs[ABS_MT_SLOT].max >= 0 && in->abs[ABS_MT_SLOT].max < INPUT_MT_SLOTS ?
			 (unsigned int)in->abs[ABS_MT_SLOT].max + 1 : INPUT_MT_SLOTS;
	if (e->sys->ioctl(e->fd, EVIOCGABS(ABS_MT_SLOT), &ab) == 0)
		cur = ab.value;
	for (c = ABS_MT_SLOT + 1; c <= ABS_MT_TOOL_Y; c++) {
		struct evdev_mt_req r;

		if (!input_bit_test(in->bits[EV_ABS], c))
			continue;
		memset(&r, 0, sizeof(r));
		r.code = c;
		if (e->sys->ioctl(e->fd, EVIOCGMTSLOTS(sizeof(r)), &r) != 0)
			continue;
		memcpy(vals[c - ABS_MT_SLOT - 1], r.values, sizeof(r.values));
		have[c - ABS_MT_SLOT - 1] = true;
	}
	for (s = 0; s < nslots; s++) {
		evdev_emit(e, EV_ABS, ABS_MT_SLOT, (int32_t)s);
		for (c = 0; c < ABS_MT_TOOL_Y - ABS_MT_SLOT; c++)
			if (have[c])
				evdev_emit(e, EV_ABS, (uint16_t)(ABS_MT_SLOT + 1 + c), vals[c][s]);
	}
	if (cur >= 0 && (unsigned int)cur < nslots)
		evdev_emit(e, EV_ABS, ABS_MT_SLOT, cur);
}

static void
evdev_reread(struct input_evdev *e)
{
	const struct input_info *in = &e->src.info;
	uint8_t now[KEY_CNT / 8];
	struct input_absinfo ab;
	unsigned int c;

	memset(now, 0, sizeof(now));
	if (e->sys->ioctl(e->fd, EVIOCGKEY(sizeof(now)), now) == 0) {
		for (c = 0; c < KEY_CNT; c++)
			if (input_bit_test(now, c) != input_bit_test(e->keys, c))
				evdev_emit(e, EV_KEY, (uint16_t)c, input_bit_test(now, c));
		memcpy(e->keys, now, sizeof(now));
	}
	memset(now, 0, sizeof(now));
	if (e->sys->ioctl(e->fd, EVIOCGSW(SW_CNT / 8 + 1), now) == 0)
		for (c = 0; c <= SW_MAX; c++)
			if (input_bit_test(in->bits[EV_SW], c))
				evdev_emit(e, EV_SW, (uint16_t)c, input_bit_test(now, c));
	for (c = 0; c < ABS_MT_SLOT; c++)
		if (input_bit_test(in->bits[EV_ABS], c) &&
		    e->sys->ioctl(e->fd, EVIOCGABS(c), &ab) == 0)
			evdev_emit(e, EV_ABS, (uint16_t)c, ab.value);
	evdev_reread_mt(e);
}

static void
evdev_fd_cb(void *arg, int fd, uint32_t events)
{
	struct input_evdev *e = arg;
	struct input_event buf[EVDEV_READ_BATCH];
	unsigned int r, i;

	(void)fd;
	(void)events;
	for (r = 0; r < EVDEV_READS_PER_WAKE && e->fd >= 0; r++) {
		long n = e->sys->read(e->fd, buf, sizeof(buf));

		if (n == -EAGAIN || n == -EINTR || n == 0)
			return;
		if (n < 0) {
			evdev_gone(e, (int)n);
			return;
		}
		e->reads++;
		for (i = 0; i < (unsigned long)n / sizeof(buf[0]); i++) {
			const struct input_event *k = &buf[i];

			if (k->type == EV_KEY && k->code < KEY_CNT) {
				if (k->value != 0)
					input_bit_set(e->keys, k->code);
				else
					e->keys[k->code / 8] &= (uint8_t)~(1u << (k->code % 8));
			}
			e->events++;
			if (k->type == EV_SYN && k->code == SYN_DROPPED) {
				e->dropped = true;
				e->syn_dropped++;
			} else if (k->type == EV_SYN && k->code == SYN_REPORT && e->dropped) {
				e->dropped = false;
				evdev_reread(e);
			}
			evdev_emit(e, k->type, k->code, k->value);
		}
	}
}

static int
evdev_start(struct input_src *src, struct vhd_host *host, input_sink_fn sink, void *arg)
{
	struct input_evdev *e = ed_of(src);

	e->host = host;
	e->sink = sink;
	e->sink_arg = arg;
	e->retry.cb = evdev_retry;
	e->retry.arg = e;
	return evdev_watch(e);
}

/* LEDs and sounds go to the host device, which is what a host keyboard lights. */
static void
evdev_status(struct input_src *src, const struct input_ev *ev)
{
	struct input_evdev *e = ed_of(src);
	struct input_event k;

	if ((ev->type != EV_LED && ev->type != EV_SND) || e->fd < 0 || !e->writable ||
	    ev->code >= INPUT_BITS_BYTES * 8 ||
	    !input_bit_test(src->info.bits[ev->type], ev->code)) {
		e->status_failed++;
		return;
	}
	memset(&k, 0, sizeof(k));
	k.type = ev->type;
	k.code = ev->code;
	k.value = ev->value;
	if (e->sys->write(e->fd, &k, sizeof(k)) == (long)sizeof(k))
		e->status_written++;
	else
		e->status_failed++;
}

static void
evdev_get_stats(struct input_src *src, void (*put)(void *ctx, const char *name, uint64_t v),
		void *ctx)
{
	struct input_evdev *e = ed_of(src);

	put(ctx, "evdev_reads", e->reads);
	put(ctx, "evdev_events", e->events);
	put(ctx, "evdev_unplugs", e->unplugs);
	put(ctx, "evdev_replugs", e->replugs);
	put(ctx, "evdev_status_written", e->status_written);
	put(ctx, "evdev_status_failed", e->status_failed);
	put(ctx, "evdev_syn_dropped", e->syn_dropped);
}

static void
evdev_destroy(struct input_src *src)
{
	struct input_evdev *e = ed_of(src);

	if (e->host != NULL && e->host->timer_cancel != NULL)
		e->host->timer_cancel(e->host, &e->retry);
	if (e->watched)
		e->host->unwatch_fd(e->host, e->fd);
	if (e->fd >= 0)
		e->sys->close(e->fd);
	free(e->path);
	free(e);
}

static const struct input_src_ops evdev_ops = {
	.start = evdev_start,
	.status = evdev_status,
	.get_stats = evdev_get_stats,
	.destroy = evdev_destroy,
};

int
input_evdev_create(const char *path, bool grab, const struct input_evdev_sys *sys,
		   struct input_src **out)
{
	struct input_evdev *e = calloc(1, sizeof(*e));
	int rc;

	if (e == NULL)
		return -ENOMEM;
	e->src.ops = &evdev_ops;
	e->sys = sys != NULL ? sys : &input_evdev_sys_real;
	e->grab = grab;
	e->fd = -1;
	e->path = strdup(path);
	if (e->path == NULL) {
		free(e);
		return -ENOMEM;
	}
	rc = evdev_open(e);
	if (rc == 0)
		rc = evdev_describe(e);
	if (rc != 0) {
		if (e->fd >= 0)
			e->sys->close(e->fd);
		free(e->path);
		free(e);
		return rc;
	}
	*out = &e->src;
	return 0;
}
