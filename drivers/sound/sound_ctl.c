/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "sound_ctl.h"
#include "vhd_ctl.h"

static void
ctl_line(void *arg, struct vhd_ctl_conn *c, char *line)
{
	struct sound_dev *dev = arg;
	char verb[16], what[16], out[96];
	unsigned long id;
	int n;
	uint32_t i;

	dev->stats.ctl_lines++;
	n = sscanf(line, "%15s %lu %15s", verb, &id, what);
	if (n == 1 && strcmp(verb, "ping") == 0) {
		vhd_ctl_reply(c, "pong\n");
		return;
	}
	if (n == 1 && strcmp(verb, "jacks") == 0) {
		for (i = 0; i < dev->n_jacks; i++) {
			snprintf(out, sizeof(out), "jack %u %s\n", i,
				 dev->jack[i].connected ? "connected" : "disconnected");
			vhd_ctl_reply(c, out);
		}
		vhd_ctl_reply(c, "ok\n");
		return;
	}
	if (n == 3 && strcmp(verb, "jack") == 0 &&
	    (strcmp(what, "connect") == 0 || strcmp(what, "disconnect") == 0)) {
		if (id >= dev->n_jacks) {
			vhd_ctl_reply(c, "error: no such jack\n");
			return;
		}
		sound_jack_set(dev, (uint32_t)id, strcmp(what, "connect") == 0);
		vhd_ctl_reply(c, "ok\n");
		return;
	}
	vhd_ctl_reply(c, "error: usage: jack ID connect|disconnect, jacks, ping\n");
}

static void
ctl_fd_cb(void *arg, int fd, uint32_t events)
{
	struct sound_dev *dev = arg;

	(void)fd;
	(void)events;
	vhd_ctl_service(dev->ctl);
}

int
sound_ctl_open(struct sound_dev *dev, const char *path, char *err, size_t err_len)
{
	int rc = vhd_ctl_open(path, ctl_line, dev, &dev->ctl);

	if (rc != 0) {
		snprintf(err, err_len, "--sim-control %s: %s", path, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Called from the device's attach(): the socket is served on its worker. */
void
sound_ctl_attach(struct sound_dev *dev)
{
	if (dev->ctl == NULL || dev->host == NULL || dev->host->watch_fd == NULL)
		return;
	dev->ctl_watched = dev->host->watch_fd(dev->host, vhd_ctl_fd(dev->ctl), EPOLLIN,
					       ctl_fd_cb, dev) == 0;
}

void
sound_ctl_close(struct sound_dev *dev)
{
	if (dev->ctl == NULL)
		return;
	if (dev->ctl_watched)
		dev->host->unwatch_fd(dev->host, vhd_ctl_fd(dev->ctl));
	dev->ctl_watched = false;
	vhd_ctl_close(dev->ctl);
	dev->ctl = NULL;
}
