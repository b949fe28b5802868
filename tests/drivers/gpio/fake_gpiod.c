/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <gpiod.h>

#include "fake_gpiod.h"

struct gpiod_line {
	unsigned int offset;
	char name[8];
	enum fake_req req;
	int out;     /* driven value */
	int ext;     /* outside level */
	int evfd;    /* eventfd counting queued events, -1 unless requested for events */
	int queued[16];
	unsigned int nqueued;
};

struct gpiod_chip {
	int open;
};

static struct gpiod_chip chip0;
static struct gpiod_line lines[FAKE_NLINES];
static int fail_requests;
static unsigned int nrequests;
static bool fail_reads;

void
fake_gpiod_reset(void)
{
	unsigned int i;

	for (i = 0; i < FAKE_NLINES; i++) {
		if (lines[i].evfd > 0)
			close(lines[i].evfd);
		memset(&lines[i], 0, sizeof(lines[i]));
		lines[i].offset = i;
		lines[i].evfd = -1;
		if (i != 4)
			snprintf(lines[i].name, sizeof(lines[i].name), "L%u", i);
	}
	fail_requests = 0;
	fail_reads = false;
	nrequests = 0;
}

unsigned int
fake_gpiod_requests(void)
{
	return nrequests;
}

enum fake_req
fake_gpiod_req(unsigned int i)
{
	return lines[i].req;
}

int
fake_gpiod_level(unsigned int i)
{
	return lines[i].req == FAKE_OUT ? lines[i].out : lines[i].ext;
}

static bool
fake_events(const struct gpiod_line *l)
{
	return l->req == FAKE_EV_RISING || l->req == FAKE_EV_FALLING || l->req == FAKE_EV_BOTH;
}

void
fake_gpiod_drive(unsigned int i, int level)
{
	struct gpiod_line *l = &lines[i];
	int old = fake_gpiod_level(i);
	int type = level ? GPIOD_LINE_EVENT_RISING_EDGE : GPIOD_LINE_EVENT_FALLING_EDGE;
	uint64_t one = 1;

	l->ext = level;
	if (l->req == FAKE_OUT || old == level || !fake_events(l))
		return;
	if ((l->req == FAKE_EV_RISING && !level) || (l->req == FAKE_EV_FALLING && level))
		return;
	if (l->nqueued < 16)
		l->queued[l->nqueued++] = type;
	if (write(l->evfd, &one, sizeof(one)) != sizeof(one))
		return;
}

void
fake_gpiod_fail_requests(int err)
{
	fail_requests = err;
}

void
fake_gpiod_fail_reads(bool on)
{
	fail_reads = on;
}

int
fake_gpiod_open_chips(void)
{
	return chip0.open;
}

/* ---- the libgpiod v1 calls ---- */

struct gpiod_chip *
gpiod_chip_open_by_number(unsigned int num)
{
	if (num != 0) {
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

unsigned int
gpiod_chip_num_lines(struct gpiod_chip *chip)
{
	(void)chip;
	return FAKE_NLINES;
}

struct gpiod_line *
gpiod_chip_get_line(struct gpiod_chip *chip, unsigned int offset)
{
	(void)chip;
	if (offset >= FAKE_NLINES) {
		errno = EINVAL;
		return NULL;
	}
	return &lines[offset];
}

const char *
gpiod_line_name(struct gpiod_line *line)
{
	return line->name[0] != '\0' ? line->name : NULL;
}

bool
gpiod_line_is_requested(struct gpiod_line *line)
{
	return line->req != FAKE_FREE;
}

void
gpiod_line_release(struct gpiod_line *line)
{
	if (line->evfd >= 0)
		close(line->evfd);
	line->evfd = -1;
	line->nqueued = 0;
	line->req = FAKE_FREE;
}

static int
fake_request(struct gpiod_line *line, enum fake_req req, const char *consumer)
{
	if (consumer == NULL || strcmp(consumer, "vhost-device-gpio") != 0) {
		errno = EINVAL;
		return -1;
	}
	/* Like the kernel: a line is requested once. */
	if (line->req != FAKE_FREE) {
		errno = EBUSY;
		return -1;
	}
	if (fail_requests != 0) {
		errno = fail_requests;
		return -1;
	}
	line->req = req;
	nrequests++;
	if (fake_events(line))
		line->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return 0;
}

int
gpiod_line_request_input(struct gpiod_line *line, const char *consumer)
{
	return fake_request(line, FAKE_IN, consumer);
}

int
gpiod_line_request_output(struct gpiod_line *line, const char *consumer, int default_val)
{
	int rc = fake_request(line, FAKE_OUT, consumer);

	if (rc == 0)
		line->out = default_val;
	return rc;
}

int
gpiod_line_request_rising_edge_events(struct gpiod_line *line, const char *consumer)
{
	return fake_request(line, FAKE_EV_RISING, consumer);
}

int
gpiod_line_request_falling_edge_events(struct gpiod_line *line, const char *consumer)
{
	return fake_request(line, FAKE_EV_FALLING, consumer);
}

int
gpiod_line_request_both_edges_events(struct gpiod_line *line, const char *consumer)
{
	return fake_request(line, FAKE_EV_BOTH, consumer);
}

int
gpiod_line_get_value(struct gpiod_line *line)
{
	if (line->req == FAKE_FREE) {
		errno = EPERM;
		return -1;
	}
	return fake_gpiod_level(line->offset);
}

int
gpiod_line_set_value(struct gpiod_line *line, int value)
{
	if (line->req != FAKE_OUT) {
		errno = EPERM;
		return -1;
	}
	line->out = value;
	return 0;
}

int
gpiod_line_event_get_fd(struct gpiod_line *line)
{
	if (!fake_events(line)) {
		errno = EPERM;
		return -1;
	}
	return line->evfd;
}

int
gpiod_line_event_read(struct gpiod_line *line, struct gpiod_line_event *event)
{
	uint64_t cnt;

	if (fail_reads || !fake_events(line) || line->nqueued == 0) {
		errno = EIO;
		return -1;
	}
	memset(event, 0, sizeof(*event));
	event->event_type = line->queued[0];
	memmove(line->queued, line->queued + 1, --line->nqueued * sizeof(line->queued[0]));
	if (line->nqueued == 0 && read(line->evfd, &cnt, sizeof(cnt)) < 0)
		return -1;
	return 0;
}
