/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "gpio_dev.h"

/* Longest line name passed to the guest; Linux keeps 32 bytes per name anyway. */
#define GPIO_NAME_MAX 64

/* Chip events taken per read_events() call. */
#define GPIO_EVENT_BATCH 32

struct gpio_line {
	uint8_t dir;          /* guest-visible direction, GPIO_DIRECTION_* */
	int8_t out_val;       /* value to drive as output, -1 until the guest sets one */
	uint8_t last_val;     /* last level known, reported while the line is released */
	uint16_t irq_type;    /* GPIO_IRQ_TYPE_*, NONE = disabled */
	bool latched;         /* edge seen while the interrupt was masked */
	bool held;            /* an eventq buffer is held: interrupt unmasked */
	uint16_t held_id;     /* its head id */
	uint64_t held_gpa;    /* guest address of its status byte */
};

struct gpio_dev {
	struct gpio_chip *chip;
	struct vhd_host *host;
	int watched_fd;         /* chip event fd given to watch_fd(), or -1 */
	struct vhd_vq *evq;     /* eventq while started */
	bool irq_negotiated;    /* VIRTIO_GPIO_F_IRQ accepted by the driver */
	uint8_t config[sizeof(struct gpio_config)]; /* immutable after create */
	uint8_t *names;
	uint32_t names_size;
	unsigned int nheld;
	struct gpio_dev_stats stats;
	struct gpio_saved *saved; /* restart state (in the frontend's area), or NULL */
	struct gpio_line lines[];
};

/* One line's guest-set state as kept across a backend restart. */
struct gpio_saved {
	uint8_t dir;
	int8_t out_val;
	uint8_t irq_type;
	uint8_t pad;
};

static void
gpio_save(struct gpio_dev *dev, uint16_t line)
{
	const struct gpio_line *l = &dev->lines[line];

	if (dev->saved != NULL && line < GPIO_RESTART_LINES)
		dev->saved[line] = (struct gpio_saved){l->dir, l->out_val, (uint8_t)l->irq_type, 0};
}

/* Names: printable 7-bit ASCII as the spec asks, unique, bounded. */
static void
gpio_clean_name(char *dst, const char *src)
{
	size_t i;

	for (i = 0; src != NULL && src[i] != '\0' && i < GPIO_NAME_MAX - 1; i++)
		dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
	dst[i] = '\0';
}

static int
gpio_name_cmp(const void *a, const void *b)
{
	const char *const *x = a;
	const char *const *y = b;
	int c = strcmp(*x, *y);

	/* Ties by address, i.e. by line number: the lowest line keeps the name. */
	if (c != 0)
		return c;
	return (*x > *y) - (*x < *y);
}

static int
gpio_build_names(struct gpio_dev *dev)
{
	uint16_t n = dev->chip->ngpio;
	char *tab = calloc(n, GPIO_NAME_MAX);
	char **sorted = calloc(n, sizeof(*sorted));
	bool *dup = calloc(n, sizeof(*dup));
	uint32_t size = 0;
	bool any = false;
	uint16_t i;

	if (tab == NULL || sorted == NULL || dup == NULL) {
		free(tab);
		free(sorted);
		free(dup);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		sorted[i] = tab + (size_t)i * GPIO_NAME_MAX;
		gpio_clean_name(sorted[i], dev->chip->ops->line_name(dev->chip, i));
	}
	/* The spec wants unique names: later duplicates become nameless lines. */
	qsort(sorted, n, sizeof(*sorted), gpio_name_cmp);
	for (i = 1; i < n; i++)
		if (sorted[i][0] != '\0' && strcmp(sorted[i], sorted[i - 1]) == 0)
			dup[(sorted[i] - tab) / GPIO_NAME_MAX] = true;
	for (i = 0; i < n; i++) {
		char *s = tab + (size_t)i * GPIO_NAME_MAX;

		if (dup[i])
			s[0] = '\0';
		if (s[0] != '\0')
			any = true;
		size += strlen(s) + 1;
	}
	free(sorted);
	free(dup);
	if (!any) {
		/* No names at all: gpio_names_size 0 tells the guest not to ask. */
		free(tab);
		return 0;
	}
	dev->names = malloc(size);
	if (dev->names == NULL) {
		free(tab);
		return -ENOMEM;
	}
	dev->names_size = 0;
	for (i = 0; i < n; i++) {
		const char *s = tab + (size_t)i * GPIO_NAME_MAX;
		size_t len = strlen(s) + 1;

		memcpy(dev->names + dev->names_size, s, len);
		dev->names_size += len;
	}
	free(tab);
	return 0;
}

struct gpio_dev *
gpio_dev_create(struct gpio_chip *chip)
{
	struct gpio_config cfg;
	struct gpio_dev *dev;
	uint16_t i;

	if (chip == NULL)
		return NULL;
	if (chip->ngpio == 0) {
		gpio_chip_destroy(chip);
		return NULL;
	}
	dev = calloc(1, sizeof(*dev) + (size_t)chip->ngpio * sizeof(dev->lines[0]));
	if (dev == NULL) {
		gpio_chip_destroy(chip);
		return NULL;
	}
	dev->chip = chip;
	dev->watched_fd = -1;
	for (i = 0; i < chip->ngpio; i++) {
		int d = chip->ops->get_direction(chip, i);

		dev->lines[i].dir = (d == GPIO_DIRECTION_IN || d == GPIO_DIRECTION_OUT) ?
			(uint8_t)d : GPIO_DIRECTION_NONE;
		dev->lines[i].out_val = -1;
	}
	if (gpio_build_names(dev) != 0) {
		gpio_dev_destroy(dev);
		return NULL;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.ngpio = htole16(chip->ngpio);
	cfg.gpio_names_size = htole32(dev->names_size);
	memcpy(dev->config, &cfg, sizeof(cfg));
	return dev;
}

void
gpio_dev_destroy(struct gpio_dev *dev)
{
	if (dev == NULL)
		return;
	if (dev->host != NULL && dev->watched_fd >= 0)
		dev->host->unwatch_fd(dev->host, dev->watched_fd);
	gpio_chip_destroy(dev->chip);
	free(dev->names);
	free(dev);
}

struct gpio_chip *
gpio_dev_chip(struct gpio_dev *dev)
{
	return dev->chip;
}

const struct gpio_dev_stats *
gpio_dev_stats(const struct gpio_dev *dev)
{
	return &dev->stats;
}

unsigned int
gpio_dev_held(const struct gpio_dev *dev)
{
	return dev->nheld;
}

/* ---- eventq ---- */

/* Return the held buffer of @p l with @p status; the caller notifies the guest. */
static bool
gpio_complete_held(struct gpio_dev *dev, struct gpio_line *l, uint8_t status)
{
	uint8_t *p;

	if (!l->held)
		return false;
	l->held = false;
	dev->nheld--;
	if (status == GPIO_IRQ_STATUS_VALID)
		dev->stats.irq_valid++;
	else
		dev->stats.irq_invalid++;
	if (dev->evq == NULL)
		return false;
	/*
	 * Translated now, not when held: the memory table may have been
	 * remapped meanwhile. Gone from it: returned with nothing written.
	 */
	p = vhd_mem_translate(dev->evq->mem, l->held_gpa, 1);
	if (p != NULL)
		*p = status;
	vhd_vq_push(dev->evq, l->held_id, p != NULL ? sizeof(struct gpio_irq_response) : 0);
	return true;
}

static bool
gpio_irq_is_level(uint16_t type)
{
	return type == GPIO_IRQ_TYPE_LEVEL_HIGH || type == GPIO_IRQ_TYPE_LEVEL_LOW;
}

/* True when a level interrupt's condition holds on the line now. */
static bool
gpio_level_active(struct gpio_dev *dev, uint16_t line)
{
	int v = dev->chip->ops->get_value(dev->chip, line);
	uint16_t type = dev->lines[line].irq_type;

	if (v < 0)
		return false;
	dev->lines[line].last_val = (uint8_t)v;
	return (type == GPIO_IRQ_TYPE_LEVEL_HIGH && v == 1) ||
	       (type == GPIO_IRQ_TYPE_LEVEL_LOW && v == 0);
}

static int
gpio_irq_reply_now(struct gpio_dev *dev, struct vhd_req *req, uint8_t status)
{
	if (status == GPIO_IRQ_STATUS_VALID)
		dev->stats.irq_valid++;
	else
		dev->stats.irq_invalid++;
	return (int)vhd_req_write(req, 0, &status, sizeof(status));
}

static int
gpio_handle_event(struct gpio_dev *dev, struct vhd_vq *vq, struct vhd_req *req)
{
	struct gpio_irq_request ir;
	struct iovec *wr = vhd_req_wr_iov(req);
	struct gpio_line *l;
	uint16_t line;
	unsigned int i;

	if (req->wr_len == 0) {
		dev->stats.dropped++;
		return 0;
	}
	if (req->rd_len != sizeof(ir) || req->wr_len != sizeof(struct gpio_irq_response))
		return gpio_irq_reply_now(dev, req, GPIO_IRQ_STATUS_INVALID);
	vhd_req_read(req, 0, &ir, sizeof(ir));
	line = le16toh(ir.gpio);
	if (line >= dev->chip->ngpio)
		return gpio_irq_reply_now(dev, req, GPIO_IRQ_STATUS_INVALID);
	l = &dev->lines[line];
	/*
	 * Unmasking a disabled interrupt, or a second buffer for a line that
	 * already has one, is returned at once: holding it could never end.
	 */
	if (l->irq_type == GPIO_IRQ_TYPE_NONE || l->held)
		return gpio_irq_reply_now(dev, req, GPIO_IRQ_STATUS_INVALID);
	/* Interrupt pending on unmask: latched edge, or level still active. */
	if (gpio_irq_is_level(l->irq_type)) {
		if (gpio_level_active(dev, line))
			return gpio_irq_reply_now(dev, req, GPIO_IRQ_STATUS_VALID);
	} else if (l->latched) {
		l->latched = false;
		return gpio_irq_reply_now(dev, req, GPIO_IRQ_STATUS_VALID);
	}
	/* Hold it: the writable iovecs are reused, keep the status byte's guest address. */
	for (i = 0; i < req->n_wr && wr[i].iov_len == 0; i++)
		;
	if (vhd_mem_to_gpa(vq->mem, wr[i].iov_base, &l->held_gpa) != 0)
		return gpio_irq_reply_now(dev, req, GPIO_IRQ_STATUS_INVALID);
	l->held = true;
	l->held_id = req->id;
	dev->nheld++;
	dev->evq = vq;
	return VHD_REQ_HELD;
}

/* An edge from the chip; true when a buffer was pushed. */
static bool
gpio_chip_edge(struct gpio_dev *dev, const struct gpio_chip_event *ev)
{
	struct gpio_line *l;

	if (ev->line >= dev->chip->ngpio)
		return false;
	dev->stats.chip_events++;
	l = &dev->lines[ev->line];
	if (l->irq_type == GPIO_IRQ_TYPE_NONE)
		return false;
	if (gpio_irq_is_level(l->irq_type)) {
		/* Not latched: only the level at this moment counts. */
		if (l->held && gpio_level_active(dev, ev->line))
			return gpio_complete_held(dev, l, GPIO_IRQ_STATUS_VALID);
		return false;
	}
	if ((ev->edge & l->irq_type) == 0)
		return false;
	if (l->held)
		return gpio_complete_held(dev, l, GPIO_IRQ_STATUS_VALID);
	l->latched = true;
	return false;
}

void
gpio_dev_chip_events(struct gpio_dev *dev)
{
	struct gpio_chip_event ev[GPIO_EVENT_BATCH];
	bool pushed = false;
	int n, i;

	while ((n = dev->chip->ops->read_events(dev->chip, ev, GPIO_EVENT_BATCH)) > 0)
		for (i = 0; i < n; i++)
			pushed |= gpio_chip_edge(dev, &ev[i]);
	if (pushed && dev->evq != NULL)
		vhd_vq_notify(dev->evq);
}

static void
gpio_fd_cb(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	gpio_dev_chip_events(arg);
}

/* ---- requestq ---- */

static int
gpio_reply(struct gpio_dev *dev, struct vhd_req *req, uint8_t status, uint8_t value)
{
	struct gpio_response r = { .status = status, .value = value };

	if (status != GPIO_STATUS_OK)
		dev->stats.errors++;
	/* A response of the wrong size still gets as much of the status as fits. */
	return (int)vhd_req_write(req, 0, &r, sizeof(r));
}

static int
gpio_err(struct gpio_dev *dev, struct vhd_req *req)
{
	return gpio_reply(dev, req, GPIO_STATUS_ERR, 0);
}

static int
gpio_get_names(struct gpio_dev *dev, struct vhd_req *req)
{
	uint8_t status = GPIO_STATUS_OK;

	if (dev->names_size == 0 || req->wr_len != 1 + dev->names_size)
		return gpio_err(dev, req);
	vhd_req_write(req, 0, &status, 1);
	vhd_req_write(req, 1, dev->names, dev->names_size);
	return (int)(1 + dev->names_size);
}

/* Disable a line's interrupt: held buffer back INVALID, latch dropped. */
static bool
gpio_irq_disable(struct gpio_dev *dev, uint16_t line)
{
	struct gpio_line *l = &dev->lines[line];

	if (l->irq_type != GPIO_IRQ_TYPE_NONE)
		dev->chip->ops->set_edge(dev->chip, line, GPIO_EDGE_NONE);
	l->irq_type = GPIO_IRQ_TYPE_NONE;
	l->latched = false;
	gpio_save(dev, line);
	return gpio_complete_held(dev, l, GPIO_IRQ_STATUS_INVALID);
}

static void
gpio_evq_notify(struct gpio_dev *dev, bool pushed)
{
	if (pushed && dev->evq != NULL)
		vhd_vq_notify(dev->evq);
}

static int
gpio_set_direction(struct gpio_dev *dev, struct vhd_req *req, uint16_t line, uint32_t dir)
{
	struct gpio_chip *chip = dev->chip;
	struct gpio_line *l = &dev->lines[line];
	uint8_t v;

	switch (dir) {
	case GPIO_DIRECTION_OUT:
		/* Linux forbids outputs on lines used as interrupts; so do we. */
		if (l->irq_type != GPIO_IRQ_TYPE_NONE)
			return gpio_err(dev, req);
		/* The spec: SET_VALUE before the direction; without one, drive low. */
		v = l->out_val < 0 ? 0 : (uint8_t)l->out_val;
		if (chip->ops->set_direction(chip, line, GPIO_DIRECTION_OUT, v) != 0)
			return gpio_err(dev, req);
		l->out_val = (int8_t)v;
		l->last_val = v;
		break;
	case GPIO_DIRECTION_IN:
		if (chip->ops->set_direction(chip, line, GPIO_DIRECTION_IN, 0) != 0)
			return gpio_err(dev, req);
		break;
	case GPIO_DIRECTION_NONE:
		/*
		 * Released: the interrupt state goes (spec), the line keeps its
		 * last value (what Linux expects when it frees a line).
		 */
		gpio_evq_notify(dev, gpio_irq_disable(dev, line));
		if (chip->ops->set_direction(chip, line, GPIO_DIRECTION_NONE, 0) != 0)
			return gpio_err(dev, req);
		break;
	default:
		return gpio_err(dev, req);
	}
	l->dir = (uint8_t)dir;
	gpio_save(dev, line);
	return gpio_reply(dev, req, GPIO_STATUS_OK, 0);
}

static int
gpio_get_value(struct gpio_dev *dev, struct vhd_req *req, uint16_t line)
{
	struct gpio_line *l = &dev->lines[line];
	int v;

	/* A released line is not ours to sample: report its last known value. */
	if (l->dir == GPIO_DIRECTION_NONE && l->irq_type == GPIO_IRQ_TYPE_NONE)
		return gpio_reply(dev, req, GPIO_STATUS_OK, l->last_val);
	v = dev->chip->ops->get_value(dev->chip, line);
	if (v < 0 || v > 1)
		return gpio_err(dev, req);
	l->last_val = (uint8_t)v;
	return gpio_reply(dev, req, GPIO_STATUS_OK, (uint8_t)v);
}

static int
gpio_set_value(struct gpio_dev *dev, struct vhd_req *req, uint16_t line, uint32_t value)
{
	struct gpio_line *l = &dev->lines[line];

	if (value > 1)
		return gpio_err(dev, req);
	/* Not an output yet: remembered and driven when it becomes one (spec). */
	if (l->dir == GPIO_DIRECTION_OUT) {
		if (dev->chip->ops->set_value(dev->chip, line, (uint8_t)value) != 0)
			return gpio_err(dev, req);
		l->last_val = (uint8_t)value;
	}
	l->out_val = (int8_t)value;
	gpio_save(dev, line);
	return gpio_reply(dev, req, GPIO_STATUS_OK, 0);
}

static enum gpio_edge
gpio_irq_edge(uint16_t type)
{
	switch (type) {
	case GPIO_IRQ_TYPE_EDGE_RISING:
		return GPIO_EDGE_RISING;
	case GPIO_IRQ_TYPE_EDGE_FALLING:
		return GPIO_EDGE_FALLING;
	default:
		/* Level types watch both edges and sample the level on each. */
		return GPIO_EDGE_BOTH;
	}
}

static int
gpio_set_irq_type(struct gpio_dev *dev, struct vhd_req *req, uint16_t line, uint32_t type)
{
	struct gpio_line *l = &dev->lines[line];
	bool pushed = false;

	if (!dev->irq_negotiated)
		return gpio_err(dev, req);
	switch (type) {
	case GPIO_IRQ_TYPE_NONE:
		gpio_evq_notify(dev, gpio_irq_disable(dev, line));
		return gpio_reply(dev, req, GPIO_STATUS_OK, 0);
	case GPIO_IRQ_TYPE_EDGE_RISING:
	case GPIO_IRQ_TYPE_EDGE_FALLING:
	case GPIO_IRQ_TYPE_EDGE_BOTH:
	case GPIO_IRQ_TYPE_LEVEL_HIGH:
	case GPIO_IRQ_TYPE_LEVEL_LOW:
		break;
	default:
		return gpio_err(dev, req);
	}
	if (l->dir == GPIO_DIRECTION_OUT)
		return gpio_err(dev, req);
	if (l->irq_type == type)
		return gpio_reply(dev, req, GPIO_STATUS_OK, 0);
	if (dev->chip->ops->set_edge(dev->chip, line, gpio_irq_edge((uint16_t)type)) != 0)
		return gpio_err(dev, req);
	/*
	 * The spec wants NONE between two types; a direct switch is taken as
	 * that pair: what was latched under the old type is dropped.
	 */
	l->irq_type = (uint16_t)type;
	l->latched = false;
	gpio_save(dev, line);
	if (l->held && gpio_irq_is_level(l->irq_type) && gpio_level_active(dev, line))
		pushed = gpio_complete_held(dev, l, GPIO_IRQ_STATUS_VALID);
	gpio_evq_notify(dev, pushed);
	return gpio_reply(dev, req, GPIO_STATUS_OK, 0);
}

static int
gpio_handle_request(struct gpio_dev *dev, struct vhd_req *req)
{
	struct gpio_request r;
	uint16_t type, line;
	uint32_t value;

	if (req->wr_len == 0) {
		dev->stats.dropped++;
		return 0;
	}
	dev->stats.requests++;
	if (req->rd_len != sizeof(r))
		return gpio_err(dev, req);
	vhd_req_read(req, 0, &r, sizeof(r));
	type = le16toh(r.type);
	line = le16toh(r.gpio);
	value = le32toh(r.value);
	if (type == GPIO_MSG_GET_LINE_NAMES)
		return gpio_get_names(dev, req);
	if (req->wr_len != sizeof(struct gpio_response) || line >= dev->chip->ngpio)
		return gpio_err(dev, req);
	switch (type) {
	case GPIO_MSG_GET_DIRECTION:
		return gpio_reply(dev, req, GPIO_STATUS_OK, dev->lines[line].dir);
	case GPIO_MSG_SET_DIRECTION:
		return gpio_set_direction(dev, req, line, value);
	case GPIO_MSG_GET_VALUE:
		return gpio_get_value(dev, req, line);
	case GPIO_MSG_SET_VALUE:
		return gpio_set_value(dev, req, line, value);
	case GPIO_MSG_SET_IRQ_TYPE:
		return gpio_set_irq_type(dev, req, line, value);
	default:
		return gpio_err(dev, req);
	}
}

/* ---- vhd_device_ops ---- */

static void
gpio_attach(void *priv, struct vhd_host *host)
{
	struct gpio_dev *dev = priv;
	int fd = dev->chip->ops->event_fd(dev->chip);

	dev->host = host;
	if (fd >= 0 && host->watch_fd != NULL &&
	    host->watch_fd(host, fd, EPOLLIN, gpio_fd_cb, dev) == 0)
		dev->watched_fd = fd;
}

static int
gpio_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	struct gpio_dev *dev = priv;

	if (off > sizeof(dev->config) || len > sizeof(dev->config) - off)
		return -EINVAL;
	memcpy(buf, dev->config + off, len);
	return 0;
}

static void
gpio_set_features(void *priv, uint64_t features)
{
	struct gpio_dev *dev = priv;

	dev->irq_negotiated = (features & (1ULL << GPIO_F_IRQ)) != 0;
}

static int
gpio_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct gpio_dev *dev = priv;

	if (q == GPIO_EVENTQ)
		dev->evq = vq;
	return 0;
}

static void
gpio_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct gpio_dev *dev = priv;
	uint16_t i;

	(void)vq;
	if (q != GPIO_EVENTQ)
		return;
	/* The ring is gone: held buffers are forgotten, interrupts stay enabled. */
	for (i = 0; i < dev->chip->ngpio; i++)
		dev->lines[i].held = false;
	dev->nheld = 0;
	dev->evq = NULL;
}

/* A new frontend: interrupts disabled, latches dropped, directions as the chip reports. */
static void
gpio_reset(void *priv)
{
	struct gpio_dev *dev = priv;
	uint16_t i;

	for (i = 0; i < dev->chip->ngpio; i++) {
		struct gpio_line *l = &dev->lines[i];
		int d = dev->chip->ops->get_direction(dev->chip, i);

		if (l->irq_type != GPIO_IRQ_TYPE_NONE)
			dev->chip->ops->set_edge(dev->chip, i, GPIO_EDGE_NONE);
		l->irq_type = GPIO_IRQ_TYPE_NONE;
		l->latched = false;
		l->held = false;
		l->dir = (d == GPIO_DIRECTION_IN || d == GPIO_DIRECTION_OUT) ? (uint8_t)d :
			 GPIO_DIRECTION_NONE;
		l->out_val = -1;
	}
	dev->nheld = 0;
	dev->irq_negotiated = false;
	dev->saved = NULL;
}

static int gpio_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req);

/*
 * Restart hook: the guest-set line state lives in the frontend's in-flight
 * area. Restored after a kill, it is put back on the chip (the dead
 * process's line requests died with it), so that the eventq buffers it
 * held, resubmitted next, are held again with their interrupts armed.
 */
static void
gpio_restart_state(void *priv, void *state, bool restored)
{
	struct gpio_dev *dev = priv;
	struct gpio_chip *chip = dev->chip;
	uint16_t i, n = chip->ngpio < GPIO_RESTART_LINES ? chip->ngpio : GPIO_RESTART_LINES;

	dev->saved = state;
	if (state == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct gpio_line *l = &dev->lines[i];
		struct gpio_saved sv = dev->saved[i];

		if (!restored)
			break;
		/* The frontend's memory: every value checked, bad ones ignored. */
		if (sv.out_val >= -1 && sv.out_val <= 1)
			l->out_val = sv.out_val;
		if (sv.dir == GPIO_DIRECTION_OUT && sv.irq_type == GPIO_IRQ_TYPE_NONE) {
			uint8_t v = l->out_val < 0 ? 0 : (uint8_t)l->out_val;

			if (chip->ops->set_direction(chip, i, GPIO_DIRECTION_OUT, v) == 0) {
				l->dir = GPIO_DIRECTION_OUT;
				l->out_val = (int8_t)v;
				l->last_val = v;
			}
		} else if (sv.dir == GPIO_DIRECTION_IN &&
			   chip->ops->set_direction(chip, i, GPIO_DIRECTION_IN, 0) == 0) {
			l->dir = GPIO_DIRECTION_IN;
		}
		switch (sv.irq_type) {
		case GPIO_IRQ_TYPE_EDGE_RISING:
		case GPIO_IRQ_TYPE_EDGE_FALLING:
		case GPIO_IRQ_TYPE_EDGE_BOTH:
		case GPIO_IRQ_TYPE_LEVEL_HIGH:
		case GPIO_IRQ_TYPE_LEVEL_LOW:
			if (dev->irq_negotiated && l->dir != GPIO_DIRECTION_OUT &&
			    chip->ops->set_edge(chip, i, gpio_irq_edge(sv.irq_type)) == 0)
				l->irq_type = sv.irq_type;
			break;
		default:
			break;
		}
	}
	/* What we run with now, checked values only. */
	for (i = 0; i < n; i++)
		gpio_save(dev, i);
}

/* Restart hook: an eventq buffer the dead process held comes back held. */
static int
gpio_resubmitted(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct gpio_dev *dev = priv;
	int rc;

	if (q != GPIO_EVENTQ)
		return gpio_handle(priv, q, vq, req);
	rc = gpio_handle_event(dev, vq, req);
	if (rc == VHD_REQ_HELD)
		dev->stats.restart_held++;
	return rc;
}

static int
gpio_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct gpio_dev *dev = priv;

	if (q == GPIO_REQUESTQ)
		return gpio_handle_request(dev, req);
	if (q == GPIO_EVENTQ)
		return gpio_handle_event(dev, vq, req);
	dev->stats.dropped++;
	return 0;
}

static void
gpio_get_stats(void *priv, void (*put)(void *ctx, const char *name, uint64_t v), void *ctx)
{
	const struct gpio_dev_stats *st = gpio_dev_stats(priv);

	put(ctx, "requests", st->requests);
	put(ctx, "errors", st->errors);
	put(ctx, "dropped", st->dropped);
	put(ctx, "irq_valid", st->irq_valid);
	put(ctx, "irq_invalid", st->irq_invalid);
	put(ctx, "chip_events", st->chip_events);
	put(ctx, "restart_held", st->restart_held);
}

const struct vhd_device_ops gpio_dev_ops = {
	.name = "gpio",
	.virtio_id = GPIO_VIRTIO_ID,
	.num_queues = GPIO_NUM_QUEUES,
	.max_queue_size = GPIO_MAX_QUEUE_SIZE,
	.features = 1ULL << GPIO_F_IRQ,
	.config_size = sizeof(struct gpio_config),
	.held_survive_remap = true,
	.restart_state_size = GPIO_RESTART_LINES * sizeof(struct gpio_saved),
	.attach = gpio_attach,
	.get_config = gpio_get_config,
	.reset = gpio_reset,
	.set_features = gpio_set_features,
	.queue_start = gpio_queue_start,
	.queue_stop = gpio_queue_stop,
	.handle = gpio_handle,
	.restart_state = gpio_restart_state,
	.resubmitted = gpio_resubmitted,
	.get_stats = gpio_get_stats,
};
