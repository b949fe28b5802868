/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * The one place a frontend message is judged before anything acts on it
 * (see vhd_msg.h for why rte_vhost's own checks are not enough). The rule:
 * a message is let through only when its payload has the size its request
 * defines, it carries exactly the fds that request takes, its indexes and
 * sizes are within what this device offers, and it belongs to a feature
 * that was negotiated. Everything else is refused and its fds closed.
 *
 * A second guard sits under rte_vhost: it reads each message header with
 * recvmsg(), and when a message fails before any hook runs (a queue index
 * beyond rte_vhost's table, say) the fds that came with it are lost. Our
 * recvmsg() below therefore closes, at reception, the fds attached to a
 * request that never takes any, and tells vhd_msg_check() so.
 */

/* rte_vhost_get_negotiated_protocol_features() is still experimental in 22.11. */
#define ALLOW_EXPERIMENTAL_API

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <rte_log.h>
#include <rte_vhost.h>

#include "vhd_internal.h"

#define MLOG(dev, lvl, fmt, ...) \
	rte_log(RTE_LOG_##lvl, (dev)->log_type, "%s: " fmt "\n", (dev)->path, ##__VA_ARGS__)

/* Virtio feature bits the validator looks at. */
#define F_LOG_ALL 26
#define F_ACCESS_PLATFORM 33

/* fds the reception guard closed on this thread since the last header. */
static __thread int stripped_fds;

/* Device types' own requests that carry an fd (vhd_msg_allow_channel()). */
static uint32_t channel_reqs[VHD_MSG_MAX_CHANNEL_REQS];

static bool
is_channel_req(uint32_t req)
{
	unsigned int i;

	for (i = 0; i < VHD_MSG_MAX_CHANNEL_REQS; i++)
		if (req != 0 && __atomic_load_n(&channel_reqs[i], __ATOMIC_ACQUIRE) == req)
			return true;
	return false;
}

/* Requests that may carry fds. Any other one arriving with fds gets them
 * closed by the reception guard.
 */
static bool
takes_fds(uint32_t req)
{
	if (is_channel_req(req))
		return true;
	switch (req) {
	case VHU_SET_MEM_TABLE:
	case VHU_SET_LOG_BASE:
	case VHU_SET_LOG_FD:
	case VHU_SET_VRING_KICK:
	case VHU_SET_VRING_CALL:
	case VHU_SET_VRING_ERR:
	case VHU_SET_BACKEND_REQ_FD:
	case VHU_SET_INFLIGHT_FD:
		return true;
	default:
		return false;
	}
}

static void
close_fd_array(int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* rte_vhost sizes its queue table from SET_INFLIGHT_FD's num_queues before
 * any hook runs, and drops the message (and its fd) when that is 0.
 */
static bool
inflight_without_queues(int sock, uint32_t req)
{
	struct vhu_inflight in;

	if (req != VHU_SET_INFLIGHT_FD)
		return false;
	if (recv(sock, &in, sizeof(in), MSG_PEEK | MSG_DONTWAIT) != (ssize_t)sizeof(in))
		return true; /* not all there: it will be refused anyway */
	return in.num_queues == 0;
}

/*
 * Interposes libc's recvmsg() for the whole process (rte_vhost is a shared
 * library, so its call binds here). Only rte_vhost's header reads are
 * touched: one 12-byte iovec with room for fds.
 */
ssize_t recvmsg(int fd, struct msghdr *mh, int flags);

ssize_t
recvmsg(int fd, struct msghdr *mh, int flags)
{
	/* libc's own, not a raw syscall(): it is a cancellation point, and
	 * rte_eal_cleanup() cancels EAL's multi-process thread blocked in
	 * recvmsg() (without --no-shconf), then joins it. */
	static ssize_t (*libc_recvmsg)(int, struct msghdr *, int);
	ssize_t n;
	const struct vhu_msg *hdr;
	struct cmsghdr *c;
	uint32_t req;

	ssize_t (*real)(int, struct msghdr *, int) = __atomic_load_n(&libc_recvmsg,
								      __ATOMIC_ACQUIRE);

	if (real == NULL) {
		real = (ssize_t (*)(int, struct msghdr *, int))dlsym(RTLD_NEXT, "recvmsg");
		__atomic_store_n(&libc_recvmsg, real, __ATOMIC_RELEASE);
	}
	n = real != NULL ? real(fd, mh, flags) : syscall(SYS_recvmsg, fd, mh, flags);
	if (n != VHU_HDR_SIZE || mh->msg_iovlen != 1 || mh->msg_iov[0].iov_len != VHU_HDR_SIZE ||
	    mh->msg_controllen == 0)
		return n;
	stripped_fds = 0;
	hdr = mh->msg_iov[0].iov_base;
	memcpy(&req, &hdr->request, sizeof(req));
	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		int nfds, fds[VHU_MAX_FDS * 4];

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		if ((takes_fds(req) && !inflight_without_queues(fd, req)) || nfds <= 0 ||
		    nfds > (int)RTE_DIM(fds))
			break;
		memcpy(fds, CMSG_DATA(c), (size_t)nfds * sizeof(int));
		close_fd_array(fds, nfds);
		stripped_fds = nfds;
		c->cmsg_len = CMSG_LEN(0);
		break;
	}
	return n;
}

/* The requests every device shares run up to 41 today (vhost-user.rst); a
 * device type's own (33, GPU_SET_SOCKET, is one) must not shadow them.
 */
static bool
spec_request(uint32_t req)
{
	return req == 0 || (req <= 41 && req != 33);
}

int
vhd_msg_allow_channel(uint32_t req)
{
	unsigned int i;

	if (spec_request(req))
		return -1;
	for (i = 0; i < VHD_MSG_MAX_CHANNEL_REQS; i++) {
		uint32_t cur = __atomic_load_n(&channel_reqs[i], __ATOMIC_ACQUIRE);

		if (cur == req)
			return 0;
		if (cur == 0) {
			__atomic_store_n(&channel_reqs[i], req, __ATOMIC_RELEASE);
			return 0;
		}
	}
	return -1;
}

void
vhd_msg_drop_fds(struct vhd_dev *dev, struct vhu_ctx *ctx)
{
	int i, n = ctx->fd_num;

	if (n < 0 || n > VHU_MAX_FDS)
		n = VHU_MAX_FDS; /* cannot happen with rte_vhost 22.11 */
	for (i = 0; i < n; i++) {
		if (ctx->fds[i] >= 0) {
			close(ctx->fds[i]);
			dev->msg.fds_closed++;
		}
		ctx->fds[i] = -1;
	}
	ctx->fd_num = 0;
}

void
vhd_msg_conn_reset(struct vhd_dev *dev)
{
	dev->msg.owner = false;
	dev->msg.packed = false;
	dev->msg.nregions = 0;
	dev->msg.inflight_qsize = 0;
	dev->msg.inflight_nq = 0;
	dev->msg.inflight_packed = false;
	dev->msg.inflight_size = 0;
	__atomic_store_n(&dev->msg.backend_fd, -1, __ATOMIC_RELEASE);
}

static bool
range_in(uint64_t start, uint64_t len, uint64_t rstart, uint64_t rlen)
{
	return start >= rstart && len <= rlen && start - rstart <= rlen - len;
}

static bool
overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static bool
in_one_region(const struct vhd_mem *mem, uintptr_t p, uint64_t len)
{
	uint32_t i;

	for (i = 0; i < mem->nregions; i++)
		if (range_in(p, len, (uintptr_t)mem->regions[i].hva, mem->regions[i].size))
			return true;
	return false;
}

static uint64_t desc_len(uint32_t n) { return 16ULL * n; }
static uint64_t avail_len(uint32_t n) { return 6 + 2ULL * n; }
static uint64_t used_len(uint32_t n) { return 6 + 8ULL * n; }

bool
vhd_msg_ring_fits(const struct vhd_mem *mem, const void *desc, const void *avail,
		  const void *used, uint32_t size, bool packed)
{
	/* Packed: descriptors, then the driver and device event areas (4 bytes each). */
	return desc != NULL && avail != NULL && used != NULL && size != 0 &&
	       in_one_region(mem, (uintptr_t)desc, desc_len(size)) &&
	       in_one_region(mem, (uintptr_t)avail, packed ? 4 : avail_len(size)) &&
	       in_one_region(mem, (uintptr_t)used, packed ? 4 : used_len(size));
}

/* A region's fd must be a read-write regular file (memfd, hugetlbfs, tmpfs)
 * holding the whole [mmap_offset, mmap_offset + size) range: rte_vhost maps
 * it blindly, and a page past the end of the file is a SIGBUS at first use.
 */
static int
check_region(struct vhd_dev *dev, const struct vhu_region *r, int fd)
{
	struct stat st;
	int fl;

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		MLOG(dev, ERR, "memory region: not a regular file");
		return -1;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || (fl & O_ACCMODE) != O_RDWR) {
		MLOG(dev, ERR, "memory region: file not open read-write");
		return -1;
	}
	if (r->size == 0 || r->gpa + r->size < r->gpa || r->uva + r->size < r->uva ||
	    st.st_size < 0 || !range_in(r->mmap_offset, r->size, 0, (uint64_t)st.st_size)) {
		MLOG(dev, ERR, "memory region: gpa 0x%" PRIx64 " size 0x%" PRIx64
		     " offset 0x%" PRIx64 " does not fit its file (0x%" PRIx64 " bytes)",
		     r->gpa, r->size, r->mmap_offset, (uint64_t)st.st_size);
		return -1;
	}
	return 0;
}

static int
check_mem_table(struct vhd_dev *dev, struct vhu_ctx *ctx)
{
	const struct vhu_msg *m = &ctx->msg;
	uint32_t n = m->payload.mem.nregions, i, j;

	if (m->size < 8 || n > VHU_MAX_REGIONS || m->size != 8 + n * sizeof(struct vhu_region) ||
	    ctx->fd_num != (int)n) {
		MLOG(dev, ERR, "SET_MEM_TABLE: %u regions, %u bytes, %d fds", n, m->size,
		     ctx->fd_num);
		return -1;
	}
	for (i = 0; i < n; i++) {
		const struct vhu_region *r = &m->payload.mem.regions[i];

		if (check_region(dev, r, ctx->fds[i]) != 0)
			return -1;
		for (j = 0; j < i; j++) {
			const struct vhu_region *o = &m->payload.mem.regions[j];

			if (overlaps(r->gpa, r->size, o->gpa, o->size) ||
			    overlaps(r->uva, r->size, o->uva, o->size)) {
				MLOG(dev, ERR, "SET_MEM_TABLE: regions %u and %u overlap", j, i);
				return -1;
			}
		}
	}
	/* Remembered for SET_VRING_ADDR, which speaks frontend addresses. */
	for (i = 0; i < n; i++) {
		dev->msg.regions[i].gpa = m->payload.mem.regions[i].gpa;
		dev->msg.regions[i].uva = m->payload.mem.regions[i].uva;
		dev->msg.regions[i].size = m->payload.mem.regions[i].size;
	}
	dev->msg.nregions = n;
	return 0;
}

static bool
uva_in_one_region(const struct vhd_dev *dev, uint64_t uva, uint64_t len)
{
	uint32_t i;

	for (i = 0; i < dev->msg.nregions; i++)
		if (range_in(uva, len, dev->msg.regions[i].uva, dev->msg.regions[i].size))
			return true;
	return false;
}

/* The sizes are not known yet (SET_VRING_NUM may follow): check that each
 * ring part starts inside a region and leave the full extent to queue start,
 * which checks it against what is really mapped.
 */
static int
check_vring_addr(struct vhd_dev *dev, const struct vhu_msg *m)
{
	if (m->payload.addr.flags != 0) {
		MLOG(dev, ERR, "SET_VRING_ADDR: flags 0x%x (no dirty log offered)",
		     m->payload.addr.flags);
		return -1;
	}
	if (dev->msg.nregions == 0 || !uva_in_one_region(dev, m->payload.addr.desc, 16) ||
	    !uva_in_one_region(dev, m->payload.addr.avail, 6) ||
	    !uva_in_one_region(dev, m->payload.addr.used, 6)) {
		MLOG(dev, ERR, "SET_VRING_ADDR: queue %u rings outside guest memory",
		     m->payload.addr.index);
		return -1;
	}
	return 0;
}

static bool
pf_negotiated(struct vhd_dev *dev, unsigned int bit)
{
	uint64_t pf = 0;

	return rte_vhost_get_negotiated_protocol_features(dev->vid, &pf) == 0 &&
	       (pf & (1ULL << bit)) != 0;
}

static bool
f_negotiated(struct vhd_dev *dev, unsigned int bit)
{
	uint64_t f = 0;

	return rte_vhost_get_negotiated_features(dev->vid, &f) == 0 && (f & (1ULL << bit)) != 0;
}

uint64_t
vhd_msg_inflight_split_size(uint16_t queue_size)
{
	/* Per queue: features (8), version, desc_num, last_inflight_io,
	 * used_idx (2 each), 16 bytes per descriptor; 64-byte aligned.
	 */
	return (16ULL * queue_size + 8 + 2 * 4 + 63) & ~63ULL;
}

uint64_t
vhd_msg_inflight_packed_size(uint16_t queue_size)
{
	/* Per queue: features (8), version, desc_num, free_head,
	 * old_free_head, used_idx, old_used_idx (2 each), both wrap counters
	 * (1 each), 7 bytes of padding; 32 bytes per descriptor; 64-byte aligned.
	 */
	return (32ULL * queue_size + 8 + 2 * 6 + 2 + 7 + 63) & ~63ULL;
}

/*
 * In-flight tracking (VHOST_USER_PROTOCOL_F_INFLIGHT_SHMFD): refused unless
 * negotiated. When it is, the area is sized by our own limits, never by the
 * frontend beyond them, and a SET's fd must hold the whole area rte_vhost
 * will map: num_queues areas of queue_size descriptors, whatever mmap_size
 * says, laid out for the ring format agreed so far (as rte_vhost does).
 */
static int
check_inflight(struct vhd_dev *dev, struct vhu_ctx *ctx)
{
	const struct vhu_inflight *in = &ctx->msg.payload.inflight;
	uint64_t need;
	struct stat st;

	bool packed = f_negotiated(dev, VHD_F_RING_PACKED);

	if (!pf_negotiated(dev, VHU_PF_INFLIGHT_SHMFD))
		return -1;
	if (ctx->msg.size != sizeof(*in) || in->num_queues == 0 ||
	    in->num_queues > dev->ops->num_queues || in->queue_size == 0 ||
	    in->queue_size > dev->ops->max_queue_size)
		return -1;
	if (ctx->msg.request == VHU_GET_INFLIGHT_FD)
		return ctx->fd_num == 0 ? 0 : -1;
	need = in->num_queues * (packed ? vhd_msg_inflight_packed_size(in->queue_size) :
					  vhd_msg_inflight_split_size(in->queue_size));
	if (ctx->fd_num != 1 || fstat(ctx->fds[0], &st) != 0 || !S_ISREG(st.st_mode) ||
	    in->mmap_size < need || st.st_size < 0 ||
	    !range_in(in->mmap_offset, in->mmap_size, 0, (uint64_t)st.st_size)) {
		MLOG(dev, ERR, "SET_INFLIGHT_FD: %u x %u needs 0x%" PRIx64 " bytes, got 0x%"
		     PRIx64 " at 0x%" PRIx64, in->num_queues, in->queue_size, need,
		     in->mmap_size, in->mmap_offset);
		return -1;
	}
	dev->msg.inflight_qsize = in->queue_size;
	dev->msg.inflight_nq = in->num_queues;
	dev->msg.inflight_packed = packed;
	dev->msg.inflight_size = in->mmap_size;
	return 0;
}

/* Payload bytes of requests whose payload is fixed; -1: variable/other. */
static int
fixed_size(uint32_t req)
{
	switch (req) {
	case VHU_GET_FEATURES:
	case VHU_SET_OWNER:
	case VHU_RESET_OWNER:
	case VHU_GET_PROTOCOL_FEATURES:
	case VHU_GET_QUEUE_NUM:
		return 0;
	case VHU_SET_FEATURES:
	case VHU_SET_PROTOCOL_FEATURES:
	case VHU_SET_VRING_NUM:
	case VHU_SET_VRING_BASE:
	case VHU_GET_VRING_BASE:
	case VHU_SET_VRING_ENABLE:
	case VHU_SET_VRING_KICK:
	case VHU_SET_VRING_CALL:
	case VHU_SET_VRING_ERR:
		return 8;
	case VHU_SET_VRING_ADDR:
		return 40;
	default:
		return -1;
	}
}

/* Requests allowed before SET_OWNER: the ones a VMM sends while probing
 * (QEMU also sets up the backend channel then, when it was negotiated).
 */
static bool
before_owner_ok(uint32_t req)
{
	return req == VHU_GET_FEATURES || req == VHU_GET_PROTOCOL_FEATURES ||
	       req == VHU_SET_PROTOCOL_FEATURES || req == VHU_GET_QUEUE_NUM ||
	       req == VHU_SET_BACKEND_REQ_FD || req == VHU_SET_OWNER || req == VHU_RESET_OWNER;
}

static int
check(struct vhd_dev *dev, struct vhu_ctx *ctx)
{
	const struct vhu_msg *m = &ctx->msg;
	uint32_t req = m->request, qi;
	int want = fixed_size(req);
	uint64_t pf;

	if (stripped_fds != 0) {
		MLOG(dev, ERR, "request %u carried %d fds it does not take", req, stripped_fds);
		stripped_fds = 0;
		return -1;
	}
	if (ctx->fd_num < 0 || ctx->fd_num > VHU_MAX_FDS || m->size > VHU_PAYLOAD_MAX)
		return -1;
	if (!takes_fds(req) && ctx->fd_num != 0)
		return -1;
	/* A zero-length GET_* with an 8-byte body is what some VMMs send. */
	if (want == 0 && m->size != 0 && m->size != 8)
		return -1;
	if (want > 0 && m->size != (uint32_t)want)
		return -1;
	if (!dev->msg.owner && !before_owner_ok(req)) {
		/* QEMU 7.2's vhost-user-rng reconnects to a restarted backend with
		 * SET_VRING_CALL and SET_FEATURES, never SET_OWNER: refusing them
		 * made a restart impossible. SET_OWNER carries nothing we check, so
		 * the connection is its owner from here; every request is still
		 * checked by its own rules below.
		 */
		MLOG(dev, INFO, "request %u before SET_OWNER: taking the frontend as owner", req);
		dev->msg.owner = true;
	}
	switch (req) {
	case VHU_GET_FEATURES:
	case VHU_GET_PROTOCOL_FEATURES:
	case VHU_GET_QUEUE_NUM:
		return 0;
	case VHU_SET_FEATURES: /* rte_vhost refuses bits it did not offer */
		dev->msg.packed = (m->payload.u64 & VHD_BIT(VHD_F_RING_PACKED)) != 0;
		/*
		 * Features may change on one connection (QEMU starts virtio-scsi
		 * for SeaBIOS with VERSION_1 only, then again for Linux with
		 * INDIRECT_DESC, EVENT_IDX...): the next queue start reads them
		 * again and tells the driver.
		 */
		dev->features_told = false;
		return 0;
	case VHU_SET_OWNER:
		dev->msg.owner = true;
		return 0;
	case VHU_RESET_OWNER:
		vhd_msg_conn_reset(dev);
		return 0;
	case VHU_SET_PROTOCOL_FEATURES:
		if (rte_vhost_driver_get_protocol_features(dev->path, &pf) != 0 ||
		    (m->payload.u64 & ~pf) != 0) {
			MLOG(dev, ERR, "protocol features 0x%" PRIx64 " never offered",
			     m->payload.u64 & ~pf);
			return -1;
		}
		return 0;
	case VHU_SET_MEM_TABLE:
		return check_mem_table(dev, ctx);
	case VHU_SET_VRING_NUM:
	case VHU_SET_VRING_BASE:
	case VHU_GET_VRING_BASE:
	case VHU_SET_VRING_ENABLE:
		qi = m->payload.state.index;
		if (qi >= dev->ops->num_queues)
			return -1;
		if (req == VHU_SET_VRING_NUM)
			return m->payload.state.num != 0 &&
			       m->payload.state.num <= dev->ops->max_queue_size &&
			       (m->payload.state.num & (m->payload.state.num - 1)) == 0 ? 0 : -1;
		/*
		 * Packed rings: QEMU sends the used index and its wrap counter
		 * in bits 16..31 too (rte_vhost takes bits 0..15 only).
		 */
		if (req == VHU_SET_VRING_BASE)
			return dev->msg.packed || m->payload.state.num <= UINT16_MAX ? 0 : -1;
		if (req == VHU_SET_VRING_ENABLE)
			return m->payload.state.num <= 1 ? 0 : -1;
		return 0;
	case VHU_SET_VRING_ADDR:
		if (m->payload.addr.index >= dev->ops->num_queues)
			return -1;
		return check_vring_addr(dev, m);
	case VHU_SET_VRING_KICK:
	case VHU_SET_VRING_CALL:
	case VHU_SET_VRING_ERR:
		if ((m->payload.u64 & VHU_VRING_IDX_MASK) >= dev->ops->num_queues ||
		    (m->payload.u64 & ~(uint64_t)(VHU_VRING_IDX_MASK | VHU_VRING_NOFD_MASK)) != 0)
			return -1;
		return ctx->fd_num == ((m->payload.u64 & VHU_VRING_NOFD_MASK) ? 0 : 1) ? 0 : -1;
	case VHU_GET_CONFIG:
	case VHU_SET_CONFIG:
		if (!pf_negotiated(dev, VHU_PF_CONFIG) || m->size < VHU_CONFIG_HDR ||
		    m->payload.cfg.size > VHU_CONFIG_MAX ||
		    m->size != VHU_CONFIG_HDR + m->payload.cfg.size)
			return -1;
		return 0;
	case VHU_GET_INFLIGHT_FD:
	case VHU_SET_INFLIGHT_FD:
		return check_inflight(dev, ctx);
	case VHU_SET_LOG_BASE:
	case VHU_SET_LOG_FD:
		return pf_negotiated(dev, VHU_PF_LOG_SHMFD) && f_negotiated(dev, F_LOG_ALL) ? 0 :
										      -1;
	case VHU_SEND_RARP:
		return pf_negotiated(dev, VHU_PF_RARP) ? 0 : -1;
	case VHU_NET_SET_MTU:
		return pf_negotiated(dev, VHU_PF_MTU) ? 0 : -1;
	case VHU_SET_BACKEND_REQ_FD:
		return pf_negotiated(dev, VHU_PF_BACKEND_REQ) && ctx->fd_num == 1 &&
		       m->size == 0 ? 0 : -1;
	case VHU_IOTLB_MSG:
		return f_negotiated(dev, F_ACCESS_PLATFORM) ? 0 : -1;
	case VHU_CREATE_CRYPTO_SESSION:
	case VHU_CLOSE_CRYPTO_SESSION:
		return pf_negotiated(dev, VHU_PF_CRYPTO_SESSION) ? 0 : -1;
	case VHU_POSTCOPY_ADVISE:
	case VHU_POSTCOPY_LISTEN:
	case VHU_POSTCOPY_END:
		return pf_negotiated(dev, VHU_PF_PAGEFAULT) ? 0 : -1;
	case VHU_SET_STATUS:
	case VHU_GET_STATUS:
		return pf_negotiated(dev, VHU_PF_STATUS) ? 0 : -1;
	default:
		/* the device type's own channel: one fd, no payload */
		if (req != 0 && req == dev->ops->channel_request && dev->ops->set_channel != NULL)
			return ctx->fd_num == 1 && m->size == 0 ? 0 : -1;
		return -1; /* unknown to us: nothing of it was offered */
	}
}

int
vhd_msg_check(struct vhd_dev *dev, struct vhu_ctx *ctx)
{
	if (check(dev, ctx) == 0) {
		if (ctx->msg.request == VHU_SET_BACKEND_REQ_FD)
			__atomic_store_n(&dev->msg.backend_fd, ctx->fds[0], __ATOMIC_RELEASE);
		return 0;
	}
	MLOG(dev, WARNING, "refused request %u (size %u, %d fds)", ctx->msg.request,
	     ctx->msg.size, ctx->fd_num);
	dev->msg.refused++;
	vhd_msg_drop_fds(dev, ctx);
	return -1;
}
