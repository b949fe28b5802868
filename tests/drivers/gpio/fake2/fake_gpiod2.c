/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Fake libgpiod v2 over a fake chip; see fake_gpiod2.h. Written from the
 * libgpiod 2.x documentation, not from its code: where the real library or
 * the kernel would do more, the fake does what the adapter relies on and
 * fails loudly (errno, counters) on what it must not do.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <gpiod.h>

#include "fake_gpiod2.h"

#ifndef FAKE_GPIOD2_HEADER
#error "fake_gpiod2.c must be built against fake2/gpiod.h, not the system <gpiod.h>"
#endif

#define FAKE2_QUEUE 64
#define FAKE2_CONSUMER "vhost-device-gpio"

struct gpiod_chip {
	int open;
};

struct gpiod_chip_info {
	size_t nlines;
};

struct gpiod_line_info {
	char name[8];
};

struct gpiod_line_settings {
	enum gpiod_line_direction dir;
	enum gpiod_line_edge edge;
	enum gpiod_line_value value;
};

struct gpiod_line_config {
	unsigned int n;
	unsigned int offsets[FAKE2_NLINES];
	struct gpiod_line_settings settings[FAKE2_NLINES];
};

struct gpiod_request_config {
	char consumer[32];
};

struct gpiod_edge_event {
	enum gpiod_edge_event_type type;
	unsigned int offset;
};

struct gpiod_edge_event_buffer {
	size_t capacity;
	size_t num;
	struct gpiod_edge_event *events;
};

/* The kernel side of a request: its lines, its event fifo and the fd it polls. */
struct gpiod_line_request {
	unsigned int n;
	unsigned int offsets[FAKE2_NLINES];
	int fd; /* eventfd, readable while events are queued */
	struct gpiod_edge_event queue[FAKE2_QUEUE];
	unsigned int nqueued;
};

struct fake2_line {
	char name[8];
	struct gpiod_line_request *owner; /* NULL while free */
	struct gpiod_line_settings cfg;   /* while owned */
	int out;                          /* driven value */
	int ext;                          /* outside level */
};

static struct gpiod_chip chip0;
static struct fake2_line lines[FAKE2_NLINES];
static int fail_requests;
static int fail_reconfigure;
static bool fail_reads;
static unsigned int nrequests;
static unsigned int nreconfigures;
static unsigned int nblocking;
static int live;

static void *
fake2_alloc(size_t size)
{
	void *p = calloc(1, size);

	if (p != NULL)
		live++;
	return p;
}

static void
fake2_free(void *p)
{
	if (p == NULL)
		return;
	live--;
	free(p);
}

static void
fake2_settings_default(struct gpiod_line_settings *s)
{
	/* libgpiod's defaults. */
	s->dir = GPIOD_LINE_DIRECTION_AS_IS;
	s->edge = GPIOD_LINE_EDGE_NONE;
	s->value = GPIOD_LINE_VALUE_INACTIVE;
}

static void
fake2_request_free(struct gpiod_line_request *req)
{
	unsigned int i;

	for (i = 0; i < req->n; i++) {
		lines[req->offsets[i]].owner = NULL;
		fake2_settings_default(&lines[req->offsets[i]].cfg);
	}
	if (req->fd >= 0)
		close(req->fd);
	fake2_free(req);
}

void
fake_gpiod2_reset(void)
{
	unsigned int i;

	for (i = 0; i < FAKE2_NLINES; i++)
		if (lines[i].owner != NULL)
			fake2_request_free(lines[i].owner);
	for (i = 0; i < FAKE2_NLINES; i++) {
		memset(&lines[i], 0, sizeof(lines[i]));
		fake2_settings_default(&lines[i].cfg);
		if (i != 4)
			snprintf(lines[i].name, sizeof(lines[i].name), "L%u", i);
	}
	fail_requests = 0;
	fail_reconfigure = 0;
	fail_reads = false;
	nrequests = 0;
	nreconfigures = 0;
	nblocking = 0;
	live = 0;
}

enum fake_req
fake_gpiod2_req(unsigned int i)
{
	const struct fake2_line *l = &lines[i];

	if (l->owner == NULL)
		return FAKE_FREE;
	if (l->cfg.dir == GPIOD_LINE_DIRECTION_OUTPUT)
		return FAKE_OUT;
	switch (l->cfg.edge) {
	case GPIOD_LINE_EDGE_RISING:
		return FAKE_EV_RISING;
	case GPIOD_LINE_EDGE_FALLING:
		return FAKE_EV_FALLING;
	case GPIOD_LINE_EDGE_BOTH:
		return FAKE_EV_BOTH;
	default:
		return FAKE_IN;
	}
}

int
fake_gpiod2_level(unsigned int i)
{
	return fake_gpiod2_req(i) == FAKE_OUT ? lines[i].out : lines[i].ext;
}

void
fake_gpiod2_drive(unsigned int i, int level)
{
	struct fake2_line *l = &lines[i];
	struct gpiod_line_request *req = l->owner;
	int old = fake_gpiod2_level(i);
	uint64_t one = 1;

	l->ext = level;
	if (req == NULL || l->cfg.dir != GPIOD_LINE_DIRECTION_INPUT || old == level)
		return;
	if (l->cfg.edge == GPIOD_LINE_EDGE_NONE ||
	    (l->cfg.edge == GPIOD_LINE_EDGE_RISING && !level) ||
	    (l->cfg.edge == GPIOD_LINE_EDGE_FALLING && level))
		return;
	/* Like the kernel fifo: overflow drops the newest. */
	if (req->nqueued < FAKE2_QUEUE) {
		req->queue[req->nqueued].type = level ? GPIOD_EDGE_EVENT_RISING_EDGE :
							GPIOD_EDGE_EVENT_FALLING_EDGE;
		req->queue[req->nqueued].offset = i;
		req->nqueued++;
	}
	if (write(req->fd, &one, sizeof(one)) != sizeof(one))
		return;
}

void
fake_gpiod2_fail_requests(int err)
{
	fail_requests = err;
}

void
fake_gpiod2_fail_reconfigure(int err)
{
	fail_reconfigure = err;
}

void
fake_gpiod2_fail_reads(bool on)
{
	fail_reads = on;
}

unsigned int
fake_gpiod2_requests(void)
{
	return nrequests;
}

unsigned int
fake_gpiod2_reconfigures(void)
{
	return nreconfigures;
}

int
fake_gpiod2_open_chips(void)
{
	return chip0.open;
}

int
fake_gpiod2_live_objects(void)
{
	return live;
}

unsigned int
fake_gpiod2_blocking_calls(void)
{
	return nblocking;
}

/* ---- chips ---- */

struct gpiod_chip *
gpiod_chip_open(const char *path)
{
	if (path == NULL || strcmp(path, "/dev/gpiochip0") != 0) {
		errno = ENOENT;
		return NULL;
	}
	chip0.open++;
	return &chip0;
}

void
gpiod_chip_close(struct gpiod_chip *chip)
{
	chip->open--;
}

struct gpiod_chip_info *
gpiod_chip_get_info(struct gpiod_chip *chip)
{
	struct gpiod_chip_info *info;

	if (chip != &chip0 || chip0.open <= 0) {
		errno = EBADF;
		return NULL;
	}
	info = fake2_alloc(sizeof(*info));
	if (info == NULL)
		return NULL;
	info->nlines = FAKE2_NLINES;
	return info;
}

void
gpiod_chip_info_free(struct gpiod_chip_info *info)
{
	fake2_free(info);
}

size_t
gpiod_chip_info_get_num_lines(struct gpiod_chip_info *info)
{
	return info->nlines;
}

struct gpiod_line_info *
gpiod_chip_get_line_info(struct gpiod_chip *chip, unsigned int offset)
{
	struct gpiod_line_info *info;

	if (chip != &chip0 || offset >= FAKE2_NLINES) {
		errno = EINVAL;
		return NULL;
	}
	info = fake2_alloc(sizeof(*info));
	if (info == NULL)
		return NULL;
	memcpy(info->name, lines[offset].name, sizeof(info->name));
	return info;
}

void
gpiod_line_info_free(struct gpiod_line_info *info)
{
	/* A name kept past the free would read this garbage (or trip ASan). */
	if (info != NULL)
		memset(info->name, 'X', sizeof(info->name) - 1);
	fake2_free(info);
}

const char *
gpiod_line_info_get_name(struct gpiod_line_info *info)
{
	return info->name[0] != '\0' ? info->name : NULL;
}

/* ---- settings and configs ---- */

struct gpiod_line_settings *
gpiod_line_settings_new(void)
{
	struct gpiod_line_settings *s = fake2_alloc(sizeof(*s));

	if (s != NULL)
		fake2_settings_default(s);
	return s;
}

void
gpiod_line_settings_free(struct gpiod_line_settings *settings)
{
	fake2_free(settings);
}

int
gpiod_line_settings_set_direction(struct gpiod_line_settings *settings,
				  enum gpiod_line_direction direction)
{
	if (direction < GPIOD_LINE_DIRECTION_AS_IS || direction > GPIOD_LINE_DIRECTION_OUTPUT) {
		errno = EINVAL;
		return -1;
	}
	settings->dir = direction;
	return 0;
}

int
gpiod_line_settings_set_edge_detection(struct gpiod_line_settings *settings,
				       enum gpiod_line_edge edge)
{
	if (edge < GPIOD_LINE_EDGE_NONE || edge > GPIOD_LINE_EDGE_BOTH) {
		errno = EINVAL;
		return -1;
	}
	settings->edge = edge;
	return 0;
}

int
gpiod_line_settings_set_output_value(struct gpiod_line_settings *settings,
				     enum gpiod_line_value value)
{
	if (value != GPIOD_LINE_VALUE_INACTIVE && value != GPIOD_LINE_VALUE_ACTIVE) {
		errno = EINVAL;
		return -1;
	}
	settings->value = value;
	return 0;
}

struct gpiod_line_config *
gpiod_line_config_new(void)
{
	return fake2_alloc(sizeof(struct gpiod_line_config));
}

void
gpiod_line_config_free(struct gpiod_line_config *config)
{
	fake2_free(config);
}

int
gpiod_line_config_add_line_settings(struct gpiod_line_config *config,
				    const unsigned int *offsets, size_t num_offsets,
				    struct gpiod_line_settings *settings)
{
	unsigned int i, j;

	if (offsets == NULL || num_offsets == 0) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < num_offsets; i++) {
		/* The config keeps a copy; a later offset overrides an earlier one. */
		for (j = 0; j < config->n && config->offsets[j] != offsets[i]; j++)
			;
		if (j == config->n) {
			if (config->n == FAKE2_NLINES) {
				errno = E2BIG;
				return -1;
			}
			config->offsets[config->n++] = offsets[i];
		}
		if (settings != NULL)
			config->settings[j] = *settings;
		else
			fake2_settings_default(&config->settings[j]);
	}
	return 0;
}

struct gpiod_request_config *
gpiod_request_config_new(void)
{
	return fake2_alloc(sizeof(struct gpiod_request_config));
}

void
gpiod_request_config_free(struct gpiod_request_config *config)
{
	fake2_free(config);
}

void
gpiod_request_config_set_consumer(struct gpiod_request_config *config, const char *consumer)
{
	snprintf(config->consumer, sizeof(config->consumer), "%s",
		 consumer != NULL ? consumer : "");
}

/* ---- requests ---- */

/* What the kernel checks of a line's settings: edge detection needs an input. */
static int
fake2_check(const struct gpiod_line_config *cfg)
{
	unsigned int i;

	if (cfg == NULL || cfg->n == 0)
		return EINVAL;
	for (i = 0; i < cfg->n; i++) {
		if (cfg->offsets[i] >= FAKE2_NLINES)
			return EINVAL;
		if (cfg->settings[i].edge != GPIOD_LINE_EDGE_NONE &&
		    cfg->settings[i].dir != GPIOD_LINE_DIRECTION_INPUT)
			return EINVAL;
	}
	return 0;
}

static void
fake2_apply(const struct gpiod_line_settings *s, unsigned int offset)
{
	struct fake2_line *l = &lines[offset];

	l->cfg = *s;
	if (s->dir == GPIOD_LINE_DIRECTION_OUTPUT)
		l->out = s->value == GPIOD_LINE_VALUE_ACTIVE;
}

struct gpiod_line_request *
gpiod_chip_request_lines(struct gpiod_chip *chip, struct gpiod_request_config *req_cfg,
			 struct gpiod_line_config *line_cfg)
{
	struct gpiod_line_request *req;
	unsigned int i;
	int err;

	if (chip != &chip0 || chip0.open <= 0 || req_cfg == NULL ||
	    strcmp(req_cfg->consumer, FAKE2_CONSUMER) != 0) {
		errno = EINVAL;
		return NULL;
	}
	err = fake2_check(line_cfg);
	/* Like the kernel: a line is requested once. */
	for (i = 0; err == 0 && i < line_cfg->n; i++)
		if (lines[line_cfg->offsets[i]].owner != NULL)
			err = EBUSY;
	if (err == 0)
		err = fail_requests;
	if (err != 0) {
		errno = err;
		return NULL;
	}
	req = fake2_alloc(sizeof(*req));
	if (req == NULL)
		return NULL;
	req->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (req->fd < 0) {
		fake2_free(req);
		return NULL;
	}
	req->n = line_cfg->n;
	for (i = 0; i < line_cfg->n; i++) {
		req->offsets[i] = line_cfg->offsets[i];
		lines[req->offsets[i]].owner = req;
		fake2_apply(&line_cfg->settings[i], req->offsets[i]);
	}
	nrequests++;
	return req;
}

void
gpiod_line_request_release(struct gpiod_line_request *request)
{
	if (request != NULL)
		fake2_request_free(request);
}

static bool
fake2_owns(const struct gpiod_line_request *req, unsigned int offset)
{
	return offset < FAKE2_NLINES && lines[offset].owner == req;
}

enum gpiod_line_value
gpiod_line_request_get_value(struct gpiod_line_request *request, unsigned int offset)
{
	if (!fake2_owns(request, offset)) {
		errno = EINVAL;
		return GPIOD_LINE_VALUE_ERROR;
	}
	return fake_gpiod2_level(offset) ? GPIOD_LINE_VALUE_ACTIVE : GPIOD_LINE_VALUE_INACTIVE;
}

int
gpiod_line_request_set_value(struct gpiod_line_request *request, unsigned int offset,
			     enum gpiod_line_value value)
{
	if (!fake2_owns(request, offset)) {
		errno = EINVAL;
		return -1;
	}
	if (lines[offset].cfg.dir != GPIOD_LINE_DIRECTION_OUTPUT) {
		errno = EPERM;
		return -1;
	}
	if (value != GPIOD_LINE_VALUE_INACTIVE && value != GPIOD_LINE_VALUE_ACTIVE) {
		errno = EINVAL;
		return -1;
	}
	lines[offset].out = value == GPIOD_LINE_VALUE_ACTIVE;
	return 0;
}

int
gpiod_line_request_reconfigure_lines(struct gpiod_line_request *request,
				     struct gpiod_line_config *config)
{
	unsigned int i;
	int err = fake2_check(config);

	/* libgpiod 2.0..2.3: the config holds exactly the requested offsets, in order. */
	if (err == 0 && config->n != request->n)
		err = EINVAL;
	for (i = 0; err == 0 && i < request->n; i++)
		if (config->offsets[i] != request->offsets[i])
			err = EINVAL;
	if (err == 0)
		err = fail_reconfigure;
	if (err != 0) {
		errno = err;
		return -1;
	}
	for (i = 0; i < config->n; i++)
		fake2_apply(&config->settings[i], config->offsets[i]);
	/* The event fifo is left as it is: what was queued can still be read. */
	nreconfigures++;
	return 0;
}

int
gpiod_line_request_get_fd(struct gpiod_line_request *request)
{
	return request->fd;
}

int
gpiod_line_request_wait_edge_events(struct gpiod_line_request *request, int64_t timeout_ns)
{
	if (timeout_ns != 0 && request->nqueued == 0) {
		nblocking++;
		errno = EAGAIN;
		return -1;
	}
	if (fail_reads) {
		errno = EIO;
		return -1;
	}
	return request->nqueued > 0 ? 1 : 0;
}

int
gpiod_line_request_read_edge_events(struct gpiod_line_request *request,
				    struct gpiod_edge_event_buffer *buffer, size_t max_events)
{
	uint64_t cnt;
	size_t n;

	if (buffer == NULL) {
		errno = EINVAL;
		return -1;
	}
	buffer->num = 0;
	if (max_events > buffer->capacity)
		max_events = buffer->capacity;
	if (max_events == 0)
		return 0;
	if (fail_reads) {
		errno = EIO;
		return -1;
	}
	/* The real fd blocks here: the caller must only read what poll/epoll announced. */
	if (request->nqueued == 0) {
		nblocking++;
		errno = EAGAIN;
		return -1;
	}
	n = request->nqueued < max_events ? request->nqueued : max_events;
	memcpy(buffer->events, request->queue, n * sizeof(request->queue[0]));
	buffer->num = n;
	request->nqueued -= (unsigned int)n;
	memmove(request->queue, request->queue + n, request->nqueued * sizeof(request->queue[0]));
	if (request->nqueued == 0 && read(request->fd, &cnt, sizeof(cnt)) < 0)
		return -1;
	return (int)n;
}

/* ---- edge events ---- */

enum gpiod_edge_event_type
gpiod_edge_event_get_event_type(struct gpiod_edge_event *event)
{
	return event->type;
}

unsigned int
gpiod_edge_event_get_line_offset(struct gpiod_edge_event *event)
{
	return event->offset;
}

struct gpiod_edge_event_buffer *
gpiod_edge_event_buffer_new(size_t capacity)
{
	struct gpiod_edge_event_buffer *b;

	/* libgpiod: 0 means 64, more than 1024 is clamped. */
	if (capacity == 0)
		capacity = 64;
	if (capacity > 1024)
		capacity = 1024;
	b = fake2_alloc(sizeof(*b));
	if (b == NULL)
		return NULL;
	b->events = calloc(capacity, sizeof(b->events[0]));
	if (b->events == NULL) {
		fake2_free(b);
		return NULL;
	}
	b->capacity = capacity;
	return b;
}

void
gpiod_edge_event_buffer_free(struct gpiod_edge_event_buffer *buffer)
{
	if (buffer == NULL)
		return;
	free(buffer->events);
	fake2_free(buffer);
}

struct gpiod_edge_event *
gpiod_edge_event_buffer_get_event(struct gpiod_edge_event_buffer *buffer, unsigned long index)
{
	if (index >= buffer->num) {
		errno = EINVAL;
		return NULL;
	}
	return &buffer->events[index];
}
