/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * virgl mode over virglrenderer. The renderer trusts nothing the guest
 * sends in a command stream (it is written for hostile guests, QEMU relies
 * on it); what it cannot know is ours to check: ids, lengths, the guest
 * memory behind a backing, the memory bound, which contexts exist.
 */

#define VIRGL_RENDERER_UNSTABLE_APIS
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <virgl/virglrenderer.h>

#include "gpu_priv.h"
#include "gpu_virgl.h"

/* virglrenderer's transfer box (not in its public header; six u32). */
struct virgl_box {
	uint32_t x, y, z, w, h, d;
};

/* Renderer constants its header leaves out (gallium's). */
#define PIPE_TEXTURE_2D 2u
#define VIRGL_RESOURCE_Y_0_TOP (1u << 0)
#define MAX_TARGET 8u
#define MAX_LAYERS 2048u
#define MAX_LEVELS 15u
#define MAX_SAMPLES 32u

struct gpu_ctx_create {
	struct gpu_ctrl_hdr hdr;
	uint32_t nlen;
	uint32_t context_init;
	char debug_name[64];
} __attribute__((packed));

struct gpu_ctx_resource {
	struct gpu_ctrl_hdr hdr;
	uint32_t resource_id;
	uint32_t padding;
} __attribute__((packed));

struct gpu_resource_create_3d {
	struct gpu_ctrl_hdr hdr;
	uint32_t resource_id;
	uint32_t target;
	uint32_t format;
	uint32_t bind;
	uint32_t width;
	uint32_t height;
	uint32_t depth;
	uint32_t array_size;
	uint32_t last_level;
	uint32_t nr_samples;
	uint32_t flags;
	uint32_t padding;
} __attribute__((packed));

struct gpu_transfer_3d {
	struct gpu_ctrl_hdr hdr;
	struct virgl_box box;
	uint64_t offset;
	uint32_t resource_id;
	uint32_t level;
	uint32_t stride;
	uint32_t layer_stride;
} __attribute__((packed));

struct gpu_submit_3d {
	struct gpu_ctrl_hdr hdr;
	uint32_t size;
	uint32_t padding;
} __attribute__((packed));

struct gpu_get_capset {
	struct gpu_ctrl_hdr hdr;
	uint32_t capset_id;
	uint32_t capset_version;
} __attribute__((packed));

struct gpu_resp_capset_info {
	struct gpu_ctrl_hdr hdr;
	uint32_t capset_id;
	uint32_t capset_max_version;
	uint32_t capset_max_size;
	uint32_t padding;
} __attribute__((packed));

/* A fenced command answered in the ring, published when its fence signals. */
struct held {
	uint16_t id;
	uint32_t len;
	uint32_t ctx;
	uint32_t ring;
	bool on_ring;   /* a context's ring (CONTEXT_INIT), else the global timeline */
	uint64_t fence; /* the guest's fence id on a ring, our sequence number else */
};

#define HELD_MAX 1024u /* gpu_ops.max_queue_size: no more chains can be out */

struct gpu_virgl {
	struct gpu_dev *dev;
	struct gpu_virgl_opts o;
	int state;               /* 0: not started, 1: running, -1: cannot run */
	bool reset_pending;      /* the control thread reset the device */
	int poll_fd;             /* the renderer's fence eventfd, -1: poll() */
	struct vhd_mem seen;     /* the table the lent iovecs were made with */
	bool seen_valid;
	struct iovec **lent;     /* every iovec array the renderer holds */
	uint32_t nlent;
	uint32_t ctx[GPU_VIRGL_MAX_CTX];
	uint32_t nctx;
	struct held held[HELD_MAX];
	uint32_t nheld;
	uint32_t seq;            /* global fence sequence */
	uint8_t *cmd;            /* SUBMIT_3D copy */
	size_t cmd_cap;
	struct gpu_virgl_stats stats;
};

/*
 * virglrenderer has one renderer per process. It is started once and kept
 * to the process's end: stopping it unloads Mesa's driver, and a device
 * after it (a unit test's next one) takes the running renderer, reset.
 */
static struct gpu_virgl *the_one;
static bool renderer_up;
static pthread_t renderer_thread;
static struct virgl_renderer_callbacks renderer_cb;

static int
init_flags(const struct gpu_virgl_opts *o)
{
	int f = VIRGL_RENDERER_THREAD_SYNC;

	if (o->egl)
		f |= VIRGL_RENDERER_USE_EGL;
	if (o->glx)
		f |= VIRGL_RENDERER_USE_GLX;
	if (o->surfaceless)
		f |= VIRGL_RENDERER_USE_SURFACELESS;
	if (o->gles)
		f |= VIRGL_RENDERER_USE_GLES;
	return f;
}

static const char *render_node; /* for get_drm_fd, which gets no option */

static int
get_drm_fd(void *cookie)
{
	(void)cookie;
	return open(render_node, O_RDWR | O_CLOEXEC);
}

static void
probe_fence(void *cookie, uint32_t fence)
{
	(void)cookie;
	(void)fence;
}

/*
 * The start-up check runs in a child process: a renderer started and
 * stopped here would unload Mesa's driver, and the app's own renderer must
 * start on the worker, the thread it will stay current on.
 */
int
gpu_virgl_probe(const struct gpu_virgl_opts *o)
{
	struct virgl_renderer_callbacks cb = {.version = 2, .write_fence = probe_fence};
	int rc, cookie = 0, status = 0;
	pid_t pid;

	if (o->render_node != NULL) {
		int fd = open(o->render_node, O_RDWR | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "error: --gpu-device %s: %s\n", o->render_node,
				strerror(errno));
			return -1;
		}
		close(fd);
		render_node = o->render_node;
		cb.get_drm_fd = get_drm_fd;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "error: virglrenderer check: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		rc = virgl_renderer_init(&cookie, init_flags(o), &cb);
		_exit(rc == 0 ? 0 : 1);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "error: virglrenderer cannot start: check --use-egl, "
			"--use-surfaceless, --use-gles and Mesa's EGL (libegl-mesa0, "
			"libgl1-mesa-dri)\n");
		return -1;
	}
	return 0;
}

uint32_t
gpu_virgl_num_capsets(const struct gpu_virgl_opts *o)
{
	return (uint32_t)__builtin_popcount(o->capsets);
}

static void write_fence(void *cookie, uint32_t fence);
static void write_context_fence(void *cookie, uint32_t ctx, uint32_t ring, uint64_t fence);

struct gpu_virgl *
gpu_virgl_new(struct gpu_dev *dev, const struct gpu_virgl_opts *o)
{
	struct gpu_virgl *v;

	if (the_one != NULL) {
		fprintf(stderr, "error: virglrenderer serves one device per process\n");
		return NULL;
	}
	v = calloc(1, sizeof(*v));
	if (v != NULL)
		v->lent = calloc(GPU_MAX_RESOURCES, sizeof(*v->lent));
	if (v == NULL || v->lent == NULL) {
		free(v);
		fprintf(stderr, "error: out of memory\n");
		return NULL;
	}
	v->dev = dev;
	v->o = *o;
	v->poll_fd = -1;
	if (o->render_node != NULL)
		render_node = o->render_node;
	the_one = v;
	return v;
}

static void
free_lent(struct gpu_virgl *v)
{
	uint32_t i;

	for (i = 0; i < v->nlent; i++)
		free(v->lent[i]);
	v->nlent = 0;
}

void
gpu_virgl_free(struct gpu_virgl *v)
{
	if (v == NULL)
		return;
	/* On the renderer's thread (a unit test's) everything is let go now;
	 * the app's worker is gone by now, with the GL context current on it:
	 * the backings the renderer may point at stay to the process's end.
	 */
	if (v->state == 1 && pthread_equal(renderer_thread, pthread_self())) {
		if (v->poll_fd >= 0 && v->dev->host != NULL && v->dev->host->unwatch_fd != NULL)
			v->dev->host->unwatch_fd(v->dev->host, v->poll_fd);
		virgl_renderer_reset();
		v->state = 0;
	}
	if (v->state != 1)
		free_lent(v);
	free(v->lent);
	free(v->cmd);
	if (the_one == v)
		the_one = NULL;
	free(v);
}

const struct gpu_virgl_stats *
gpu_virgl_stats(const struct gpu_virgl *v)
{
	return &v->stats;
}

/* ---- fences ---- */

/* Publish held entry @p i (its answer is in the ring already). */
static void
publish(struct gpu_virgl *v, uint32_t i)
{
	struct vhd_vq *vq = v->dev->ctrl_vq;

	if (vq != NULL)
		vhd_vq_push(vq, v->held[i].id, v->held[i].len);
	memmove(&v->held[i], &v->held[i + 1], (v->nheld - i - 1) * sizeof(v->held[0]));
	v->nheld--;
}

/* Which held entries a signal stands for. */
struct signal {
	bool on_ring;
	uint32_t ctx, ring;
	uint64_t fence;
};

static bool
covers(const struct signal *sg, const struct held *h)
{
	if (h->on_ring != sg->on_ring)
		return false;
	if (!h->on_ring) /* the global timeline: our 32-bit sequence, in order */
		return (int32_t)((uint32_t)h->fence - (uint32_t)sg->fence) <= 0;
	/* merged fences: one signal stands for every earlier fence of the ring */
	return h->ctx == sg->ctx && h->ring == sg->ring && h->fence <= sg->fence;
}

static void
retire(const struct signal *sg)
{
	struct gpu_virgl *v = the_one;
	uint32_t i = 0;

	if (v == NULL)
		return;
	while (i < v->nheld) {
		if (covers(sg, &v->held[i]))
			publish(v, i);
		else
			i++;
	}
}

static void
write_fence(void *cookie, uint32_t fence)
{
	struct signal sg = {.on_ring = false, .fence = fence};

	(void)cookie;
	retire(&sg);
}

static void
write_context_fence(void *cookie, uint32_t ctx, uint32_t ring, uint64_t fence)
{
	struct signal sg = {.on_ring = true, .ctx = ctx, .ring = ring, .fence = fence};

	(void)cookie;
	retire(&sg);
}

static void
check_fences(struct gpu_virgl *v)
{
	uint32_t before = v->nheld;

	virgl_renderer_poll();
	if (v->nheld != before && v->dev->ctrl_vq != NULL)
		vhd_vq_notify(v->dev->ctrl_vq);
}

static void
on_poll_fd(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	check_fences(arg);
}

int
gpu_virgl_fence(struct gpu_dev *dev, uint16_t id, uint32_t len, const struct gpu_ctrl_hdr *in)
{
	struct gpu_virgl *v = dev->virgl;
	struct held *h;
	int rc;

	if (v->nheld == HELD_MAX)
		return (int)len;
	h = &v->held[v->nheld];
	h->id = id;
	h->len = len;
	h->ctx = le32toh(in->ctx_id);
	if ((le32toh(in->flags) & GPU_FLAG_INFO_RING_IDX) &&
	    (dev->features & (1ull << GPU_F_CONTEXT_INIT))) {
		h->on_ring = true;
		h->ring = in->ring_idx;
		h->fence = le64toh(in->fence_id);
		rc = virgl_renderer_context_create_fence(h->ctx, VIRGL_RENDERER_FENCE_FLAG_MERGEABLE,
							 h->ring, h->fence);
	} else {
		h->on_ring = false;
		h->ring = 0;
		h->fence = ++v->seq;
		rc = virgl_renderer_create_fence((int)(uint32_t)h->fence, h->ctx);
	}
	if (rc != 0) {
		v->stats.renderer_errors++;
		return (int)len; /* answered now: the command itself was done */
	}
	v->nheld++;
	v->stats.fences_held++;
	if (h->on_ring)
		v->stats.ctx_fences++;
	return VHD_REQ_HELD;
}

bool
gpu_virgl_wants_poll(const struct gpu_dev *dev)
{
	const struct gpu_virgl *v = dev->virgl;

	return v != NULL && v->state == 1 && v->poll_fd < 0 && v->nheld != 0;
}

void
gpu_virgl_poll(struct gpu_dev *dev)
{
	struct gpu_virgl *v = dev->virgl;

	if (v != NULL && v->state == 1 && v->nheld != 0)
		check_fences(v);
}

void
gpu_virgl_queue_stop(struct gpu_dev *dev, struct vhd_vq *vq)
{
	struct gpu_virgl *v = dev->virgl;
	uint32_t i;

	/* the commands were done; only their fences are outstanding */
	for (i = 0; i < v->nheld; i++)
		vhd_vq_push(vq, v->held[i].id, v->held[i].len);
	if (v->nheld != 0)
		vhd_vq_notify(vq);
	v->nheld = 0;
}

/* A context goes: its rings' fences never signal, answer them now. */
static void
release_ctx_fences(struct gpu_virgl *v, uint32_t ctx)
{
	uint32_t i = 0, before = v->nheld;

	while (i < v->nheld) {
		if (v->held[i].on_ring && v->held[i].ctx == ctx)
			publish(v, i);
		else
			i++;
	}
	if (v->nheld != before && v->dev->ctrl_vq != NULL)
		vhd_vq_notify(v->dev->ctrl_vq);
}

/* ---- lent backings ---- */

static void
lend_add(struct gpu_virgl *v, struct iovec *iov)
{
	v->lent[v->nlent++] = iov; /* one per resource at most: GPU_MAX_RESOURCES */
}

static void
lend_drop(struct gpu_virgl *v, struct iovec *iov)
{
	uint32_t i;

	for (i = 0; i < v->nlent; i++) {
		if (v->lent[i] == iov) {
			v->lent[i] = v->lent[--v->nlent];
			break;
		}
	}
	free(iov);
}

/* Host iovecs of @p r's backing in @p mem; NULL when an entry is not mapped. */
static struct iovec *
make_iov(const struct gpu_res *r, const struct vhd_mem *mem)
{
	struct iovec *iov = malloc((size_t)r->nents * sizeof(*iov));
	uint32_t i;

	if (iov == NULL)
		return NULL;
	for (i = 0; i < r->nents; i++) {
		iov[i].iov_base = vhd_mem_translate(mem, r->ents[i].gpa, r->ents[i].len);
		iov[i].iov_len = r->ents[i].len;
		if (iov[i].iov_base == NULL) {
			free(iov);
			return NULL;
		}
	}
	return iov;
}

static void
take_back(struct gpu_virgl *v, struct gpu_res *r)
{
	struct iovec *iov = NULL;
	int n = 0;

	if (r->iov == NULL)
		return;
	virgl_renderer_resource_detach_iov((int)r->id, &iov, &n);
	lend_drop(v, r->iov);
	r->iov = NULL;
}

uint32_t
gpu_virgl_attach(struct gpu_dev *dev, struct gpu_res *r, const struct vhd_mem *mem)
{
	struct gpu_virgl *v = dev->virgl;
	struct iovec *iov = make_iov(r, mem);

	if (iov == NULL)
		return GPU_RESP_ERR_INVALID_PARAMETER;
	if (virgl_renderer_resource_attach_iov((int)r->id, iov, (int)r->nents) != 0) {
		free(iov);
		v->stats.renderer_errors++;
		return GPU_RESP_ERR_UNSPEC;
	}
	r->iov = iov;
	lend_add(v, iov);
	return GPU_RESP_OK_NODATA;
}

void
gpu_virgl_detach(struct gpu_dev *dev, struct gpu_res *r)
{
	take_back(dev->virgl, r);
}

/* The memory table changed: every lent iovec may point at an old mapping. */
static void
lend_again(struct gpu_virgl *v, const struct vhd_mem *mem)
{
	struct gpu_dev *dev = v->dev;
	uint32_t i;

	for (i = 0; i < dev->nres; i++) {
		struct gpu_res *r = dev->res[i];
		struct iovec *iov;

		if (r->iov == NULL)
			continue;
		take_back(v, r);
		/* an entry no longer in guest memory: no backing (transfers refused) */
		iov = make_iov(r, mem);
		if (iov == NULL)
			continue;
		if (virgl_renderer_resource_attach_iov((int)r->id, iov, (int)r->nents) != 0) {
			free(iov);
			continue;
		}
		r->iov = iov;
		lend_add(v, iov);
		v->stats.remaps++;
	}
}

/* ---- renderer life ---- */

static int
start(struct gpu_virgl *v)
{
	struct vhd_host *host = v->dev->host;
	int rc;

	if (renderer_up && !pthread_equal(renderer_thread, pthread_self())) {
		fprintf(stderr, "gpu: virglrenderer runs on another thread\n");
		v->state = -1;
		return -1;
	}
	if (renderer_up) {
		virgl_renderer_reset(); /* what an earlier device left */
	} else {
		renderer_cb.version = 3; /* write_context_fence; 4 would hand EGL to us */
		renderer_cb.write_fence = write_fence;
		renderer_cb.write_context_fence = write_context_fence;
		if (render_node != NULL)
			renderer_cb.get_drm_fd = get_drm_fd;
		/* the cookie must not be NULL; the callbacks find the device in the_one */
		rc = virgl_renderer_init(&renderer_cb, init_flags(&v->o), &renderer_cb);
		if (rc != 0) {
			fprintf(stderr, "gpu: virglrenderer cannot start on the worker (%d)\n", rc);
			v->state = -1;
			return -1;
		}
		renderer_up = true;
		renderer_thread = pthread_self();
	}
	v->state = 1;
	v->poll_fd = virgl_renderer_get_poll_fd();
	if (v->poll_fd >= 0 && (host == NULL || host->watch_fd == NULL ||
				host->watch_fd(host, v->poll_fd, EPOLLIN, on_poll_fd, v) != 0))
		v->poll_fd = -1; /* fences looked for by poll() instead */
	return 0;
}

int
gpu_virgl_enter(struct gpu_dev *dev, const struct vhd_mem *mem)
{
	struct gpu_virgl *v = dev->virgl;

	if (v->state == 0 && start(v) != 0)
		return -1;
	if (v->state < 0)
		return -1;
	if (v->reset_pending) {
		/* the renderer lets go of every resource: their iovecs can go */
		virgl_renderer_reset();
		free_lent(v);
		v->nctx = 0;
		v->reset_pending = false;
	}
	if (mem != NULL) {
		size_t n = offsetof(struct vhd_mem, regions) +
			   (size_t)mem->nregions * sizeof(mem->regions[0]);

		if (v->seen_valid && memcmp(&v->seen, mem, n) != 0)
			lend_again(v, mem);
		memcpy(&v->seen, mem, n);
		v->seen_valid = true;
	}
	return 0;
}

void
gpu_virgl_reset(struct gpu_dev *dev)
{
	struct gpu_virgl *v = dev->virgl;

	if (v->state == 1)
		v->reset_pending = true;
	else
		free_lent(v); /* never lent to a renderer */
	v->nheld = 0;     /* queue_stop() answered them */
}

/* ---- resources ---- */

static uint32_t
status_of(struct gpu_virgl *v, int rc)
{
	if (rc == 0)
		return GPU_RESP_OK_NODATA;
	v->stats.renderer_errors++;
	if (rc == ENOMEM || rc == -ENOMEM)
		return GPU_RESP_ERR_OUT_OF_MEMORY;
	return GPU_RESP_ERR_INVALID_PARAMETER;
}

uint32_t
gpu_virgl_create_2d(struct gpu_dev *dev, struct gpu_res *r)
{
	struct virgl_renderer_resource_create_args a = {
		.handle = r->id,
		.target = PIPE_TEXTURE_2D,
		.format = r->format, /* virtio-gpu's 2D formats are virgl's numbers */
		.bind = VIRGL_RES_BIND_RENDER_TARGET,
		.width = r->width,
		.height = r->height,
		.depth = 1,
		.array_size = 1,
		.flags = VIRGL_RESOURCE_Y_0_TOP,
	};

	return status_of(dev->virgl, virgl_renderer_resource_create(&a, NULL, 0));
}

void
gpu_virgl_unref(struct gpu_dev *dev, struct gpu_res *r)
{
	take_back(dev->virgl, r);
	virgl_renderer_resource_unref(r->id);
}

uint32_t
gpu_virgl_transfer_2d(struct gpu_dev *dev, struct gpu_res *r, const struct gpu_rect *rect,
		      uint64_t off)
{
	struct virgl_box box = {rect->x, rect->y, 0, rect->width, rect->height, 1};

	if (r->iov == NULL)
		return GPU_RESP_ERR_INVALID_PARAMETER; /* lost to a memory table change */
	/* stride 0: the resource's row, as the checks in gpu.c assumed */
	return status_of(dev->virgl,
			 virgl_renderer_transfer_write_iov(r->id, 0, 0, 0, 0, &box, off, NULL, 0));
}

int
gpu_virgl_read_band(struct gpu_dev *dev, const struct gpu_res *r, const struct gpu_rect *fr,
		    uint32_t y, uint32_t h, uint8_t *dst)
{
	struct virgl_box box = {fr->x, fr->y + y, 0, fr->width, h, 1};
	struct iovec iov = {dst, (size_t)h * fr->width * 4u};

	if (!gpu_format_ok(r->format))
		return -1; /* not a format the display protocol can carry */
	if (virgl_renderer_transfer_read_iov(r->id, 0, 0, fr->width * 4u, 0, &box, 0, &iov, 1) !=
	    0) {
		dev->virgl->stats.renderer_errors++;
		return -1;
	}
	dev->virgl->stats.readbacks++;
	return gpu_to_argb(r->format, dst, dst, fr->width * h);
}

/* The renderer's own export: its export query (fourcc, stride, modifier),
 * else the GL texture's fd. One plane at offset 0 only (what the display
 * protocol carries).
 */
static int
renderer_export(uint32_t res_id, struct gpu_dmabuf *b)
{
	struct virgl_renderer_export_query q;
	struct virgl_renderer_resource_info info;
	int fd = -1, stride = 0, offset = 0;
	uint32_t i;

	if (virgl_renderer_resource_get_info((int)res_id, &info) != 0)
		return -1;
	b->width = info.width;
	b->height = info.height;
	b->y0_top = (info.flags & VIRGL_RESOURCE_Y_0_TOP) != 0;
	memset(&q, 0, sizeof(q));
	q.hdr.stype = VIRGL_RENDERER_STRUCTURE_TYPE_EXPORT_QUERY;
	q.hdr.size = sizeof(q);
	q.in_resource_id = res_id;
	q.in_export_fds = 1;
	if (virgl_renderer_execute(&q, sizeof(q)) == 0 && q.out_num_fds >= 1) {
		bool one = q.out_num_fds == 1 && q.out_offsets[0] == 0;

		if (one) {
			b->fd = q.out_fds[0];
			b->stride = q.out_strides[0];
			b->fourcc = q.out_fourcc;
			b->modifier = q.out_modifier;
		}
		for (i = one ? 1 : 0; i < q.out_num_fds && i < 4; i++)
			close(q.out_fds[i]);
		return one ? 0 : -1;
	}
	if (virgl_renderer_get_fd_for_texture2(info.tex_id, &fd, &stride, &offset) != 0 || fd < 0)
		return -1;
	if (offset != 0) {
		close(fd);
		return -1;
	}
	b->fd = fd;
	b->stride = (uint32_t)stride;
	b->fourcc = (uint32_t)info.drm_fourcc;
	b->modifier = GPU_DISP_MOD_INVALID;
	return 0;
}

static gpu_virgl_export_fn exporter = renderer_export;

void
gpu_virgl_set_exporter(gpu_virgl_export_fn fn)
{
	exporter = fn != NULL ? fn : renderer_export;
}

int
gpu_virgl_export(struct gpu_dev *dev, const struct gpu_res *r, struct gpu_dmabuf *b)
{
	struct gpu_virgl *v = dev->virgl;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (v->state != 1 || exporter(r->id, b) != 0 || b->fd < 0) {
		v->stats.export_failures++;
		return -1;
	}
	v->stats.exports++;
	return 0;
}

/*
 * The cursor image read back like a scanout band: the renderer's own cursor
 * read-out gives the GL storage's byte order, which under GLES is not the
 * resource's format.
 */
int
gpu_virgl_cursor(struct gpu_dev *dev, const struct gpu_res *r, uint32_t *img)
{
	const struct gpu_rect all = {0, 0, GPU_CURSOR_DIM, GPU_CURSOR_DIM};

	if (r->width != GPU_CURSOR_DIM || r->height != GPU_CURSOR_DIM)
		return -1;
	return gpu_virgl_read_band(dev, r, &all, 0, GPU_CURSOR_DIM, (uint8_t *)img);
}

/* ---- commands of virgl mode ---- */

static int
ctx_index(const struct gpu_virgl *v, uint32_t ctx)
{
	uint32_t i;

	for (i = 0; i < v->nctx; i++)
		if (v->ctx[i] == ctx)
			return (int)i;
	return -1;
}

/* The @p index-th capset offered, 0: none. */
static uint32_t
capset_at(const struct gpu_virgl *v, uint32_t index)
{
	uint32_t id;

	for (id = 1; id < 32; id++)
		if ((v->o.capsets & (1u << id)) && index-- == 0)
			return id;
	return 0;
}

static bool
capset_offered(const struct gpu_virgl *v, uint32_t id)
{
	return id != 0 && id < 32 && (v->o.capsets & (1u << id));
}

static int
do_capset_info(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in,
	       uint32_t *st)
{
	struct gpu_get_capset_info c;
	struct gpu_resp_capset_info r;
	uint32_t id, maxv = 0, maxs = 0;

	if (!gpu_get(req, &c, sizeof(c))) {
		*st = GPU_RESP_ERR_UNSPEC;
		return GPU_VIRGL_STATUS;
	}
	id = capset_at(dev->virgl, le32toh(c.capset_index));
	if (id == 0) {
		*st = GPU_RESP_ERR_INVALID_PARAMETER;
		return GPU_VIRGL_STATUS;
	}
	virgl_renderer_get_cap_set(id, &maxv, &maxs);
	memset(&r, 0, sizeof(r));
	r.hdr.type = htole32(GPU_RESP_OK_CAPSET_INFO);
	r.capset_id = htole32(id);
	r.capset_max_version = htole32(maxv);
	r.capset_max_size = htole32(maxs);
	return gpu_reply(dev, req, in, &r, sizeof(r));
}

static int
do_capset(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in, uint32_t *st)
{
	struct gpu_get_capset c;
	struct gpu_ctrl_hdr *h;
	uint32_t id, ver, maxv = 0, maxs = 0;
	int used;

	*st = GPU_RESP_ERR_INVALID_PARAMETER;
	if (!gpu_get(req, &c, sizeof(c))) {
		*st = GPU_RESP_ERR_UNSPEC;
		return GPU_VIRGL_STATUS;
	}
	id = le32toh(c.capset_id);
	ver = le32toh(c.capset_version);
	if (!capset_offered(dev->virgl, id))
		return GPU_VIRGL_STATUS;
	virgl_renderer_get_cap_set(id, &maxv, &maxs);
	if (maxs == 0 || ver > maxv)
		return GPU_VIRGL_STATUS;
	h = calloc(1, sizeof(*h) + maxs);
	if (h == NULL) {
		*st = GPU_RESP_ERR_OUT_OF_MEMORY;
		return GPU_VIRGL_STATUS;
	}
	h->type = htole32(GPU_RESP_OK_CAPSET);
	virgl_renderer_fill_caps(id, ver, h + 1);
	used = gpu_reply(dev, req, in, h, sizeof(*h) + maxs);
	free(h);
	return used;
}

static uint32_t
do_ctx_create(struct gpu_dev *dev, struct vhd_req *req, uint32_t ctx)
{
	struct gpu_virgl *v = dev->virgl;
	struct gpu_ctx_create c;
	uint32_t nlen, init;
	int rc;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	nlen = le32toh(c.nlen);
	init = le32toh(c.context_init);
	if (ctx == 0 || ctx_index(v, ctx) >= 0)
		return GPU_RESP_ERR_INVALID_CONTEXT_ID;
	if (nlen > sizeof(c.debug_name))
		return GPU_RESP_ERR_INVALID_PARAMETER;
	if (v->nctx == GPU_VIRGL_MAX_CTX)
		return GPU_RESP_ERR_OUT_OF_MEMORY;
	if (dev->features & (1ull << GPU_F_CONTEXT_INIT)) {
		uint32_t capset = init & VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK;

		/* the capset chooses the context type: only ours, nothing else set */
		if ((init & ~VIRGL_RENDERER_CONTEXT_FLAG_CAPSET_ID_MASK) != 0 ||
		    (capset != 0 && !capset_offered(v, capset)))
			return GPU_RESP_ERR_INVALID_PARAMETER;
		if (capset != 0)
			rc = virgl_renderer_context_create_with_flags(ctx, init, nlen,
								      c.debug_name);
		else /* no type asked for: virgl, as without CONTEXT_INIT */
			rc = virgl_renderer_context_create(ctx, nlen, c.debug_name);
	} else {
		rc = virgl_renderer_context_create(ctx, nlen, c.debug_name);
	}
	if (rc != 0) {
		v->stats.renderer_errors++;
		return GPU_RESP_ERR_UNSPEC;
	}
	v->ctx[v->nctx++] = ctx;
	v->stats.contexts++;
	return GPU_RESP_OK_NODATA;
}

static uint32_t
do_ctx_destroy(struct gpu_dev *dev, uint32_t ctx)
{
	struct gpu_virgl *v = dev->virgl;
	int i = ctx_index(v, ctx);

	if (i < 0)
		return GPU_RESP_ERR_INVALID_CONTEXT_ID;
	virgl_renderer_context_destroy(ctx);
	v->ctx[i] = v->ctx[--v->nctx];
	release_ctx_fences(v, ctx);
	return GPU_RESP_OK_NODATA;
}

static uint32_t
do_ctx_resource(struct gpu_dev *dev, struct vhd_req *req, uint32_t ctx, bool attach)
{
	struct gpu_ctx_resource c;
	uint32_t rid;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	rid = le32toh(c.resource_id);
	if (ctx_index(dev->virgl, ctx) < 0)
		return GPU_RESP_ERR_INVALID_CONTEXT_ID;
	if (gpu_res_find(dev, rid) == NULL)
		return GPU_RESP_ERR_INVALID_RESOURCE_ID;
	if (attach)
		virgl_renderer_ctx_attach_resource((int)ctx, (int)rid);
	else
		virgl_renderer_ctx_detach_resource((int)ctx, (int)rid);
	return GPU_RESP_OK_NODATA;
}

/*
 * What a 3D resource is charged against the guest's bound: four bytes a
 * texel (a buffer: its width in bytes), a third more with mip levels. An
 * estimate (the renderer sizes by format): a guest choosing 16-byte
 * formats gets at most four times the bound.
 */
static uint64_t
size_3d(const struct gpu_resource_create_3d *c)
{
	uint64_t n;

	if (c->target == 0)
		return c->width;
	n = (uint64_t)c->width * (c->height ? c->height : 1) * (c->depth ? c->depth : 1) *
	    (c->array_size ? c->array_size : 1) * (c->nr_samples ? c->nr_samples : 1) * 4u;
	return c->last_level != 0 ? n + n / 3 : n;
}

static uint32_t
do_create_3d(struct gpu_dev *dev, struct vhd_req *req)
{
	struct gpu_resource_create_3d c;
	struct virgl_renderer_resource_create_args a;
	struct gpu_res *r;
	uint32_t st;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	c.resource_id = le32toh(c.resource_id);
	c.target = le32toh(c.target);
	c.format = le32toh(c.format);
	c.bind = le32toh(c.bind);
	c.width = le32toh(c.width);
	c.height = le32toh(c.height);
	c.depth = le32toh(c.depth);
	c.array_size = le32toh(c.array_size);
	c.last_level = le32toh(c.last_level);
	c.nr_samples = le32toh(c.nr_samples);
	c.flags = le32toh(c.flags);
	if (c.target > MAX_TARGET || c.width == 0 || c.width > GPU_MAX_DIM ||
	    c.height > GPU_MAX_DIM || c.depth > GPU_MAX_DIM || c.array_size > MAX_LAYERS ||
	    c.last_level > MAX_LEVELS || c.nr_samples > MAX_SAMPLES)
		return GPU_RESP_ERR_INVALID_PARAMETER;
	st = gpu_res_add(dev, c.resource_id, c.format, c.width, c.height ? c.height : 1,
			 size_3d(&c), &r);
	if (st != GPU_RESP_OK_NODATA)
		return st;
	a = (struct virgl_renderer_resource_create_args){
		.handle = c.resource_id, .target = c.target, .format = c.format, .bind = c.bind,
		.width = c.width, .height = c.height, .depth = c.depth,
		.array_size = c.array_size, .last_level = c.last_level,
		.nr_samples = c.nr_samples, .flags = c.flags,
	};
	st = status_of(dev->virgl, virgl_renderer_resource_create(&a, NULL, 0));
	if (st != GPU_RESP_OK_NODATA)
		gpu_res_remove(dev, r);
	return st;
}

static uint32_t
do_transfer_3d(struct gpu_dev *dev, struct vhd_req *req, uint32_t ctx, bool to_host)
{
	struct gpu_transfer_3d c;
	struct virgl_box box;
	struct gpu_res *r;
	uint64_t off;
	int rc;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	r = gpu_res_find(dev, le32toh(c.resource_id));
	if (r == NULL)
		return GPU_RESP_ERR_INVALID_RESOURCE_ID;
	off = le64toh(c.offset);
	/* the renderer checks box, level and strides against the backing it holds */
	if (r->iov == NULL || off > r->backing_len)
		return GPU_RESP_ERR_INVALID_PARAMETER;
	box.x = le32toh(c.box.x);
	box.y = le32toh(c.box.y);
	box.z = le32toh(c.box.z);
	box.w = le32toh(c.box.w);
	box.h = le32toh(c.box.h);
	box.d = le32toh(c.box.d);
	if (to_host)
		rc = virgl_renderer_transfer_write_iov(r->id, ctx, (int)le32toh(c.level),
						       le32toh(c.stride), le32toh(c.layer_stride),
						       &box, off, NULL, 0);
	else
		rc = virgl_renderer_transfer_read_iov(r->id, ctx, le32toh(c.level),
						      le32toh(c.stride), le32toh(c.layer_stride),
						      &box, off, NULL, 0);
	if (rc == 0) {
		dev->stats.transfers++;
		dev->stats.transfer_bytes += (uint64_t)box.w * box.h * box.d * 4u;
	}
	return status_of(dev->virgl, rc);
}

static uint32_t
do_submit(struct gpu_dev *dev, struct vhd_req *req, uint32_t ctx)
{
	struct gpu_virgl *v = dev->virgl;
	struct gpu_submit_3d c;
	uint32_t size;

	if (!gpu_get(req, &c, sizeof(c)))
		return GPU_RESP_ERR_UNSPEC;
	size = le32toh(c.size);
	if (ctx_index(v, ctx) < 0)
		return GPU_RESP_ERR_INVALID_CONTEXT_ID;
	if (size % 4u != 0 || size > GPU_VIRGL_MAX_SUBMIT || req->rd_len < sizeof(c) + size)
		return GPU_RESP_ERR_INVALID_PARAMETER;
	if (size > v->cmd_cap) {
		uint8_t *grown = realloc(v->cmd, size);

		if (grown == NULL)
			return GPU_RESP_ERR_OUT_OF_MEMORY;
		v->cmd = grown;
		v->cmd_cap = size;
	}
	vhd_req_read(req, sizeof(c), v->cmd, size);
	v->stats.submits++;
	v->stats.submit_bytes += size;
	if (size != 0 && virgl_renderer_submit_cmd(v->cmd, (int)ctx, (int)(size / 4u)) != 0) {
		v->stats.submit_errors++;
		return GPU_RESP_ERR_INVALID_PARAMETER;
	}
	return GPU_RESP_OK_NODATA;
}

int
gpu_virgl_ctrl(struct gpu_dev *dev, struct vhd_req *req, const struct gpu_ctrl_hdr *in,
	       uint32_t type, uint32_t *st)
{
	uint32_t ctx = le32toh(in->ctx_id);

	/* a ring index past the renderer's rings is refused before anything is done */
	if ((le32toh(in->flags) & (GPU_FLAG_FENCE | GPU_FLAG_INFO_RING_IDX)) ==
		    (GPU_FLAG_FENCE | GPU_FLAG_INFO_RING_IDX) &&
	    (dev->features & (1ull << GPU_F_CONTEXT_INIT)) && in->ring_idx >= GPU_VIRGL_RINGS) {
		*st = GPU_RESP_ERR_INVALID_PARAMETER;
		return GPU_VIRGL_STATUS;
	}
	switch (type) {
	case GPU_CMD_GET_CAPSET_INFO:
		return do_capset_info(dev, req, in, st);
	case GPU_CMD_GET_CAPSET:
		return do_capset(dev, req, in, st);
	case GPU_CMD_CTX_CREATE:
		*st = do_ctx_create(dev, req, ctx);
		break;
	case GPU_CMD_CTX_DESTROY:
		*st = do_ctx_destroy(dev, ctx);
		break;
	case GPU_CMD_CTX_ATTACH_RESOURCE:
	case GPU_CMD_CTX_DETACH_RESOURCE:
		*st = do_ctx_resource(dev, req, ctx, type == GPU_CMD_CTX_ATTACH_RESOURCE);
		break;
	case GPU_CMD_RESOURCE_CREATE_3D:
		*st = do_create_3d(dev, req);
		break;
	case GPU_CMD_TRANSFER_TO_HOST_3D:
	case GPU_CMD_TRANSFER_FROM_HOST_3D:
		*st = do_transfer_3d(dev, req, ctx, type == GPU_CMD_TRANSFER_TO_HOST_3D);
		break;
	case GPU_CMD_SUBMIT_3D:
		*st = do_submit(dev, req, ctx);
		break;
	default:
		return GPU_VIRGL_NOT_MINE;
	}
	return GPU_VIRGL_STATUS;
}
