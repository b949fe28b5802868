/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Simulated clocks stand still until a command on the control FIFO moves
 * them ("set ID NS", "step ID [+|-]NS"): tests and demos step a clock past
 * an alarm, or back before it, exactly. The FIFO is watched on the device's
 * worker like the alarm timers; it is opened read-write so that a writer
 * closing it never leaves us spinning on a hang-up.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtc_internal.h"

int
rtc_sim_open(struct rtc_dev *dev, const char *path, char *err, size_t err_len)
{
	struct stat st;

	if (strlen(path) >= sizeof(dev->ctl_path)) {
		snprintf(err, err_len, "--sim-control path too long: %s", path);
		return -1;
	}
	if (stat(path, &st) != 0) {
		if (mkfifo(path, 0600) != 0) {
			snprintf(err, err_len, "--sim-control %s: %s", path, strerror(errno));
			return -1;
		}
		dev->ctl_created = true;
	} else if (!S_ISFIFO(st.st_mode)) {
		snprintf(err, err_len, "--sim-control %s: exists and is not a FIFO", path);
		return -1;
	}
	memcpy(dev->ctl_path, path, strlen(path) + 1);
	dev->ctl_fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (dev->ctl_fd < 0) {
		snprintf(err, err_len, "--sim-control %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
rtc_sim_fd_cb(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	rtc_dev_sim_control(arg);
}

void
rtc_sim_attach(struct rtc_dev *dev)
{
	if (dev->ctl_fd >= 0 &&
	    dev->host->watch_fd(dev->host, dev->ctl_fd, EPOLLIN, rtc_sim_fd_cb, dev) == 0)
		dev->ctl_watched = true;
}

void
rtc_sim_close(struct rtc_dev *dev)
{
	if (dev->ctl_fd < 0)
		return;
	if (dev->ctl_watched)
		dev->host->unwatch_fd(dev->host, dev->ctl_fd);
	close(dev->ctl_fd);
	dev->ctl_fd = -1;
	if (dev->ctl_created)
		unlink(dev->ctl_path);
}

static int
rtc_sim_parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static int
rtc_sim_command(struct rtc_dev *dev, char *line)
{
	char *save = NULL, *verb, *sid, *sval, *extra;
	uint64_t id, v, now;

	verb = strtok_r(line, " \t", &save);
	sid = strtok_r(NULL, " \t", &save);
	sval = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (verb == NULL || sid == NULL || sval == NULL || extra != NULL ||
	    rtc_sim_parse_u64(sid, &id) != 0 || id >= dev->nclocks ||
	    dev->clocks[id].src != RTC_SRC_SIM)
		return -1;
	now = dev->clocks[id].sim_ns;
	if (strcmp(verb, "set") == 0) {
		if (rtc_sim_parse_u64(sval, &v) != 0)
			return -1;
	} else if (strcmp(verb, "step") == 0) {
		bool back = sval[0] == '-';

		if (rtc_sim_parse_u64(sval + (sval[0] == '-' || sval[0] == '+'), &v) != 0)
			return -1;
		if (back ? v > now : v > UINT64_MAX - now)
			return -1;
		v = back ? now - v : now + v;
	} else {
		return -1;
	}
	return rtc_dev_sim_set(dev, (uint16_t)id, v);
}

void
rtc_dev_sim_control(struct rtc_dev *dev)
{
	ssize_t n;
	char *nl;

	if (dev->ctl_fd < 0)
		return;
	for (;;) {
		n = read(dev->ctl_fd, dev->ctl_buf + dev->ctl_len,
			 sizeof(dev->ctl_buf) - 1 - dev->ctl_len);
		if (n <= 0)
			return;
		dev->ctl_len += (unsigned int)n;
		dev->ctl_buf[dev->ctl_len] = '\0';
		while ((nl = strchr(dev->ctl_buf, '\n')) != NULL) {
			*nl = '\0';
			if (rtc_sim_command(dev, dev->ctl_buf) == 0)
				dev->stats.sim_commands++;
			else
				dev->stats.sim_bad++;
			dev->ctl_len -= (unsigned int)(nl + 1 - dev->ctl_buf);
			memmove(dev->ctl_buf, nl + 1, dev->ctl_len + 1);
		}
		if (dev->ctl_len == sizeof(dev->ctl_buf) - 1) {
			/* A line longer than any command: drop it. */
			dev->stats.sim_bad++;
			dev->ctl_len = 0;
		}
	}
}
