/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * gpu_disp's DMABUF messages on the unit-test host, with a socketpair as the
 * display (memfds stand in for dmabufs): the bytes of DMABUF_SCANOUT and
 * SCANOUT2, the fd on exactly the first byte of its message (also when the
 * display stops reading and the message waits in the queue), DMABUF2
 * negotiation, DMABUF_UPDATE's reply, timeout, close and replacement,
 * malformed replies, and no fd leaked on any path (open fds counted in
 * /proc/self/fd). The last tests use lib/frontend's display end
 * (vhd_fe_disp) as the display.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "gpu_disp.h"
#include "vhd_fe_disp.h"
#include "vhd_fe_raw.h"
#include "vhd_test_host.h"

#define F_EDID (1ull << GPU_DISP_PF_EDID)
#define F_DMABUF2 (1ull << GPU_DISP_PF_DMABUF2)
#define XR24 0x34325258u /* DRM_FORMAT_XRGB8888 */

struct ctx {
	struct vhd_test_host h;
	struct gpu_disp d;
	int peer;          /* the display's end, -1: none */
	int memfd;         /* the "dmabuf" */
	int fds_at_start;  /* open fds before the test */
	unsigned int ready;
	unsigned int done, done_ok; /* done() calls, of which ok */
	bool in_call;      /* inside gpu_disp_dmabuf_update() */
};

/* The worker to run while the display waits for bytes still in gpu_disp's queue. */
static struct vhd_test_host *pump;

static int
open_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1; /* the directory's own */
}

static void
on_ready(void *arg)
{
	((struct ctx *)arg)->ready++;
}

static void
on_done(void *arg, bool ok)
{
	struct ctx *c = arg;

	assert_false(c->in_call); /* never from inside the call */
	c->done++;
	c->done_ok += ok;
}

static int
setup(void **state)
{
	struct ctx *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	c->fds_at_start = open_fds();
	vhd_test_host_init(&c->h);
	pump = &c->h;
	gpu_disp_init(&c->d, &c->h.host, 1, true, on_ready, c);
	c->peer = -1;
	c->memfd = memfd_create("test_gpu_disp", MFD_CLOEXEC);
	assert_true(c->memfd >= 0);
	assert_int_equal(ftruncate(c->memfd, 4096), 0);
	*state = c;
	return 0;
}

/* Every test ends here: everything closed, no fd left behind. */
static int
teardown(void **state)
{
	struct ctx *c = *state;

	gpu_disp_fini(&c->d);
	if (c->peer >= 0)
		close(c->peer);
	close(c->memfd);
	assert_int_equal(open_fds(), c->fds_at_start);
	assert_int_equal(c->h.nwatch, 0);
	free(c);
	return 0;
}

/* ---- a raw display ---- */

static void
peer_send(int fd, uint32_t req, uint32_t flags, const void *p, uint32_t size)
{
	uint8_t m[12 + 2048];

	memcpy(m, &req, 4);
	memcpy(m + 4, &flags, 4);
	memcpy(m + 8, &size, 4);
	if (size != 0)
		memcpy(m + 12, p, size);
	assert_int_equal(send(fd, m, 12 + size, MSG_NOSIGNAL), 12 + size);
}

/*
 * Exactly @p len bytes, running the worker while they are not there yet.
 * @return the fds that came with them (the first kept in *fd, others closed).
 */
static unsigned int
recv_exact(int sock, void *buf, size_t len, int *fd)
{
	unsigned int nfds = 0, tries = 0;
	size_t got = 0;

	while (got < len) {
		union {
			char b[CMSG_SPACE(4 * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {(char *)buf + got, len - got};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
				   .msg_controllen = sizeof(ctl.b)};
		struct cmsghdr *cm;
		ssize_t n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN && ++tries < 100000) {
			vhd_test_host_run(pump);
			continue;
		}
		assert_true(n > 0);
		assert_int_equal(m.msg_flags & MSG_CTRUNC, 0);
		for (cm = CMSG_FIRSTHDR(&m); cm != NULL; cm = CMSG_NXTHDR(&m, cm)) {
			size_t i, k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			assert_int_equal(cm->cmsg_type, SCM_RIGHTS);
			for (i = 0; i < k; i++) {
				int f;

				memcpy(&f, CMSG_DATA(cm) + i * sizeof(int), sizeof(f));
				if (*fd < 0)
					*fd = f;
				else
					close(f);
				nfds++;
			}
		}
		got += (size_t)n;
	}
	return nfds;
}

/*
 * One message, read as QEMU does, in exact pieces: the first byte alone (an
 * fd must come with it and only with it), then the rest of the header and
 * the payload. *@p fd: the fd that came with the first byte, or -1 (the
 * caller closes it). @return the payload size, -1: nothing pending.
 */
static int
peer_recv(int sock, uint32_t *req, void *p, uint32_t max, int *fd)
{
	struct pollfd pfd = {sock, POLLIN, 0};
	uint8_t hdr[12];
	uint32_t size;
	int stray = -1;

	*fd = -1;
	if (poll(&pfd, 1, 0) != 1)
		return -1;
	recv_exact(sock, hdr, 1, fd);
	assert_int_equal(recv_exact(sock, hdr + 1, 11, &stray), 0);
	memcpy(req, hdr, 4);
	memcpy(&size, hdr + 8, 4);
	assert_true(size <= max);
	assert_int_equal(recv_exact(sock, p, size, &stray), 0);
	return (int)size;
}

/* The next message must be @p want without an fd. @return its payload size. */
static int
peer_expect(struct ctx *c, uint32_t want, void *p, uint32_t max)
{
	uint32_t req = 0;
	int fd, n = peer_recv(c->peer, &req, p, max, &fd);

	assert_true(n >= 0);
	assert_int_equal(req, want);
	assert_int_equal(fd, -1);
	return n;
}

static void
attach(struct ctx *c)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if (c->peer >= 0)
		close(c->peer);
	c->peer = sv[0];
	assert_int_equal(gpu_disp_attach(&c->d, sv[1]), 0);
}

/* Attach a display offering @p offered; @return the features it was told. */
static uint64_t
display_up(struct ctx *c, uint64_t offered)
{
	struct gpu_resp_display_info info;
	struct gpu_resp_edid e;
	uint8_t buf[64];
	uint64_t set;
	uint32_t sid;

	attach(c);
	assert_int_equal(peer_expect(c, GPU_DISP_GET_PROTOCOL_FEATURES, buf, sizeof(buf)), 0);
	peer_send(c->peer, GPU_DISP_GET_PROTOCOL_FEATURES, GPU_DISP_FLAG_REPLY, &offered, 8);
	vhd_test_host_run(&c->h);
	assert_int_equal(peer_expect(c, GPU_DISP_SET_PROTOCOL_FEATURES, &set, 8), 8);
	assert_int_equal(peer_expect(c, GPU_DISP_GET_DISPLAY_INFO, buf, sizeof(buf)), 0);
	memset(&info, 0, sizeof(info));
	info.hdr.type = GPU_RESP_OK_DISPLAY_INFO;
	info.pmodes[0] = (struct gpu_display_one){{0, 0, 640, 480}, 1, 0};
	peer_send(c->peer, GPU_DISP_GET_DISPLAY_INFO, GPU_DISP_FLAG_REPLY, &info, sizeof(info));
	vhd_test_host_run(&c->h);
	if (set & F_EDID) {
		assert_int_equal(peer_expect(c, GPU_DISP_GET_EDID, &sid, 4), 4);
		memset(&e, 0, sizeof(e));
		e.hdr.type = GPU_RESP_OK_EDID;
		peer_send(c->peer, GPU_DISP_GET_EDID, GPU_DISP_FLAG_REPLY, &e, sizeof(e));
		vhd_test_host_run(&c->h);
	}
	assert_false(gpu_disp_pending(&c->d));
	assert_true(gpu_disp_up(&c->d));
	return set;
}

static void
same_file(int a, int b)
{
	struct stat sa, sb;

	assert_int_equal(fstat(a, &sa), 0);
	assert_int_equal(fstat(b, &sb), 0);
	assert_int_equal(sa.st_ino, sb.st_ino);
	assert_int_equal(sa.st_dev, sb.st_dev);
}

static struct gpu_dmabuf
buffer(struct ctx *c)
{
	return (struct gpu_dmabuf){.fd = c->memfd, .width = 64, .height = 48, .stride = 256,
				   .fourcc = XR24, .modifier = GPU_DISP_MOD_INVALID,
				   .y0_top = true};
}

/* ---- tests ---- */

/* DMABUF2 is asked for only when offered; EDID only when offered and wanted. */
static void
test_features(void **state)
{
	struct ctx *c = *state;

	assert_false(gpu_disp_has_dmabuf2(&c->d)); /* no display */
	assert_int_equal(display_up(c, 0), 0);
	assert_false(gpu_disp_has_dmabuf2(&c->d));
	assert_int_equal(display_up(c, F_EDID), F_EDID);
	assert_false(gpu_disp_has_dmabuf2(&c->d));
	assert_int_equal(display_up(c, F_DMABUF2), F_DMABUF2);
	assert_true(gpu_disp_has_dmabuf2(&c->d));
	assert_int_equal(display_up(c, ~0ull), F_EDID | F_DMABUF2); /* unknown bits: not ours */
	assert_true(gpu_disp_has_dmabuf2(&c->d));
	gpu_disp_close(&c->d);
	assert_false(gpu_disp_has_dmabuf2(&c->d));
	gpu_disp_fini(&c->d);
	gpu_disp_init(&c->d, &c->h.host, 1, false, on_ready, c); /* EDID not wanted */
	assert_int_equal(display_up(c, F_EDID | F_DMABUF2), F_DMABUF2);
	assert_int_equal(c->d.stats.attached, 1);
}

/* DMABUF_SCANOUT without DMABUF2: the doc's field order, the fd a dup of ours. */
static void
test_scanout_wire(void **state)
{
	struct ctx *c = *state;
	struct gpu_rect r = {1, 2, 30, 40};
	struct gpu_dmabuf b = buffer(c);
	uint32_t v[16], req;
	char got[6] = {0};
	int fd, n;

	display_up(c, F_EDID);
	assert_true(gpu_disp_dmabuf_scanout(&c->d, 3, &r, &b));
	n = peer_recv(c->peer, &req, v, sizeof(v), &fd);
	assert_int_equal(req, GPU_DISP_DMABUF_SCANOUT);
	assert_int_equal(n, 40);
	assert_int_equal(v[0], 3);   /* scanout */
	assert_int_equal(v[1], 1);   /* x */
	assert_int_equal(v[2], 2);   /* y */
	assert_int_equal(v[3], 30);  /* w */
	assert_int_equal(v[4], 40);  /* h */
	assert_int_equal(v[5], 64);  /* fd_width */
	assert_int_equal(v[6], 48);  /* fd_height */
	assert_int_equal(v[7], 256); /* fd_stride */
	assert_int_equal(v[8], GPU_DISP_DMABUF_Y0_TOP); /* fd_flags */
	assert_int_equal(v[9], XR24); /* fd_drm_fourcc */
	assert_true(fd >= 0);
	same_file(fd, c->memfd);
	assert_int_equal(pwrite(c->memfd, "frame", 5, 100), 5);
	assert_int_equal(pread(fd, got, 5, 100), 5);
	assert_string_equal(got, "frame");
	close(fd);
	assert_true(fcntl(c->memfd, F_GETFD) >= 0); /* ours stays open */
	assert_int_equal(c->d.nqfd, 0);              /* the dup is closed once sent */
	/* disabled: zeros, no fd (QEMU: fd -1 is dpy_gl_scanout_disable) */
	assert_true(gpu_disp_dmabuf_scanout(&c->d, 3, NULL, NULL));
	n = peer_recv(c->peer, &req, v, sizeof(v), &fd);
	assert_int_equal(req, GPU_DISP_DMABUF_SCANOUT);
	assert_int_equal(n, 40);
	assert_int_equal(fd, -1);
	assert_int_equal(v[0], 3);
	for (n = 1; n < 10; n++)
		assert_int_equal(v[n], 0);
	assert_int_equal(c->d.stats.dmabuf_scanouts, 2);
	assert_int_equal(peer_recv(c->peer, &req, v, sizeof(v), &fd), -1);
}

/* DMABUF_SCANOUT2 with DMABUF2: the same 40 bytes, then the modifier. */
static void
test_scanout2_wire(void **state)
{
	struct ctx *c = *state;
	struct gpu_rect r = {0, 0, 64, 48};
	struct gpu_dmabuf b = buffer(c);
	uint8_t m[64];
	uint32_t v[10], req;
	uint64_t mod;
	int fd;

	display_up(c, F_EDID | F_DMABUF2);
	b.modifier = 0x0100000000000002ull; /* I915_FORMAT_MOD_Y_TILED */
	b.y0_top = false;
	assert_true(gpu_disp_dmabuf_scanout(&c->d, 0, &r, &b));
	assert_int_equal(peer_recv(c->peer, &req, m, sizeof(m), &fd), 48);
	assert_int_equal(req, GPU_DISP_DMABUF_SCANOUT2);
	memcpy(v, m, 40);
	memcpy(&mod, m + 40, 8);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[3], 64);
	assert_int_equal(v[4], 48);
	assert_int_equal(v[7], 256);
	assert_int_equal(v[8], 0);
	assert_int_equal(v[9], XR24);
	assert_int_equal(mod, 0x0100000000000002ull);
	assert_true(fd >= 0);
	same_file(fd, c->memfd);
	close(fd);
	/* disabling needs no modifier: DMABUF_SCANOUT */
	assert_true(gpu_disp_dmabuf_scanout(&c->d, 0, NULL, NULL));
	assert_int_equal(peer_expect(c, GPU_DISP_DMABUF_SCANOUT, m, sizeof(m)), 40);
}

/* Refused: no display, no fd, no rectangle, an fd that is not open. */
static void
test_scanout_refused(void **state)
{
	struct ctx *c = *state;
	struct gpu_rect r = {0, 0, 64, 48};
	struct gpu_dmabuf b = buffer(c);
	uint8_t m[64];

	assert_false(gpu_disp_dmabuf_scanout(&c->d, 0, &r, &b));
	assert_false(gpu_disp_dmabuf_scanout(&c->d, 0, NULL, NULL));
	display_up(c, F_DMABUF2);
	assert_false(gpu_disp_dmabuf_scanout(&c->d, 0, NULL, &b));
	b.fd = -1;
	assert_false(gpu_disp_dmabuf_scanout(&c->d, 0, &r, &b));
	b.fd = dup(c->memfd);
	close(b.fd); /* not open */
	assert_false(gpu_disp_dmabuf_scanout(&c->d, 0, &r, &b));
	assert_int_equal(c->d.stats.dmabuf_scanouts, 0);
	assert_int_equal(peer_recv(c->peer, &(uint32_t){0}, m, sizeof(m), &(int){0}), -1);
	assert_true(gpu_disp_up(&c->d));
}

/* DMABUF_UPDATE: done(true) at the reply, and not before; one at a time. */
static void
test_update_reply(void **state)
{
	struct ctx *c = *state;
	uint32_t v[8];
	int i;

	assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 1, 1, on_done, c), -1);
	display_up(c, F_DMABUF2);
	for (i = 0; i < 2; i++) {
		c->in_call = true;
		assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 1, 2, 3, 4, on_done, c), 0);
		assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 1, 2, 3, 4, on_done, c), -1);
		c->in_call = false;
		assert_int_equal(peer_expect(c, GPU_DISP_DMABUF_UPDATE, v, sizeof(v)), 20);
		assert_int_equal(v[0], 0);
		assert_int_equal(v[1], 1);
		assert_int_equal(v[2], 2);
		assert_int_equal(v[3], 3);
		assert_int_equal(v[4], 4);
		vhd_test_host_run(&c->h);
		vhd_test_host_advance(&c->h, GPU_DISP_DMABUF_WAIT_NS / 2);
		assert_int_equal(c->done, i); /* not until the display says so */
		peer_send(c->peer, GPU_DISP_DMABUF_UPDATE, GPU_DISP_FLAG_REPLY, NULL, 0);
		vhd_test_host_run(&c->h);
		assert_int_equal(c->done, i + 1);
		assert_int_equal(c->done_ok, i + 1);
	}
	/* the timer went with the reply */
	vhd_test_host_advance(&c->h, 2 * GPU_DISP_DMABUF_WAIT_NS);
	assert_int_equal(c->done, 2);
	assert_int_equal(c->d.stats.dmabuf_updates, 2);
	assert_int_equal(c->d.stats.dmabuf_timeouts, 0);
	assert_int_equal(c->d.stats.bad_replies, 0);
}

/* No reply in time: done(false); the late reply is still the display's due
 * and does not complete the next update.
 */
static void
test_update_timeout(void **state)
{
	struct ctx *c = *state;
	uint32_t v[8];

	display_up(c, 0);
	assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 8, 8, on_done, c), 0);
	peer_expect(c, GPU_DISP_DMABUF_UPDATE, v, sizeof(v));
	vhd_test_host_advance(&c->h, GPU_DISP_DMABUF_WAIT_NS - 1);
	assert_int_equal(c->done, 0);
	vhd_test_host_advance(&c->h, 1);
	assert_int_equal(c->done, 1);
	assert_int_equal(c->done_ok, 0);
	assert_int_equal(c->d.stats.dmabuf_timeouts, 1);
	vhd_test_host_advance(&c->h, 10 * GPU_DISP_DMABUF_WAIT_NS);
	assert_int_equal(c->done, 1); /* once */
	/* the next one goes out; the first reply is the late one's */
	assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 8, 8, on_done, c), 0);
	peer_expect(c, GPU_DISP_DMABUF_UPDATE, v, sizeof(v));
	peer_send(c->peer, GPU_DISP_DMABUF_UPDATE, GPU_DISP_FLAG_REPLY, NULL, 0);
	vhd_test_host_run(&c->h);
	assert_int_equal(c->done, 1);
	peer_send(c->peer, GPU_DISP_DMABUF_UPDATE, GPU_DISP_FLAG_REPLY, NULL, 0);
	vhd_test_host_run(&c->h);
	assert_int_equal(c->done, 2);
	assert_int_equal(c->done_ok, 1);
	assert_true(gpu_disp_up(&c->d));
	assert_int_equal(c->d.stats.bad_replies, 0);
}

/* A waiting update ends with done(false) at close, fini, a replacing display
 * and a display that hangs up; then no reply is owed any more.
 */
static void
test_update_ended(void **state)
{
	struct ctx *c = *state;
	uint32_t v[8];
	int old;

	display_up(c, 0);
	assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 8, 8, on_done, c), 0);
	gpu_disp_close(&c->d);
	assert_int_equal(c->done, 1);
	assert_int_equal(c->done_ok, 0);
	/* replaced */
	display_up(c, 0);
	assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 8, 8, on_done, c), 0);
	old = c->peer;
	c->peer = -1;
	attach(c);
	assert_int_equal(c->done, 2);
	assert_int_equal(recv(old, v, sizeof(v), 0), 20 + 12); /* the update, then closed */
	assert_int_equal(recv(old, v, sizeof(v), 0), 0);
	close(old);
	/* the new display's reply to the old update is not owed: malformed */
	display_up(c, 0);
	peer_send(c->peer, GPU_DISP_DMABUF_UPDATE, GPU_DISP_FLAG_REPLY, NULL, 0);
	vhd_test_host_run(&c->h);
	assert_false(gpu_disp_up(&c->d));
	assert_int_equal(c->d.stats.bad_replies, 1);
	/* hang-up */
	display_up(c, 0);
	assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 8, 8, on_done, c), 0);
	close(c->peer);
	c->peer = -1;
	vhd_test_host_run(&c->h);
	assert_false(gpu_disp_up(&c->d));
	assert_int_equal(c->done, 3);
	/* the timer went too */
	vhd_test_host_advance(&c->h, 2 * GPU_DISP_DMABUF_WAIT_NS);
	assert_int_equal(c->done, 3);
	assert_int_equal(c->d.stats.dmabuf_timeouts, 0);
	/* fini */
	display_up(c, 0);
	assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 8, 8, on_done, c), 0);
	gpu_disp_fini(&c->d);
	assert_int_equal(c->done, 4);
	assert_int_equal(c->done_ok, 0);
	assert_int_equal(c->h.ntimers, 0);
}

/* Malformed or unexpected DMABUF_UPDATE replies close the display and are counted. */
static void
test_bad_replies(void **state)
{
	struct ctx *c = *state;
	uint32_t junk[4] = {0}, v[8];
	int i;

	for (i = 0; i < 4; i++) {
		display_up(c, F_DMABUF2);
		if (i != 0) {
			assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 8, 8, on_done, c),
					 0);
			peer_expect(c, GPU_DISP_DMABUF_UPDATE, v, sizeof(v));
		}
		if (i == 0) /* none owed */
			peer_send(c->peer, GPU_DISP_DMABUF_UPDATE, GPU_DISP_FLAG_REPLY, NULL, 0);
		else if (i == 1) /* a payload */
			peer_send(c->peer, GPU_DISP_DMABUF_UPDATE, GPU_DISP_FLAG_REPLY, junk, 4);
		else if (i == 2) /* not a reply */
			peer_send(c->peer, GPU_DISP_DMABUF_UPDATE, 0, NULL, 0);
		else /* a reply to something else */
			peer_send(c->peer, GPU_DISP_DMABUF_SCANOUT, GPU_DISP_FLAG_REPLY, NULL, 0);
		vhd_test_host_run(&c->h);
		assert_false(gpu_disp_up(&c->d));
		assert_int_equal(recv(c->peer, v, sizeof(v), 0), 0); /* closed */
		assert_int_equal(c->done, (unsigned int)i);
		assert_int_equal(c->done_ok, 0);
	}
	assert_int_equal(c->d.stats.bad_replies, 4);
	assert_int_equal(c->d.stats.lost, 4);
	assert_int_equal(c->h.ntimers, 0);
}

/* Read everything the display was sent, running the worker as the socket
 * drains; each DMABUF_SCANOUT must bring the memfd with its first byte.
 * @return DMABUF_SCANOUTs seen.
 */
static unsigned int
drain(struct ctx *c, unsigned int *updates)
{
	static uint8_t body[GPU_DISP_UPDATE_HDR + 256 * 256 * 4];
	unsigned int scanouts = 0, idle = 0;

	*updates = 0;
	while (idle < 3) {
		uint32_t req;
		int fd, n;

		vhd_test_host_run(&c->h);
		n = peer_recv(c->peer, &req, body, sizeof(body), &fd);
		if (n < 0) {
			idle += gpu_disp_queued(&c->d) == 0;
			continue;
		}
		idle = 0;
		if (req == GPU_DISP_DMABUF_SCANOUT) {
			assert_true(fd >= 0);
			same_file(fd, c->memfd);
			close(fd);
			scanouts++;
		} else {
			assert_int_equal(fd, -1);
			*updates += req == GPU_DISP_UPDATE;
		}
	}
	return scanouts;
}

/* A display that does not read: DMABUF_SCANOUTs wait in the queue with their
 * fds (bounded), nothing blocks; when it reads again every fd comes with its
 * message, also those whose send was split; then no dup is left open.
 */
static void
test_stalled(void **state)
{
	struct ctx *c = *state;
	struct gpu_rect r = {0, 0, 64, 48};
	struct gpu_dmabuf b = buffer(c);
	unsigned int i, queued = 0, updates, upd_queued = 0;
	int base;

	display_up(c, 0);
	base = open_fds();
	/* pixels until the socket is full, a DMABUF_SCANOUT after each of them */
	for (i = 0; i < 4 * GPU_DISP_FDS_MAX; i++) {
		uint8_t *px = gpu_disp_update(&c->d, 0, 0, 0, 256, 256);

		if (px != NULL) {
			memset(px, (int)i, 256 * 256 * 4);
			gpu_disp_commit(&c->d);
			upd_queued++;
		}
		if (gpu_disp_dmabuf_scanout(&c->d, 0, &r, &b))
			queued++;
	}
	assert_true(c->d.stats.write_waits > 0);
	assert_true(gpu_disp_queued(&c->d) > 0);
	assert_int_equal(c->d.nqfd, GPU_DISP_FDS_MAX); /* full: the rest refused */
	assert_true(queued >= GPU_DISP_FDS_MAX && queued < 4 * GPU_DISP_FDS_MAX);
	assert_int_equal(open_fds(), base + (int)GPU_DISP_FDS_MAX);
	assert_int_equal(c->h.watch[0].events, EPOLLIN | EPOLLOUT);
	/* reads again */
	assert_int_equal(drain(c, &updates), queued);
	assert_int_equal(updates, upd_queued);
	assert_int_equal(c->d.nqfd, 0);
	assert_int_equal(open_fds(), base);
	assert_int_equal(c->h.watch[0].events, EPOLLIN);
	/* stalled again, then dropped: at close and at a replacing attach */
	for (i = 0; i < 2; i++) {
		unsigned int k;

		for (k = 0; k < 64 && gpu_disp_queued(&c->d) == 0; k++) {
			uint8_t *px = gpu_disp_update(&c->d, 0, 0, 0, 256, 256);

			assert_non_null(px);
			gpu_disp_commit(&c->d);
		}
		assert_true(gpu_disp_dmabuf_scanout(&c->d, 0, &r, &b));
		assert_true(gpu_disp_dmabuf_scanout(&c->d, 0, &r, &b));
		assert_int_equal(c->d.nqfd, 2);
		assert_int_equal(open_fds(), base + 2);
		if (i == 0) {
			gpu_disp_close(&c->d);
			assert_int_equal(open_fds(), base - 1); /* our end of the socket too */
			display_up(c, 0);
		} else {
			attach(c);
			assert_int_equal(open_fds(), base);
		}
		assert_int_equal(c->d.nqfd, 0);
	}
}

/* ---- lib/frontend's display end ---- */

/* The next message vhd_fe_disp hands over, running the worker meanwhile. */
static void
fe_next(struct ctx *c, struct vhd_fe_disp *fd, struct vhd_fe_disp_msg *m, uint32_t want)
{
	static uint8_t body[4096];
	int i, rc = -ETIMEDOUT;

	m->body = body;
	m->cap = sizeof(body);
	for (i = 0; i < 100 && rc == -ETIMEDOUT; i++) {
		rc = vhd_fe_disp_next(fd, m, 10);
		vhd_test_host_run(&c->h);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(m->request, want);
}

static void
fe_display_up(struct ctx *c, struct vhd_fe_disp *fd, uint64_t offered)
{
	struct gpu_resp_display_info info;
	struct vhd_fe_disp_msg m;
	uint64_t set;

	attach(c);
	memset(fd, 0, sizeof(*fd));
	fd->fd = c->peer;
	fd->features = offered;
	memset(&info, 0, sizeof(info));
	info.hdr.type = GPU_RESP_OK_DISPLAY_INFO;
	memcpy(fd->info, &info, sizeof(info));
	fe_next(c, fd, &m, VHD_FE_DISP_SET_PROTOCOL_FEATURES);
	memcpy(&set, m.body, 8);
	assert_int_equal(set, offered & (VHD_FE_DISP_PF_EDID | VHD_FE_DISP_PF_DMABUF2));
	assert_int_equal(m.fd, -1);
	while (gpu_disp_pending(&c->d)) { /* GET_DISPLAY_INFO, GET_EDID: answered on the way */
		assert_int_equal(vhd_fe_disp_next(fd, &m, 10), -ETIMEDOUT);
		vhd_test_host_run(&c->h);
	}
}

/* vhd_fe_disp receives the scanout's fd, offers DMABUF2, replies to DMABUF_UPDATE
 * at once or when told.
 */
static void
test_fe_disp(void **state)
{
	struct ctx *c = *state;
	struct gpu_rect r = {0, 0, 64, 48};
	struct gpu_dmabuf b = buffer(c);
	struct vhd_fe_disp fd;
	struct vhd_fe_disp_msg m;
	uint64_t mod;
	int k;

	for (k = 0; k < 2; k++) {
		fe_display_up(c, &fd, k == 0 ? VHD_FE_DISP_PF_EDID | VHD_FE_DISP_PF_DMABUF2 : 0);
		assert_int_equal(fd.gets, k == 0 ? 3 : 2); /* features, info, EDID */
		b.modifier = k == 0 ? 0 : GPU_DISP_MOD_INVALID;
		assert_true(gpu_disp_dmabuf_scanout(&c->d, 0, &r, &b));
		fe_next(c, &fd, &m, k == 0 ? VHD_FE_DISP_DMABUF_SCANOUT2 :
					    VHD_FE_DISP_DMABUF_SCANOUT);
		assert_int_equal(m.size, k == 0 ? 48 : 40);
		if (k == 0) {
			memcpy(&mod, m.body + 40, 8);
			assert_int_equal(mod, 0); /* LINEAR */
		}
		assert_true(m.fd >= 0);
		same_file(m.fd, c->memfd);
		close(m.fd);
	}
	/* replied at once */
	assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 64, 48, on_done, c), 0);
	fe_next(c, &fd, &m, VHD_FE_DISP_DMABUF_UPDATE);
	assert_int_equal(m.fd, -1);
	vhd_test_host_run(&c->h);
	assert_int_equal(c->done_ok, 1);
	/* held, then replied */
	fd.hold_dmabuf_update = true;
	assert_int_equal(vhd_fe_disp_reply_update(&fd), -ENOENT);
	assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 64, 48, on_done, c), 0);
	fe_next(c, &fd, &m, VHD_FE_DISP_DMABUF_UPDATE);
	assert_int_equal(fd.held, 1);
	vhd_test_host_advance(&c->h, GPU_DISP_DMABUF_WAIT_NS / 2);
	assert_int_equal(c->done, 1);
	assert_int_equal(vhd_fe_disp_reply_update(&fd), 0);
	vhd_test_host_run(&c->h);
	assert_int_equal(c->done_ok, 2);
	/* held for good: the timeout */
	assert_int_equal(gpu_disp_dmabuf_update(&c->d, 0, 0, 0, 64, 48, on_done, c), 0);
	fe_next(c, &fd, &m, VHD_FE_DISP_DMABUF_UPDATE);
	vhd_test_host_advance(&c->h, GPU_DISP_DMABUF_WAIT_NS);
	assert_int_equal(c->done, 3);
	assert_int_equal(c->done_ok, 2);
	assert_int_equal(fd.stray_fds, 0);
	/* a message cut short, one too big: their fds are closed, not handed over
	 * (teardown counts the open fds)
	 */
	for (k = 0; k < 2; k++) {
		uint32_t h[5] = {VHD_FE_DISP_DMABUF_SCANOUT, 0, k == 0 ? 40 : 1u << 20};
		uint8_t small[64];
		int sv[2];

		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		fd.fd = sv[0];
		assert_int_equal(vhd_fe_raw_send_bytes(sv[1], h, k == 0 ? 20 : 12, &c->memfd, 1),
				 0);
		if (k == 0)
			close(sv[1]);
		m.body = small;
		m.cap = sizeof(small);
		assert_int_equal(vhd_fe_disp_next(&fd, &m, 100), k == 0 ? -EPIPE : -EMSGSIZE);
		assert_int_equal(m.fd, -1);
		close(sv[0]);
		if (k == 1)
			close(sv[1]);
	}
}

int
main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_features),
		T(test_scanout_wire),
		T(test_scanout2_wire),
		T(test_scanout_refused),
		T(test_update_reply),
		T(test_update_timeout),
		T(test_update_ended),
		T(test_bad_replies),
		T(test_stalled),
		T(test_fe_disp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
