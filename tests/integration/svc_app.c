/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-svctest: a test-only device app on vhd_app_main() whose
 * requests use the worker services (see svc_proto.h). Held requests are
 * copied into slots; the services complete them from their callbacks.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "svc_proto.h"
#include "vhd_vhost.h"

#define SLOTS 64

struct svc_dev;

struct slot {
	struct svc_dev *d;
	bool used;
	struct vhd_req req;
	struct vhd_timer timer;
	struct vhd_io io;
	struct iovec iov[VHD_REQ_MAX_IOV];
	uint64_t t0, want;
	uint32_t arg;
	pid_t work_tid;
};

struct svc_dev {
	struct vhd_host *host;
	struct vhd_vq *vq;
	int fd;
	pid_t worker_tid;          /* thread handle() runs on */
	struct svc_config cfg; /* written on the worker, read by GET_CONFIG: atomics */
	struct slot slot[SLOTS];
};

static const char *file_path;

static void
finish(struct slot *s, int32_t status, uint64_t value, uint32_t len)
{
	struct svc_resp r = {status, len, value};

	vhd_req_write(&s->req, 0, &r, sizeof(r));
	vhd_vq_push(s->d->vq, s->req.id, (uint32_t)sizeof(r) + len);
	vhd_vq_notify(s->d->vq);
	s->used = false;
}

static void
on_timer(void *arg)
{
	struct slot *s = arg;

	finish(s, 0, s->d->host->now_ns(s->d->host) - s->t0, 0);
}

static int
offload_work(void *arg)
{
	struct slot *s = arg;

	s->work_tid = gettid();
	usleep(s->arg);
	return (int)s->arg;
}

static void
offload_done(void *arg, int res)
{
	struct slot *s = arg;

	/* value: bit 0 done() on the worker, bit 1 work() elsewhere */
	finish(s, res, (gettid() == s->d->worker_tid) | (s->work_tid != s->d->worker_tid) << 1, 0);
}

static void
read_done(void *arg, int res)
{
	finish(arg, res, 0, res > 0 ? (uint32_t)res : 0);
}

/* The writable part after the svc_resp header, as iovecs for io_submit. */
static unsigned int
data_iov(struct slot *s, uint32_t len)
{
	struct iovec *wr = vhd_req_wr_iov(&s->req);
	size_t skip = sizeof(struct svc_resp);
	unsigned int i, n = 0;

	for (i = 0; i < s->req.n_wr && len > 0; i++) {
		size_t l = wr[i].iov_len, o = 0;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		o = skip;
		skip = 0;
		s->iov[n].iov_base = (uint8_t *)wr[i].iov_base + o;
		s->iov[n].iov_len = l - o < len ? l - o : len;
		len -= (uint32_t)s->iov[n].iov_len;
		n++;
	}
	return n;
}

static void
svc_attach(void *priv, struct vhd_host *host)
{
	((struct svc_dev *)priv)->host = host;
}

static int
svc_get_config(void *priv, uint8_t *buf, uint32_t off, uint32_t len)
{
	struct svc_dev *d = priv;
	struct svc_config c;

	c.generation = __atomic_load_n(&d->cfg.generation, __ATOMIC_ACQUIRE);
	c.value = __atomic_load_n(&d->cfg.value, __ATOMIC_ACQUIRE);
	if (off > sizeof(c) || len > sizeof(c) - off)
		return -1;
	memcpy(buf, (uint8_t *)&c + off, len);
	return 0;
}

static int
svc_queue_start(void *priv, uint16_t q, struct vhd_vq *vq)
{
	(void)q;
	((struct svc_dev *)priv)->vq = vq;
	return 0;
}

/* The host drained I/O and offloads before this; timers are ours to stop. */
static void
svc_queue_stop(void *priv, uint16_t q, struct vhd_vq *vq)
{
	struct svc_dev *d = priv;
	unsigned int i;

	(void)q;
	(void)vq;
	for (i = 0; i < SLOTS; i++) {
		if (d->slot[i].used) {
			d->host->timer_cancel(d->host, &d->slot[i].timer);
			finish(&d->slot[i], -ECANCELED, 0, 0);
		}
	}
}

static int
svc_handle(void *priv, uint16_t q, struct vhd_vq *vq, struct vhd_req *req)
{
	struct svc_dev *d = priv;
	struct svc_resp r = {0, 0, 0};
	struct svc_req m;
	struct slot *s = NULL;
	unsigned int i;
	int rc;

	(void)q;
	d->vq = vq;
	d->worker_tid = gettid();
	if (vhd_req_read(req, 0, &m, sizeof(m)) != sizeof(m) || req->wr_len < sizeof(r))
		return 0;
	if (m.op == SVC_CONFIG) {
		__atomic_store_n(&d->cfg.value, m.arg, __ATOMIC_RELEASE);
		__atomic_add_fetch(&d->cfg.generation, 1, __ATOMIC_RELEASE);
		r.status = d->host->config_changed(d->host);
		vhd_req_write(req, 0, &r, sizeof(r));
		return sizeof(r);
	}
	for (i = 0; i < SLOTS && s == NULL; i++)
		if (!d->slot[i].used)
			s = &d->slot[i];
	if (s == NULL)
		return VHD_REQ_RETRY;
	s->req = *req;
	s->d = d;
	s->arg = m.arg;
	switch (m.op) {
	case SVC_TIMER:
		s->t0 = d->host->now_ns(d->host);
		s->timer.cb = on_timer;
		s->timer.arg = s;
		rc = d->host->timer_arm(d->host, &s->timer, s->t0 + m.arg2);
		break;
	case SVC_OFFLOAD:
		rc = d->host->offload(d->host, offload_work, offload_done, s);
		break;
	case SVC_READ:
		if (m.arg > req->wr_len - sizeof(r))
			m.arg = req->wr_len - (uint32_t)sizeof(r);
		s->io = (struct vhd_io){.op = VHD_IO_READV, .fd = d->fd, .iov = s->iov,
					.iovcnt = data_iov(s, m.arg), .offset = m.arg2,
					.cb = read_done, .arg = s};
		rc = s->io.iovcnt == 0 ? -EINVAL : d->host->io_submit(d->host, &s->io);
		break;
	default:
		rc = -EOPNOTSUPP;
	}
	if (rc == -EAGAIN)
		return VHD_REQ_RETRY;
	if (rc != 0) {
		r.status = rc;
		vhd_req_write(req, 0, &r, sizeof(r));
		return sizeof(r);
	}
	s->used = true;
	return VHD_REQ_HELD;
}

static const struct vhd_device_ops svc_ops = {
	.name = "svctest",
	.virtio_id = SVC_VIRTIO_ID,
	.num_queues = 1,
	.max_queue_size = 1024,
	.config_size = SVC_CONFIG_SIZE,
	.attach = svc_attach,
	.get_config = svc_get_config,
	.queue_start = svc_queue_start,
	.queue_stop = svc_queue_stop,
	.handle = svc_handle,
};

static const struct option longopts[] = {
	{"file", required_argument, NULL, 'f'},
	{NULL, 0, NULL, 0},
};

static int
opt(void *ctx, int c, const char *arg)
{
	(void)ctx;
	if (c != 'f')
		return -1;
	file_path = arg;
	return 0;
}

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options --] -s PATH [-c N] [-f FILE]\n"
	       "services test device (tests only).\n"
	       "  -f, --file FILE            file SVC_READ reads\n"
	       VHD_COMMON_USAGE, prog);
}

static int
create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path, size_t path_len,
       const struct vhd_device_ops **ops, void **priv)
{
	struct svc_dev *d = calloc(1, sizeof(*d));

	(void)ctx;
	(void)idx;
	(void)o;
	(void)path;
	(void)path_len;
	if (d == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	d->fd = file_path != NULL ? open(file_path, O_RDONLY | O_CLOEXEC) : -1;
	if (file_path != NULL && d->fd < 0) {
		fprintf(stderr, "error: --file %s: %s\n", file_path, strerror(errno));
		free(d);
		return -1;
	}
	*ops = &svc_ops;
	*priv = d;
	return 0;
}

static void
destroy(void *ctx, unsigned int idx, void *priv)
{
	struct svc_dev *d = priv;

	(void)ctx;
	(void)idx;
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}

static const struct vhd_app app = {
	.name = "svctest",
	.desc = {
		.mode = VHD_MODE_INTERRUPT,
		.shortopts = "f:",
		.longopts = longopts,
		.opt = opt,
		.usage = usage,
	},
	.create = create,
	.destroy = destroy,
};

int
main(int argc, char **argv)
{
	return vhd_app_main(argc, argv, &app);
}
