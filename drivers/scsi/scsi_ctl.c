/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The control socket (--control PATH): LUNs attached and detached while
 * serving. Lines, one reply each:
 *   attach LUN IMAGE[,block-size=N][,read-only]  -> "ok" once open, or "error: ..."
 *   detach LUN                                   -> "ok" or "error: ..."
 *   list                                         -> "lun N PATH rw|ro BS BLOCKS" lines, "ok"
 * The socket is watched on the device's worker; opening an image may block
 * (a slow disk, a network file system), so it runs on the host's helper
 * thread and the LUN is attached when it is back.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "scsi.h"
#include "vhd_ctl.h"

struct open_job {
	struct scsi_dev *dev;
	struct vhd_ctl_conn *conn;
	unsigned int idx;
	struct scsi_lun_spec spec;
	struct scsi_lun *lun;
	char err[256];
};

static int
open_work(void *arg)
{
	struct open_job *j = arg;

	j->lun = scsi_lun_open(&j->spec, j->err, sizeof(j->err));
	return j->lun != NULL ? 0 : -1;
}

static void
open_done(void *arg, int res)
{
	struct open_job *j = arg;
	char msg[320];
	int rc;

	if (res != 0) {
		snprintf(msg, sizeof(msg), "error: %s\n", j->err);
	} else {
		if (j->lun->ram != NULL) {
			char key[sizeof(j->spec.path) + 16];

			snprintf(key, sizeof(key), "%s#%u", j->spec.path, j->idx);
			scsi_lun_set_identity(j->lun, key);
		}
		rc = scsi_dev_attach(j->dev, j->idx, j->lun);
		if (rc != 0) {
			scsi_lun_close(j->lun);
			snprintf(msg, sizeof(msg), "error: LUN %u is %s\n", j->idx,
				 rc == -EEXIST ? "taken" : "invalid");
		} else {
			snprintf(msg, sizeof(msg), "ok\n");
		}
	}
	/* the connection slot lives as long as the control socket; a gone client loses it */
	vhd_ctl_reply(j->conn, msg);
	free(j);
}

static int
parse_lun(const char *s, unsigned int *idx)
{
	char *end;
	unsigned long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v >= SCSI_MAX_LUNS)
		return -1;
	*idx = (unsigned int)v;
	return 0;
}

static void
do_attach(struct scsi_dev *dev, struct vhd_ctl_conn *c, char *args)
{
	char *lun = strtok_r(args, " ", &args), *img = strtok_r(NULL, " ", &args);
	struct open_job *j;
	char msg[320];

	if (img == NULL || strtok_r(NULL, " ", &args) != NULL) {
		vhd_ctl_reply(c, "error: attach LUN IMAGE[,block-size=N][,read-only]\n");
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		vhd_ctl_reply(c, "error: out of memory\n");
		return;
	}
	j->dev = dev;
	j->conn = c;
	j->spec = dev->ctl_defaults;
	if (parse_lun(lun, &j->idx) != 0) {
		snprintf(msg, sizeof(msg), "error: LUN must be 0..%d\n", SCSI_MAX_LUNS - 1);
		goto fail;
	}
	if (dev->luns[j->idx] != NULL) {
		snprintf(msg, sizeof(msg), "error: LUN %u is taken\n", j->idx);
		goto fail;
	}
	if (scsi_lun_parse(img, &j->spec, j->err, sizeof(j->err)) != 0) {
		snprintf(msg, sizeof(msg), "error: %s\n", j->err);
		goto fail;
	}
	if (dev->host->offload(dev->host, open_work, open_done, j) != 0) {
		snprintf(msg, sizeof(msg), "error: busy, try again\n");
		goto fail;
	}
	return;
fail:
	vhd_ctl_reply(c, msg);
	free(j);
}

static void
scsi_ctl_cmd(void *arg, struct vhd_ctl_conn *c, char *line)
{
	struct scsi_dev *dev = arg;
	char *cmd = strtok_r(line, " ", &line);
	unsigned int idx, i;
	char msg[4200];

	if (cmd == NULL) {
		vhd_ctl_reply(c, "error: empty command\n");
	} else if (strcmp(cmd, "attach") == 0) {
		do_attach(dev, c, line);
	} else if (strcmp(cmd, "detach") == 0) {
		char *lun = strtok_r(NULL, " ", &line);

		if (parse_lun(lun, &idx) != 0 || strtok_r(NULL, " ", &line) != NULL)
			vhd_ctl_reply(c, "error: detach LUN\n");
		else if (scsi_dev_detach(dev, idx) != 0)
			vhd_ctl_reply(c, "error: no such LUN\n");
		else
			vhd_ctl_reply(c, "ok\n");
	} else if (strcmp(cmd, "list") == 0) {
		for (i = 0; i < SCSI_MAX_LUNS; i++) {
			const struct scsi_lun *l = dev->luns[i];

			if (l == NULL)
				continue;
			snprintf(msg, sizeof(msg), "lun %u %s %s %u %llu\n", i, l->spec.path,
				 l->spec.read_only ? "ro" : "rw", l->bs,
				 (unsigned long long)l->nblocks);
			vhd_ctl_reply(c, msg);
		}
		vhd_ctl_reply(c, "ok\n");
	} else {
		vhd_ctl_reply(c, "error: unknown command (attach, detach, list)\n");
	}
}

static void
ctl_fd_cb(void *arg, int fd, uint32_t events)
{
	struct scsi_dev *dev = arg;

	(void)fd;
	(void)events;
	vhd_ctl_service(dev->ctl);
}

int
scsi_dev_control(struct scsi_dev *dev, const char *path, const struct scsi_lun_spec *defaults)
{
	int rc = vhd_ctl_open(path, scsi_ctl_cmd, dev, &dev->ctl);

	if (rc != 0)
		return rc;
	dev->ctl_defaults = *defaults;
	dev->ctl_defaults.path[0] = '\0';
	return 0;
}

void
scsi_dev_control_watch(struct scsi_dev *dev)
{
	if (dev->ctl != NULL && dev->host->watch_fd != NULL)
		dev->host->watch_fd(dev->host, vhd_ctl_fd(dev->ctl), EPOLLIN, ctl_fd_cb, dev);
}

void
scsi_dev_control_close(struct scsi_dev *dev)
{
	vhd_ctl_close(dev->ctl);
	dev->ctl = NULL;
}
