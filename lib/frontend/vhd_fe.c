/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/vfs.h>

#include "vhd_fe.h"
#include "vhd_fe_internal.h"
#include "vhd_fe_raw.h"

#define HUGETLBFS_MAGIC_ 0x958458f6
#define ARENA_ALIGN (2ULL << 20)
#define DEFAULT_MEM (16ULL << 20)
#define DEFAULT_TIMEOUT_MS 5000
#define MAX_FDS 8
/* The largest body we send or accept: a config message. */
#define MAX_BODY (12 + VHD_FE_MAX_CONFIG)
/* Bit of SET_VRING_KICK/CALL payloads meaning "no fd". */
#define VRING_NOFD_MASK 0x100

struct hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

struct vring_state {
	uint32_t index;
	uint32_t num;
};

struct vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uaddr;
	uint64_t mmap_offset;
};

struct mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct mem_region regions[1];
};

struct config_msg {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t region[VHD_FE_MAX_CONFIG];
};

struct inflight_msg {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
	uint8_t padding[4]; /* 24 bytes, as QEMU and rte_vhost lay it out */
} __attribute__((packed));

struct fe_queue {
	struct vhd_fe_ring ring;
	bool setup;
	bool started;
	bool resume;   /* started when the last connection ended */
	uint16_t base; /* where the backend resumes popping */
	int kick_fd;
	int call_fd;
};

struct vhd_fe {
	struct vhd_fe_mem mem;
	int sock;
	int lsock;
	struct sockaddr_un laddr;
	int timeout_ms;
	bool trace;
	bool negotiated;
	uint64_t want, proto_want;
	bool packed; /* VIRTIO_F_RING_PACKED may be agreed */
	uint64_t offered, features, proto_offered, proto;
	uint16_t queue_num;
	int bsock; /* our end of the backend channel, -1 without one */
	int *fd_sink; /* set: recv_full() keeps the first fd a reply brings here */
	struct inflight_msg inflight; /* the kept in-flight area, mmap_size 0: none */
	int inflight_fd;
	struct fe_queue q[VHD_FE_MAX_QUEUES];
	char err[256];
};

static const char *const req_names[] = {
	[VHD_FE_GET_FEATURES] = "GET_FEATURES",
	[VHD_FE_SET_FEATURES] = "SET_FEATURES",
	[VHD_FE_SET_OWNER] = "SET_OWNER",
	[VHD_FE_RESET_OWNER] = "RESET_OWNER",
	[VHD_FE_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[VHD_FE_SET_VRING_NUM] = "SET_VRING_NUM",
	[VHD_FE_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VHD_FE_SET_VRING_BASE] = "SET_VRING_BASE",
	[VHD_FE_GET_VRING_BASE] = "GET_VRING_BASE",
	[VHD_FE_SET_VRING_KICK] = "SET_VRING_KICK",
	[VHD_FE_SET_VRING_CALL] = "SET_VRING_CALL",
	[VHD_FE_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VHD_FE_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VHD_FE_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[VHD_FE_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	[VHD_FE_SET_BACKEND_REQ_FD] = "SET_BACKEND_REQ_FD",
	[VHD_FE_GET_CONFIG] = "GET_CONFIG",
	[VHD_FE_SET_CONFIG] = "SET_CONFIG",
	[VHD_FE_GET_INFLIGHT_FD] = "GET_INFLIGHT_FD",
	[VHD_FE_SET_INFLIGHT_FD] = "SET_INFLIGHT_FD",
};

const char *
vhd_fe_request_name(uint32_t req)
{
	if (req < sizeof(req_names) / sizeof(req_names[0]) && req_names[req] != NULL)
		return req_names[req];
	return "UNKNOWN";
}

__attribute__((format(printf, 3, 4))) static int
fail(struct vhd_fe *fe, int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(fe->err, sizeof(fe->err), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(fe->err))
		snprintf(fe->err + n, sizeof(fe->err) - n, ": %s", strerror(-err));
	if (fe->trace)
		fprintf(stderr, "vhd_fe: error: %s\n", fe->err);
	return err;
}

int64_t
vhd_fe_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
vhd_fe_remaining(int64_t deadline)
{
	int64_t left = deadline - vhd_fe_now_ms();

	return left > 0 ? (int)left : 0;
}

unsigned int
vhd_fe_close_fds(struct msghdr *m)
{
	unsigned int closed = 0;
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t i, k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			int fd;

			for (i = 0; i < k; i++) {
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
				close(fd);
				closed++;
			}
		}
	}
	return closed;
}

/*
 * The arena must be a shareable file: the backend maps the same pages.
 * Hugetlbfs first (what a VMM uses in production), memfd when there are no
 * free huge pages (mmap of hugetlbfs fails then, rather than at fault time).
 */
static int
arena_map(struct vhd_fe *fe, uint64_t size, bool no_huge)
{
	struct statfs sfs;
	void *p;
	int fd;

	if (!no_huge && statfs("/dev/hugepages", &sfs) == 0 &&
	    (uint32_t)sfs.f_type == HUGETLBFS_MAGIC_) {
		char name[] = "/dev/hugepages/vhd_fe.XXXXXX";

		fd = mkostemp(name, O_CLOEXEC);
		if (fd >= 0) {
			uint64_t hsz = (uint64_t)sfs.f_bsize;
			uint64_t hsize = (size + hsz - 1) / hsz * hsz;

			unlink(name);
			if (ftruncate(fd, (off_t)hsize) == 0) {
				p = mmap(NULL, hsize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				if (p != MAP_FAILED) {
					vhd_fe_mem_init(&fe->mem, p, hsize, VHD_FE_GPA_BASE);
					fe->mem.fd = fd;
					return 0;
				}
			}
			close(fd);
		}
	}
	fd = memfd_create("vhd_fe", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) != 0) {
		close(fd);
		return -errno;
	}
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	vhd_fe_mem_init(&fe->mem, p, size, VHD_FE_GPA_BASE);
	fe->mem.fd = fd;
	return 0;
}

struct vhd_fe *
vhd_fe_create(const struct vhd_fe_opts *opts)
{
	struct vhd_fe_opts o = {0};
	const char *t = getenv("VHD_FE_TRACE");
	struct vhd_fe *fe;
	unsigned int i;
	int rc;

	if (opts != NULL)
		o = *opts;
	if (o.mem_size == 0)
		o.mem_size = DEFAULT_MEM;
	if (o.timeout_ms <= 0)
		o.timeout_ms = DEFAULT_TIMEOUT_MS;
	o.mem_size = (o.mem_size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);
	fe = calloc(1, sizeof(*fe));
	if (fe == NULL)
		return NULL;
	fe->sock = -1;
	fe->lsock = -1;
	fe->bsock = -1;
	fe->inflight_fd = -1;
	fe->timeout_ms = o.timeout_ms;
	fe->trace = t != NULL && *t != '\0' && *t != '0';
	for (i = 0; i < VHD_FE_MAX_QUEUES; i++) {
		fe->q[i].kick_fd = -1;
		fe->q[i].call_fd = -1;
	}
	rc = arena_map(fe, o.mem_size, o.no_hugepages);
	if (rc < 0) {
		free(fe);
		errno = -rc;
		return NULL;
	}
	return fe;
}

void
vhd_fe_destroy(struct vhd_fe *fe)
{
	unsigned int i;

	if (fe == NULL)
		return;
	vhd_fe_disconnect(fe);
	if (fe->lsock >= 0) {
		close(fe->lsock);
		unlink(fe->laddr.sun_path);
	}
	for (i = 0; i < VHD_FE_MAX_QUEUES; i++) {
		struct fe_queue *q = &fe->q[i];

		if (q->setup)
			vhd_fe_ring_fini(&q->ring);
		if (q->kick_fd >= 0)
			close(q->kick_fd);
		if (q->call_fd >= 0)
			close(q->call_fd);
	}
	munmap(fe->mem.base, fe->mem.size);
	close(fe->mem.fd);
	if (fe->inflight_fd >= 0)
		close(fe->inflight_fd);
	free(fe);
}

const char *
vhd_fe_error(const struct vhd_fe *fe)
{
	return fe->err;
}

struct vhd_fe_mem *
vhd_fe_mem(struct vhd_fe *fe)
{
	return &fe->mem;
}

bool
vhd_fe_connected(const struct vhd_fe *fe)
{
	return fe->sock >= 0;
}

void
vhd_fe_want_packed(struct vhd_fe *fe, bool on)
{
	fe->packed = on;
}

uint64_t
vhd_fe_offered_features(const struct vhd_fe *fe)
{
	return fe->offered;
}

uint64_t
vhd_fe_features(const struct vhd_fe *fe)
{
	return fe->features;
}

uint64_t
vhd_fe_protocol_features(const struct vhd_fe *fe)
{
	return fe->proto;
}

uint16_t
vhd_fe_queue_num(const struct vhd_fe *fe)
{
	return fe->queue_num;
}

static int
set_addr(struct vhd_fe *fe, struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return fail(fe, -ENAMETOOLONG, "socket path %s", path);
	strcpy(sa->sun_path, path);
	return 0;
}

/* A new connection starts from scratch: nothing negotiated yet. */
static void
connected(struct vhd_fe *fe, int sock)
{
	fe->sock = sock;
	fe->negotiated = false;
	fe->err[0] = '\0';
}

int
vhd_fe_connect(struct vhd_fe *fe, const char *path, int timeout_ms)
{
	int64_t deadline = vhd_fe_now_ms() + timeout_ms;
	struct sockaddr_un sa;
	int rc, s;

	if (fe->sock >= 0)
		return fail(fe, -EISCONN, "connect %s", path);
	rc = set_addr(fe, &sa, path);
	if (rc < 0)
		return rc;
	for (;;) {
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return fail(fe, -errno, "socket");
		if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		rc = -errno;
		close(s);
		/*
		 * The backend may not have bound its socket yet, may not listen
		 * yet (a stale file), or its backlog may be full.
		 */
		if ((rc != -ENOENT && rc != -ECONNREFUSED && rc != -EAGAIN) ||
		    vhd_fe_now_ms() >= deadline)
			return fail(fe, rc == -ENOENT || rc == -ECONNREFUSED || rc == -EAGAIN ?
				    -ETIMEDOUT : rc, "connect %s (last: %s)", path, strerror(-rc));
		usleep(10000);
	}
	connected(fe, s);
	return 0;
}

int
vhd_fe_listen(struct vhd_fe *fe, const char *path)
{
	int rc, s;

	if (fe->lsock >= 0)
		return fail(fe, -EALREADY, "listen %s", path);
	rc = set_addr(fe, &fe->laddr, path);
	if (rc < 0)
		return rc;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail(fe, -errno, "socket");
	unlink(path);
	if (bind(s, (struct sockaddr *)&fe->laddr, sizeof(fe->laddr)) != 0 || listen(s, 4) != 0) {
		rc = -errno;
		close(s);
		return fail(fe, rc, "bind/listen %s", path);
	}
	fe->lsock = s;
	return 0;
}

int
vhd_fe_accept(struct vhd_fe *fe, int timeout_ms)
{
	struct pollfd pfd;
	int rc, s;

	if (fe->lsock < 0)
		return fail(fe, -EINVAL, "accept without listen");
	if (fe->sock >= 0)
		return fail(fe, -EISCONN, "accept");
	pfd.fd = fe->lsock;
	pfd.events = POLLIN;
	rc = poll(&pfd, 1, timeout_ms);
	if (rc < 0)
		return fail(fe, -errno, "poll listening socket");
	if (rc == 0)
		return fail(fe, -ETIMEDOUT, "no backend connected to %s", fe->laddr.sun_path);
	s = accept4(fe->lsock, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		return fail(fe, -errno, "accept");
	connected(fe, s);
	return 0;
}

static int
send_msg(struct vhd_fe *fe, uint32_t req, uint32_t flags, const void *payload, uint32_t len,
	 const int *fds, unsigned int n_fds)
{
	struct hdr h = {.request = req, .flags = flags | VHD_FE_MSG_VERSION, .size = len};
	struct iovec iov[2] = {
		{.iov_base = &h, .iov_len = sizeof(h)},
		{.iov_base = (void *)(uintptr_t)payload, .iov_len = len},
	};
	ssize_t n;

	if (fe->sock < 0)
		return fail(fe, -ENOTCONN, "%s", vhd_fe_request_name(req));
	if (n_fds > MAX_FDS)
		return fail(fe, -EINVAL, "%s: %u fds", vhd_fe_request_name(req), n_fds);
	if (fe->trace)
		fprintf(stderr, "vhd_fe: -> %s flags %#x size %u fds %u\n",
			vhd_fe_request_name(req), h.flags, len, n_fds);
	n = vhd_fe_raw_sendv(fe->sock, iov, len > 0 ? 2 : 1, fds, n_fds);
	if (n < 0)
		return fail(fe, (int)n, "sending %s", vhd_fe_request_name(req));
	if ((size_t)n != sizeof(h) + len)
		return fail(fe, -EIO, "sending %s: short write", vhd_fe_request_name(req));
	return 0;
}

void
vhd_fe_keep_first_fd(struct msghdr *m, int *sink)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(m); c != NULL; c = CMSG_NXTHDR(m, c)) {
		int *fds = (int *)CMSG_DATA(c);
		size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || n == 0 ||
		    *sink >= 0)
			continue;
		*sink = fds[0];
		/* The rest is closed by the caller: shift them down. */
		memmove(fds, fds + 1, (n - 1) * sizeof(int));
		c->cmsg_len = CMSG_LEN((n - 1) * sizeof(int));
		return;
	}
}

/* Read exactly @p len bytes by the deadline; close any fd the peer sends. */
static int
recv_full(struct vhd_fe *fe, void *buf, size_t len, int64_t deadline, uint32_t req)
{
	uint8_t *p = buf;

	while (len > 0) {
		union {
			char buf[CMSG_SPACE(MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = {.iov_base = p, .iov_len = len};
		struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1,
				   .msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf)};
		struct pollfd pfd = {.fd = fe->sock, .events = POLLIN};
		ssize_t n;
		int rc;

		rc = poll(&pfd, 1, vhd_fe_remaining(deadline));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return fail(fe, -errno, "waiting for the reply to %s",
				    vhd_fe_request_name(req));
		if (rc == 0)
			return fail(fe, -ETIMEDOUT, "no reply to %s within %d ms",
				    vhd_fe_request_name(req), fe->timeout_ms);
		n = recvmsg(fe->sock, &m, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(fe, -errno, "reading the reply to %s",
				    vhd_fe_request_name(req));
		if (n == 0)
			return fail(fe, -ECONNRESET, "backend closed the connection instead of "
				    "replying to %s", vhd_fe_request_name(req));
		if (fe->fd_sink != NULL)
			vhd_fe_keep_first_fd(&m, fe->fd_sink);
		vhd_fe_close_fds(&m);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
recv_reply(struct vhd_fe *fe, uint32_t req, void *body, uint32_t body_len)
{
	int64_t deadline = vhd_fe_now_ms() + fe->timeout_ms;
	uint8_t buf[MAX_BODY];
	struct hdr h;
	int rc;

	rc = recv_full(fe, &h, sizeof(h), deadline, req);
	if (rc < 0)
		return rc;
	if (h.size > sizeof(buf))
		return fail(fe, -EPROTO, "reply to %s: size %u too big", vhd_fe_request_name(req),
			    h.size);
	rc = recv_full(fe, buf, h.size, deadline, req);
	if (rc < 0)
		return rc;
	if (fe->trace)
		fprintf(stderr, "vhd_fe: <- %s flags %#x size %u\n", vhd_fe_request_name(h.request),
			h.flags, h.size);
	if (h.request != req || !(h.flags & VHD_FE_MSG_REPLY) ||
	    (h.flags & 0x3) != VHD_FE_MSG_VERSION)
		return fail(fe, -EPROTO, "reply to %s: got request %u flags %#x",
			    vhd_fe_request_name(req), h.request, h.flags);
	memcpy(body, buf, h.size < body_len ? h.size : body_len);
	return (int)h.size;
}

int
vhd_fe_request(struct vhd_fe *fe, uint32_t req, uint32_t flags, const void *payload, uint32_t len,
	       const int *fds, unsigned int n_fds, void *reply, uint32_t reply_len)
{
	int rc = send_msg(fe, req, flags, payload, len, fds, n_fds);

	if (rc < 0 || reply == NULL)
		return rc;
	return recv_reply(fe, req, reply, reply_len);
}

/* A request whose reply is a u64 (GET_FEATURES...). */
static int
get_u64(struct vhd_fe *fe, uint32_t req, uint64_t *v)
{
	int rc = vhd_fe_request(fe, req, 0, NULL, 0, NULL, 0, v, sizeof(*v));

	if (rc >= 0 && rc != sizeof(*v))
		return fail(fe, -EPROTO, "reply to %s: size %d", vhd_fe_request_name(req), rc);
	return rc < 0 ? rc : 0;
}

/*
 * A request without a reply of its own. With REPLY_ACK agreed we ask for the
 * ack: it both reports errors and orders the backend's processing before
 * whatever we do next (kicks, checks in tests).
 */
static int
set_msg(struct vhd_fe *fe, uint32_t req, const void *payload, uint32_t len, const int *fds,
	unsigned int n_fds)
{
	uint64_t ack;
	int rc;

	if (!(fe->proto & VHD_BIT(VHD_FE_PROTO_F_REPLY_ACK)))
		return vhd_fe_request(fe, req, 0, payload, len, fds, n_fds, NULL, 0);
	rc = vhd_fe_request(fe, req, VHD_FE_MSG_NEED_REPLY, payload, len, fds, n_fds, &ack,
			    sizeof(ack));
	if (rc < 0)
		return rc;
	if (rc != sizeof(ack))
		return fail(fe, -EPROTO, "ack of %s: size %d", vhd_fe_request_name(req), rc);
	if (ack != 0)
		return fail(fe, -EIO, "backend refused %s (ack %" PRIu64 ")",
			    vhd_fe_request_name(req), ack);
	return 0;
}

int
vhd_fe_set_channel(struct vhd_fe *fe, uint32_t req)
{
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return fail(fe, -errno, "socketpair");
	rc = set_msg(fe, req, NULL, 0, &sv[1], 1);
	close(sv[1]);
	if (rc < 0) {
		close(sv[0]);
		return rc;
	}
	return sv[0];
}

static int
set_u64(struct vhd_fe *fe, uint32_t req, uint64_t v)
{
	return set_msg(fe, req, &v, sizeof(v), NULL, 0);
}

static int
set_state(struct vhd_fe *fe, uint32_t req, uint16_t q, uint32_t num)
{
	struct vring_state s = {.index = q, .num = num};

	return set_msg(fe, req, &s, sizeof(s), NULL, 0);
}

static int
set_mem_table(struct vhd_fe *fe)
{
	struct mem_table t = {
		.nregions = 1,
		.regions[0] = {
			.gpa = fe->mem.gpa_base,
			.size = fe->mem.size,
			.uaddr = (uint64_t)(uintptr_t)fe->mem.base,
			.mmap_offset = 0,
		},
	};

	return set_msg(fe, VHD_FE_SET_MEM_TABLE, &t, sizeof(t), &fe->mem.fd, 1);
}

/* SET_BACKEND_REQ_FD: one end of a socketpair goes to the backend, which
 * sends its requests (config change...) on it; see vhd_fe_backend.c. */
static int
backend_channel(struct vhd_fe *fe)
{
	int sv[2], rc;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return fail(fe, -errno, "socketpair for the backend channel");
	rc = set_msg(fe, VHD_FE_SET_BACKEND_REQ_FD, NULL, 0, &sv[1], 1);
	close(sv[1]);
	if (rc < 0) {
		close(sv[0]);
		return rc;
	}
	if (fe->bsock >= 0)
		close(fe->bsock);
	fe->bsock = sv[0];
	return 0;
}

int
vhd_fe_backend_fd(const struct vhd_fe *fe)
{
	return fe->bsock;
}

int
vhd_fe_negotiate(struct vhd_fe *fe, uint64_t want, uint64_t proto_want)
{
	unsigned int i;
	uint64_t v;
	int rc;

	fe->want = want;
	fe->proto_want = proto_want;
	fe->proto = 0;
	fe->queue_num = 0;
	rc = get_u64(fe, VHD_FE_GET_FEATURES, &fe->offered);
	if (rc < 0)
		return rc;
	if (fe->offered & VHD_BIT(VHD_USER_F_PROTOCOL_FEATURES)) {
		rc = get_u64(fe, VHD_FE_GET_PROTOCOL_FEATURES, &fe->proto_offered);
		if (rc < 0)
			return rc;
		v = fe->proto_offered & proto_want;
		rc = set_u64(fe, VHD_FE_SET_PROTOCOL_FEATURES, v);
		if (rc < 0)
			return rc;
		/* From here on the backend honours NEED_REPLY when we agreed REPLY_ACK. */
		fe->proto = v;
		if (v & VHD_BIT(VHD_FE_PROTO_F_BACKEND_REQ)) {
			rc = backend_channel(fe);
			if (rc < 0)
				return rc;
		}
	}
	if (fe->proto & VHD_BIT(VHD_FE_PROTO_F_MQ)) {
		rc = get_u64(fe, VHD_FE_GET_QUEUE_NUM, &v);
		if (rc < 0)
			return rc;
		fe->queue_num = v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
	}
	rc = set_msg(fe, VHD_FE_SET_OWNER, NULL, 0, NULL, 0);
	if (rc < 0)
		return rc;
	/*
	 * PROTOCOL_FEATURES is a vhost-user bit, not a virtio one: accepting it
	 * keeps rings disabled until SET_VRING_ENABLE, as the spec wants.
	 */
	fe->features = fe->offered & (want | VHD_BIT(VHD_USER_F_PROTOCOL_FEATURES)) &
		       ~VHD_FE_NEVER_FEATURES;
	if (fe->packed && (want & VHD_BIT(VHD_F_RING_PACKED)))
		fe->features |= fe->offered & VHD_BIT(VHD_F_RING_PACKED);
	rc = set_u64(fe, VHD_FE_SET_FEATURES, fe->features);
	if (rc < 0)
		return rc;
	rc = set_mem_table(fe);
	if (rc < 0)
		return rc;
	/* Rings set up on an earlier connection follow what was agreed now. */
	for (i = 0; i < VHD_FE_MAX_QUEUES; i++) {
		if (fe->q[i].setup) {
			fe->q[i].ring.event_idx = !!(fe->features & VHD_BIT(VHD_F_RING_EVENT_IDX));
			fe->q[i].ring.indirect = !!(fe->features & VHD_BIT(VHD_F_RING_INDIRECT_DESC));
		}
	}
	fe->negotiated = true;
	return 0;
}

static struct fe_queue *
queue(struct vhd_fe *fe, uint16_t q)
{
	return q < VHD_FE_MAX_QUEUES ? &fe->q[q] : NULL;
}

int
vhd_fe_queue_setup(struct vhd_fe *fe, uint16_t q, uint16_t size)
{
	struct fe_queue *fq = queue(fe, q);
	int rc;

	if (fq == NULL)
		return fail(fe, -EINVAL, "queue %u", q);
	if (fq->setup)
		return fail(fe, -EEXIST, "queue %u set up twice", q);
	rc = vhd_fe_ring_init(&fq->ring, &fe->mem, size, fe->features);
	if (rc < 0)
		return fail(fe, rc, "ring %u of size %u", q, size);
	if (fq->kick_fd < 0)
		fq->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fq->call_fd < 0)
		fq->call_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fq->kick_fd < 0 || fq->call_fd < 0) {
		rc = -errno;
		vhd_fe_ring_fini(&fq->ring);
		return fail(fe, rc, "eventfd");
	}
	fq->setup = true;
	/* A fresh packed ring starts on lap 1: wrap counter bit set. */
	fq->base = vhd_fe_ring_device_base(&fq->ring);
	return 0;
}

struct vhd_fe_ring *
vhd_fe_queue_ring(struct vhd_fe *fe, uint16_t q)
{
	struct fe_queue *fq = queue(fe, q);

	return fq != NULL && fq->setup ? &fq->ring : NULL;
}

bool
vhd_fe_queue_started(const struct vhd_fe *fe, uint16_t q)
{
	return q < VHD_FE_MAX_QUEUES && fe->q[q].started;
}

static uint64_t
hva(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

int
vhd_fe_queue_start(struct vhd_fe *fe, uint16_t q)
{
	struct fe_queue *fq = queue(fe, q);
	struct vring_addr a;
	uint64_t idx = q;
	int rc;

	if (fq == NULL || !fq->setup)
		return fail(fe, -EINVAL, "start of queue %u not set up", q);
	if (!fe->negotiated)
		return fail(fe, -EINVAL, "start of queue %u before negotiation", q);
	rc = set_state(fe, VHD_FE_SET_VRING_NUM, q, fq->ring.size);
	if (rc < 0)
		return rc;
	rc = set_state(fe, VHD_FE_SET_VRING_BASE, q, fq->base);
	if (rc < 0)
		return rc;
	/* Without IOMMU, ring addresses are in our address space (QEMU's too). */
	a = (struct vring_addr){
		.index = q,
		.flags = 0,
		.desc = hva(fq->ring.desc),
		.used = hva(fq->ring.used),
		.avail = hva(fq->ring.avail),
		.log = fq->ring.used_gpa,
	};
	rc = set_msg(fe, VHD_FE_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	if (rc < 0)
		return rc;
	rc = set_msg(fe, VHD_FE_SET_VRING_KICK, &idx, sizeof(idx), &fq->kick_fd, 1);
	if (rc < 0)
		return rc;
	rc = set_msg(fe, VHD_FE_SET_VRING_CALL, &idx, sizeof(idx), &fq->call_fd, 1);
	if (rc < 0)
		return rc;
	if (fe->features & VHD_BIT(VHD_USER_F_PROTOCOL_FEATURES)) {
		rc = set_state(fe, VHD_FE_SET_VRING_ENABLE, q, 1);
		if (rc < 0)
			return rc;
	}
	fq->started = true;
	fq->resume = false;
	return 0;
}

int
vhd_fe_queue_stop(struct vhd_fe *fe, uint16_t q, uint16_t *last_avail)
{
	struct fe_queue *fq = queue(fe, q);
	struct vring_state s = {.index = q, .num = 0};
	int rc;

	if (fq == NULL || !fq->setup)
		return fail(fe, -EINVAL, "stop of queue %u not set up", q);
	if (fe->features & VHD_BIT(VHD_USER_F_PROTOCOL_FEATURES)) {
		rc = set_state(fe, VHD_FE_SET_VRING_ENABLE, q, 0);
		if (rc < 0)
			return rc;
	}
	rc = vhd_fe_request(fe, VHD_FE_GET_VRING_BASE, 0, &s, sizeof(s), NULL, 0, &s, sizeof(s));
	if (rc < 0)
		return rc;
	if (rc != sizeof(s) || s.index != q)
		return fail(fe, -EPROTO, "GET_VRING_BASE reply: size %d index %u", rc, s.index);
	fq->base = (uint16_t)s.num;
	fq->started = false;
	fq->resume = false;
	if (last_avail != NULL)
		*last_avail = fq->base;
	return 0;
}

int
vhd_fe_kick(struct vhd_fe *fe, uint16_t q)
{
	struct fe_queue *fq = queue(fe, q);
	uint64_t one = 1;

	if (fq == NULL || fq->kick_fd < 0)
		return fail(fe, -EINVAL, "kick of queue %u not set up", q);
	if (write(fq->kick_fd, &one, sizeof(one)) != sizeof(one))
		return fail(fe, -errno, "kick of queue %u", q);
	return 0;
}

int
vhd_fe_publish(struct vhd_fe *fe, uint16_t q, bool kick)
{
	struct fe_queue *fq = queue(fe, q);
	int rc;

	if (fq == NULL || !fq->setup)
		return fail(fe, -EINVAL, "publish on queue %u not set up", q);
	vhd_fe_ring_publish(&fq->ring);
	if (!kick || !vhd_fe_ring_kick_needed(&fq->ring))
		return 0;
	rc = vhd_fe_kick(fe, q);
	return rc < 0 ? rc : 1;
}

int
vhd_fe_post(struct vhd_fe *fe, uint16_t q, const struct vhd_fe_buf *bufs, unsigned int n_rd,
	    unsigned int n_wr, bool indirect, void *cookie, bool kick)
{
	struct fe_queue *fq = queue(fe, q);
	int head, rc;

	if (fq == NULL || !fq->setup)
		return fail(fe, -EINVAL, "post on queue %u not set up", q);
	head = vhd_fe_ring_add(&fq->ring, bufs, n_rd, n_wr, indirect, cookie);
	if (head < 0)
		return fail(fe, head, "post on queue %u", q);
	rc = vhd_fe_publish(fe, q, kick);
	return rc < 0 ? rc : head;
}

static void
drain(int fd)
{
	uint64_t v;

	while (read(fd, &v, sizeof(v)) == sizeof(v))
		;
}

int
vhd_fe_wait_used(struct vhd_fe *fe, uint16_t q, int timeout_ms)
{
	struct fe_queue *fq = queue(fe, q);
	int64_t deadline = vhd_fe_now_ms() + timeout_ms;
	uint16_t n;

	if (fq == NULL || !fq->setup)
		return fail(fe, -EINVAL, "wait on queue %u not set up", q);
	for (;;) {
		struct pollfd pfd = {.fd = fq->call_fd, .events = POLLIN};
		int left = vhd_fe_remaining(deadline);

		n = vhd_fe_ring_used_pending(&fq->ring);
		if (n > 0)
			return n;
		/* Ask for a call, then look again: the entry may have raced us. */
		if (vhd_fe_ring_want_calls(&fq->ring, true))
			continue;
		if (left == 0)
			return 0;
		if (poll(&pfd, 1, left < 100 ? left : 100) < 0 && errno != EINTR)
			return fail(fe, -errno, "poll call fd of queue %u", q);
		drain(fq->call_fd);
	}
}

int
vhd_fe_poll_used(struct vhd_fe *fe, uint16_t q, int timeout_ms)
{
	struct fe_queue *fq = queue(fe, q);
	int64_t deadline = vhd_fe_now_ms() + timeout_ms;
	uint16_t n;

	if (fq == NULL || !fq->setup)
		return fail(fe, -EINVAL, "poll on queue %u not set up", q);
	vhd_fe_ring_want_calls(&fq->ring, false);
	for (;;) {
		n = vhd_fe_ring_used_pending(&fq->ring);
		if (n > 0)
			return n;
		if (vhd_fe_now_ms() >= deadline)
			return 0;
		usleep(100);
	}
}

int
vhd_fe_wait_call(struct vhd_fe *fe, uint16_t q, int timeout_ms)
{
	struct fe_queue *fq = queue(fe, q);
	struct pollfd pfd;
	uint64_t v;
	int rc;

	if (fq == NULL || fq->call_fd < 0)
		return fail(fe, -EINVAL, "wait for a call on queue %u not set up", q);
	pfd.fd = fq->call_fd;
	pfd.events = POLLIN;
	do
		rc = poll(&pfd, 1, timeout_ms);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return fail(fe, -errno, "poll call fd of queue %u", q);
	if (rc == 0)
		return 0;
	return read(fq->call_fd, &v, sizeof(v)) == sizeof(v) ? 1 : 0;
}

int
vhd_fe_desc_take(struct vhd_fe_ring *r, uint16_t *ids, unsigned int n)
{
	unsigned int i;

	if (r->packed)
		return -EINVAL;
	if (n > r->num_free)
		return -ENOSPC;
	for (i = 0; i < n; i++) {
		ids[i] = r->free_head;
		r->free_head = r->next_free[ids[i]];
		r->num_free--;
	}
	return 0;
}

void
vhd_fe_desc_give(struct vhd_fe_ring *r, const uint16_t *ids, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		r->next_free[ids[i]] = r->free_head;
		r->free_head = ids[i];
		r->num_free++;
	}
}

int
vhd_fe_get_config(struct vhd_fe *fe, uint32_t off, void *buf, uint32_t len)
{
	struct config_msg c = {.offset = off, .size = len, .flags = 0};
	uint32_t body = 12 + len;
	int rc;

	if (!(fe->proto & VHD_BIT(VHD_FE_PROTO_F_CONFIG)))
		return fail(fe, -ENOTSUP, "GET_CONFIG without the CONFIG protocol feature");
	if (len > VHD_FE_MAX_CONFIG)
		return fail(fe, -EINVAL, "GET_CONFIG of %u bytes", len);
	rc = vhd_fe_request(fe, VHD_FE_GET_CONFIG, 0, &c, body, NULL, 0, &c, sizeof(c));
	if (rc < 0)
		return rc;
	/* Backends answer a failed GET_CONFIG with an empty payload. */
	if ((uint32_t)rc != body || c.size != len)
		return fail(fe, -EIO, "GET_CONFIG off %u len %u: reply size %d (cfg size %u)", off,
			    len, rc, rc >= 8 ? c.size : 0);
	memcpy(buf, c.region, len);
	return 0;
}

int
vhd_fe_set_config(struct vhd_fe *fe, uint32_t off, const void *buf, uint32_t len)
{
	struct config_msg c = {.offset = off, .size = len, .flags = 0};

	if (!(fe->proto & VHD_BIT(VHD_FE_PROTO_F_CONFIG)))
		return fail(fe, -ENOTSUP, "SET_CONFIG without the CONFIG protocol feature");
	if (len > VHD_FE_MAX_CONFIG)
		return fail(fe, -EINVAL, "SET_CONFIG of %u bytes", len);
	memcpy(c.region, buf, len);
	return set_msg(fe, VHD_FE_SET_CONFIG, &c, 12 + len, NULL, 0);
}

/*
 * The backend forgets the rings (RESET_OWNER, hang-up): started queues
 * resume from what it completed, as QEMU does when GET_VRING_BASE is not
 * available, so what it took but never finished is served again.
 */
static void
forget_rings(struct vhd_fe *fe)
{
	unsigned int i;

	fe->negotiated = false;
	for (i = 0; i < VHD_FE_MAX_QUEUES; i++) {
		struct fe_queue *fq = &fe->q[i];

		/* Only set here: a failed resume forgets again and must not lose it. */
		if (fq->started) {
			fq->resume = true;
			fq->base = vhd_fe_ring_device_base(&fq->ring);
			fq->started = false;
		}
	}
}

int
vhd_fe_reset_owner(struct vhd_fe *fe)
{
	int rc = set_msg(fe, VHD_FE_RESET_OWNER, NULL, 0, NULL, 0);

	if (rc < 0)
		return rc;
	forget_rings(fe);
	return 0;
}

int
vhd_fe_set_mem_table(struct vhd_fe *fe)
{
	if (!fe->negotiated)
		return fail(fe, -EINVAL, "SET_MEM_TABLE before negotiation");
	return set_mem_table(fe);
}

static int set_inflight(struct vhd_fe *fe);

void
vhd_fe_disconnect(struct vhd_fe *fe)
{
	if (fe->sock < 0)
		return;
	close(fe->sock);
	fe->sock = -1;
	if (fe->bsock >= 0)
		close(fe->bsock);
	fe->bsock = -1;
	forget_rings(fe);
}

int
vhd_fe_resume(struct vhd_fe *fe)
{
	unsigned int i;
	int rc;

	rc = vhd_fe_negotiate(fe, fe->want, fe->proto_want);
	if (rc < 0)
		return rc;
	/* QEMU's order: the kept area before the rings, which it then covers. */
	if (fe->inflight_fd >= 0 && (fe->proto & VHD_BIT(VHD_FE_PROTO_F_INFLIGHT_SHMFD))) {
		rc = set_inflight(fe);
		if (rc < 0)
			return rc;
	}
	for (i = 0; i < VHD_FE_MAX_QUEUES; i++) {
		if (!fe->q[i].resume)
			continue;
		rc = vhd_fe_queue_start(fe, (uint16_t)i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int
set_inflight(struct vhd_fe *fe)
{
	return set_msg(fe, VHD_FE_SET_INFLIGHT_FD, &fe->inflight, sizeof(fe->inflight),
		       &fe->inflight_fd, 1);
}

int
vhd_fe_inflight_setup(struct vhd_fe *fe, uint16_t num_queues, uint16_t queue_size)
{
	struct inflight_msg in = {.num_queues = num_queues, .queue_size = queue_size};
	int fd = -1, rc;

	if (!(fe->proto & VHD_BIT(VHD_FE_PROTO_F_INFLIGHT_SHMFD)))
		return fail(fe, -ENOTSUP, "in-flight tracking not agreed");
	if (fe->inflight_fd < 0) {
		fe->fd_sink = &fd;
		rc = vhd_fe_request(fe, VHD_FE_GET_INFLIGHT_FD, 0, &in, sizeof(in), NULL, 0, &in,
				    sizeof(in));
		fe->fd_sink = NULL;
		if (rc >= 0 && (rc != sizeof(in) || fd < 0 || in.mmap_size == 0))
			rc = fail(fe, -EPROTO, "GET_INFLIGHT_FD reply: size %d fd %d area %"
				  PRIu64, rc, fd, in.mmap_size);
		if (rc < 0) {
			if (fd >= 0)
				close(fd);
			return rc;
		}
		fe->inflight = in;
		fe->inflight_fd = fd;
	}
	return set_inflight(fe);
}

int
vhd_fe_inflight_fd(const struct vhd_fe *fe)
{
	return fe->inflight_fd;
}

uint64_t
vhd_fe_inflight_size(const struct vhd_fe *fe)
{
	return fe->inflight_fd >= 0 ? fe->inflight.mmap_size : 0;
}

int
vhd_fe_socket(const struct vhd_fe *fe)
{
	return fe->sock;
}
