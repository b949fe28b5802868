/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * vhost-user frontend: the driver ("guest" and VMM) side of a vhost-user
 * connection, for integration tests and perf tools. No DPDK.
 *
 * A frontend owns a guest memory arena (struct vhd_fe_mem) backed by a file
 * descriptor (memfd, or a hugetlbfs file when available) that it shares with
 * the backend through SET_MEM_TABLE, and driver-side split rings
 * (struct vhd_fe_ring) laid out in that arena.
 *
 * Typical use:
 *  1. vhd_fe_create();
 *  2. vhd_fe_connect() to a backend's socket, or vhd_fe_listen() then
 *     vhd_fe_accept() for a backend started with --client;
 *  3. vhd_fe_negotiate(): features, protocol features, owner, memory table;
 *  4. vhd_fe_queue_setup() and vhd_fe_queue_start() per queue;
 *  5. vhd_fe_post() chains, vhd_fe_wait_used() / vhd_fe_poll_used(), then
 *     vhd_fe_ring_get_used() on vhd_fe_queue_ring();
 *  6. vhd_fe_queue_stop(), vhd_fe_disconnect(), vhd_fe_destroy().
 *
 * Rings and the arena outlive a connection: after vhd_fe_disconnect(), a
 * new vhd_fe_connect()/vhd_fe_accept() followed by vhd_fe_resume() sets the
 * same rings up on the new connection, resuming where the old backend
 * stopped (GET_VRING_BASE), like a VMM does when a backend restarts.
 *
 * Malformed rings: the ring structure is public, so a test may write
 * descriptors by hand (take them with vhd_fe_desc_take() so that normal
 * posting does not reuse them), put heads with vhd_fe_ring_add_raw_head()
 * and publish with vhd_fe_publish().
 *
 * Every blocking call has a timeout; on failure a call returns a negative
 * errno and vhd_fe_error() describes what failed (which request, which
 * step). Set VHD_FE_TRACE=1 in the environment to log every message.
 *
 * Not thread-safe: one thread drives a frontend.
 */

#ifndef VHD_FE_H
#define VHD_FE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhd_fe_ring.h"
#include "vhd_virtio.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most queues a frontend drives. */
#define VHD_FE_MAX_QUEUES 64

/** Guest physical address of the arena's first byte (non-zero on purpose). */
#define VHD_FE_GPA_BASE 0x40000000ULL

/** vhost-user protocol feature bits (vhost-user.rst). */
#define VHD_FE_PROTO_F_MQ 0
#define VHD_FE_PROTO_F_REPLY_ACK 3
#define VHD_FE_PROTO_F_BACKEND_REQ 5 /**< a backend channel (vhd_fe_backend_serve()) */
#define VHD_FE_PROTO_F_CONFIG 9
#define VHD_FE_PROTO_F_INFLIGHT_SHMFD 12 /**< in-flight area (vhd_fe_inflight_setup()) */

/** vhost-user request codes the frontend sends. */
enum vhd_fe_request {
	VHD_FE_GET_FEATURES = 1,
	VHD_FE_SET_FEATURES = 2,
	VHD_FE_SET_OWNER = 3,
	VHD_FE_RESET_OWNER = 4,
	VHD_FE_SET_MEM_TABLE = 5,
	VHD_FE_SET_VRING_NUM = 8,
	VHD_FE_SET_VRING_ADDR = 9,
	VHD_FE_SET_VRING_BASE = 10,
	VHD_FE_GET_VRING_BASE = 11,
	VHD_FE_SET_VRING_KICK = 12,
	VHD_FE_SET_VRING_CALL = 13,
	VHD_FE_GET_PROTOCOL_FEATURES = 15,
	VHD_FE_SET_PROTOCOL_FEATURES = 16,
	VHD_FE_GET_QUEUE_NUM = 17,
	VHD_FE_SET_VRING_ENABLE = 18,
	VHD_FE_SET_BACKEND_REQ_FD = 21,
	VHD_FE_GET_CONFIG = 24,
	VHD_FE_SET_CONFIG = 25,
	VHD_FE_GET_INFLIGHT_FD = 31,
	VHD_FE_SET_INFLIGHT_FD = 32,
};

/**
 * Transport bits a frontend never accepts whatever @p want says: we drive
 * rings with guest-physical = our addresses, no IOMMU, no dirty log; packed
 * rings only after vhd_fe_want_packed() (tests ask for every bit with ~0).
 */
#define VHD_FE_NEVER_FEATURES (VHD_BIT(VHD_F_ACCESS_PLATFORM) | VHD_BIT(VHD_F_RING_PACKED) | \
			       VHD_BIT(26) /* VHOST_F_LOG_ALL */)

/** Protocol features a test usually wants. */
#define VHD_FE_PROTO_DEFAULT (VHD_BIT(VHD_FE_PROTO_F_MQ) | VHD_BIT(VHD_FE_PROTO_F_REPLY_ACK) | \
			      VHD_BIT(VHD_FE_PROTO_F_CONFIG) | VHD_BIT(VHD_FE_PROTO_F_BACKEND_REQ))

/** Message header flags. */
#define VHD_FE_MSG_VERSION 0x1
#define VHD_FE_MSG_REPLY 0x4
#define VHD_FE_MSG_NEED_REPLY 0x8

/** Largest config space GET_CONFIG/SET_CONFIG carry (vhost-user limit). */
#define VHD_FE_MAX_CONFIG 256

/** Options of vhd_fe_create(); zeroed fields take the defaults. */
struct vhd_fe_opts {
	uint64_t mem_size; /**< arena bytes, rounded up to 2 MiB; default 16 MiB */
	int timeout_ms;    /**< wait for any one reply at most this long; default 5000 */
	bool no_hugepages; /**< use memfd even when /dev/hugepages has free pages */
};

/** A frontend; opaque. */
struct vhd_fe;

/**
 * Create a frontend and its guest memory arena (not connected yet).
 * @p opts may be NULL for the defaults.
 * @return the frontend, or NULL with errno set.
 */
struct vhd_fe *vhd_fe_create(const struct vhd_fe_opts *opts);

/** Disconnect (without stopping queues) and free everything. NULL is a no-op. */
void vhd_fe_destroy(struct vhd_fe *fe);

/**
 * Connect to the backend listening on @p path, retrying until it accepts or
 * @p timeout_ms passes (the backend may still be starting).
 * @return 0, -ETIMEDOUT, -EISCONN or another negative errno.
 */
int vhd_fe_connect(struct vhd_fe *fe, const char *path, int timeout_ms);

/**
 * Listen on @p path for a backend started with --client (an existing socket
 * file there is replaced). The listening socket stays open until
 * vhd_fe_destroy(), so the backend may reconnect.
 * @return 0 or a negative errno.
 */
int vhd_fe_listen(struct vhd_fe *fe, const char *path);

/**
 * Wait up to @p timeout_ms for the backend to connect to our listening
 * socket.
 * @return 0, -ETIMEDOUT, -EISCONN or another negative errno.
 */
int vhd_fe_accept(struct vhd_fe *fe, int timeout_ms);

/** True while a connection is open. */
bool vhd_fe_connected(const struct vhd_fe *fe);

/**
 * Negotiate on a fresh connection: GET_FEATURES, GET_PROTOCOL_FEATURES,
 * SET_PROTOCOL_FEATURES (offered & @p proto_want), GET_QUEUE_NUM when MQ was
 * agreed, SET_OWNER, SET_FEATURES (offered & @p want, plus
 * VHOST_USER_F_PROTOCOL_FEATURES when offered) and SET_MEM_TABLE.
 * Clear VHD_F_RING_EVENT_IDX, VHD_F_RING_INDIRECT_DESC or
 * VHD_F_NOTIFY_ON_EMPTY in @p want to run without them; rings already set
 * up (from an earlier connection) switch to what was agreed. Bits in
 * VHD_FE_NEVER_FEATURES are never accepted.
 * @return 0 or a negative errno.
 */
int vhd_fe_negotiate(struct vhd_fe *fe, uint64_t want, uint64_t proto_want);

/**
 * Let the next negotiations agree VIRTIO_F_RING_PACKED (when offered and in
 * their @p want): rings set up afterwards are packed. Off by default.
 */
void vhd_fe_want_packed(struct vhd_fe *fe, bool on);

/** Virtio feature bits the backend offered (GET_FEATURES). */
uint64_t vhd_fe_offered_features(const struct vhd_fe *fe);

/** Virtio feature bits agreed (SET_FEATURES). */
uint64_t vhd_fe_features(const struct vhd_fe *fe);

/** Protocol feature bits agreed (SET_PROTOCOL_FEATURES). */
uint64_t vhd_fe_protocol_features(const struct vhd_fe *fe);

/** Queue count from GET_QUEUE_NUM, or 0 when MQ was not agreed. */
uint16_t vhd_fe_queue_num(const struct vhd_fe *fe);

/** The guest memory arena (allocate request buffers from it). */
struct vhd_fe_mem *vhd_fe_mem(struct vhd_fe *fe);

/**
 * Lay out ring @p q of @p size entries in the arena, for the features
 * agreed so far. Done once: the ring survives stop, disconnect and resume.
 * @return 0, -EEXIST when already set up, -EINVAL or -ENOMEM.
 */
int vhd_fe_queue_setup(struct vhd_fe *fe, uint16_t q, uint16_t size);

/** The driver-side ring of queue @p q, or NULL when not set up. */
struct vhd_fe_ring *vhd_fe_queue_ring(struct vhd_fe *fe, uint16_t q);

/**
 * Start queue @p q on the backend: SET_VRING_NUM, SET_VRING_BASE,
 * SET_VRING_ADDR, SET_VRING_KICK, SET_VRING_CALL and SET_VRING_ENABLE(1)
 * when protocol features were agreed. The base is 0 the first time, then
 * the value GET_VRING_BASE returned when the queue was last stopped.
 * @return 0 or a negative errno.
 */
int vhd_fe_queue_start(struct vhd_fe *fe, uint16_t q);

/**
 * Stop queue @p q: SET_VRING_ENABLE(0) when protocol features were agreed,
 * then GET_VRING_BASE. Note that rte_vhost stops the whole device on
 * GET_VRING_BASE of any queue.
 * @return 0 with @p last_avail (may be NULL) set to the backend's next avail
 * index, or a negative errno.
 */
int vhd_fe_queue_stop(struct vhd_fe *fe, uint16_t q, uint16_t *last_avail);

/** True when queue @p q was started on the current connection. */
bool vhd_fe_queue_started(const struct vhd_fe *fe, uint16_t q);

/**
 * Post one chain on queue @p q (vhd_fe_ring_add()) and publish it; kick when
 * @p kick and the backend asked for kicks.
 * @return the head id or a negative errno.
 */
int vhd_fe_post(struct vhd_fe *fe, uint16_t q, const struct vhd_fe_buf *bufs, unsigned int n_rd,
		unsigned int n_wr, bool indirect, void *cookie, bool kick);

/**
 * Publish what was added on queue @p q; kick when @p kick and the backend
 * asked for kicks.
 * @return 1 when a kick was sent, 0 when not, or a negative errno.
 */
int vhd_fe_publish(struct vhd_fe *fe, uint16_t q, bool kick);

/** Kick queue @p q unconditionally. @return 0 or a negative errno. */
int vhd_fe_kick(struct vhd_fe *fe, uint16_t q);

/**
 * Wait until queue @p q has used entries: ask for calls, sleep on the call
 * eventfd, re-check the ring. Also re-checks every 100 ms in case the
 * backend suppressed a call it owed, so a missed call shows up as slowness;
 * use vhd_fe_wait_call() to test calls themselves.
 * @return the pending count (> 0), 0 on timeout, or a negative errno.
 */
int vhd_fe_wait_used(struct vhd_fe *fe, uint16_t q, int timeout_ms);

/**
 * Wait until queue @p q has used entries by polling the ring only (sleeping
 * 100 us between looks), with calls switched off: for backends in poll mode.
 * @return the pending count (> 0), 0 on timeout, or a negative errno.
 */
int vhd_fe_poll_used(struct vhd_fe *fe, uint16_t q, int timeout_ms);

/**
 * Wait up to @p timeout_ms for a call on queue @p q's call eventfd, and
 * consume it. Does not change the notification wishes in the ring.
 * @return 1 when a call arrived, 0 on timeout, or a negative errno.
 */
int vhd_fe_wait_call(struct vhd_fe *fe, uint16_t q, int timeout_ms);

/**
 * Take @p n free descriptors of ring @p r off its free list for hand-made
 * chains; vhd_fe_ring_add() will not hand them out until given back.
 * Split rings only (packed rings: vhd_fe_packed_put_raw()).
 * @return 0, -ENOSPC when fewer than @p n are free, -EINVAL on a packed ring.
 */
int vhd_fe_desc_take(struct vhd_fe_ring *r, uint16_t *ids, unsigned int n);

/** Give back descriptors taken with vhd_fe_desc_take(). */
void vhd_fe_desc_give(struct vhd_fe_ring *r, const uint16_t *ids, unsigned int n);

/**
 * GET_CONFIG: read @p len bytes of config space at @p off.
 * @return 0, -ENOTSUP when CONFIG was not agreed, or a negative errno.
 */
int vhd_fe_get_config(struct vhd_fe *fe, uint32_t off, void *buf, uint32_t len);

/**
 * SET_CONFIG: write @p len bytes of config space at @p off.
 * @return 0, -ENOTSUP when CONFIG was not agreed, or a negative errno.
 */
int vhd_fe_set_config(struct vhd_fe *fe, uint32_t off, const void *buf, uint32_t len);

/**
 * RESET_OWNER (deprecated by the spec, still sent by some VMMs): the backend
 * forgets the session. Started queues are marked for vhd_fe_resume() (on
 * the same connection) from the used index in their ring.
 * @return 0 or a negative errno.
 */
int vhd_fe_reset_owner(struct vhd_fe *fe);

/**
 * Send the memory table again while queues run, as a VMM does on memory
 * hot-plug: the backend must remap without losing requests.
 * @return 0 or a negative errno.
 */
int vhd_fe_set_mem_table(struct vhd_fe *fe);

/**
 * Close the connection. Queues are marked stopped; their rings, bases and
 * the arena are kept for vhd_fe_resume(). Started queues that were not
 * stopped with vhd_fe_queue_stop() resume from the used index in the ring,
 * so chains the backend took but never completed are served again.
 */
void vhd_fe_disconnect(struct vhd_fe *fe);

/**
 * On a new connection: negotiate as last time (vhd_fe_negotiate() with the
 * same wishes) and start again every queue that was started when the old
 * connection ended.
 * @return 0 or a negative errno.
 */
int vhd_fe_resume(struct vhd_fe *fe);

/**
 * In-flight tracking, as QEMU's vhost-user-blk does it: the first time,
 * GET_INFLIGHT_FD for @p num_queues queues of @p queue_size and keep the
 * area's fd; then SET_INFLIGHT_FD with it. Call after vhd_fe_negotiate()
 * with VHD_FE_PROTO_F_INFLIGHT_SHMFD agreed and before starting queues.
 * The area outlives the backend: vhd_fe_resume() hands it to the next one
 * (SET_INFLIGHT_FD) before starting the queues, so that it resubmits what
 * the dead one took and never completed.
 * @return 0, -ENOTSUP when the feature was not agreed, or a negative errno.
 */
int vhd_fe_inflight_setup(struct vhd_fe *fe, uint16_t num_queues, uint16_t queue_size);

/** Size of the kept in-flight area in bytes, 0 without one. */
uint64_t vhd_fe_inflight_size(const struct vhd_fe *fe);

/** The kept in-flight area's fd (owned by @p fe; hostile tests write it), or -1. */
int vhd_fe_inflight_fd(const struct vhd_fe *fe);

/**
 * Send any request and read its reply, for protocol tests.
 * @p payload / @p len is the message body; @p fds (up to 8) go along with
 * SCM_RIGHTS. When @p reply is not NULL, wait for a reply to @p req and copy
 * up to @p reply_len bytes of it.
 * @return the reply body length (0 without @p reply) or a negative errno.
 */
int vhd_fe_request(struct vhd_fe *fe, uint32_t req, uint32_t flags, const void *payload,
		   uint32_t len, const int *fds, unsigned int n_fds, void *reply,
		   uint32_t reply_len);

/**
 * Hand the backend one end of a new socketpair with request @p req (one fd,
 * no payload: vhost-user-gpu's VHOST_USER_GPU_SET_SOCKET, 33), as QEMU does
 * at every driver start; acked when REPLY_ACK was agreed.
 * @return our end of the pair (the caller closes it), or a negative errno.
 */
int vhd_fe_set_channel(struct vhd_fe *fe, uint32_t req);

/** vhost-user-gpu's request carrying the display socket. */
#define VHD_FE_GPU_SET_SOCKET 33

/** Requests a backend sends on the backend channel (vhost-user.rst). */
enum vhd_fe_backend_request {
	VHD_FE_BACKEND_IOTLB_MSG = 1,
	VHD_FE_BACKEND_CONFIG_CHANGE_MSG = 2,
	VHD_FE_BACKEND_VRING_HOST_NOTIFIER_MSG = 3,
};

/** One request read from the backend channel. */
struct vhd_fe_backend_msg {
	uint32_t request;
	uint32_t flags;   /**< VHD_FE_MSG_NEED_REPLY: the backend waits for our answer */
	uint32_t size;    /**< body bytes (at most sizeof(body) are kept) */
	uint8_t body[256];
	unsigned int n_fds; /**< fds that came along (closed already) */
};

/**
 * What a frontend does with one backend request: returns the u64 sent back
 * when the backend asked for a reply (0: success).
 */
typedef uint64_t (*vhd_fe_backend_fn)(void *arg, const struct vhd_fe_backend_msg *m);

/**
 * The backend channel set up by vhd_fe_negotiate() when
 * VHD_FE_PROTO_F_BACKEND_REQ was agreed (a QEMU does the same), or -1.
 * Poll it for POLLIN to learn that a request waits.
 */
int vhd_fe_backend_fd(const struct vhd_fe *fe);

/**
 * Wait up to @p timeout_ms for one request on the backend channel, hand it
 * to @p fn (NULL: answer 0 to a config change, non-zero to anything else)
 * and answer it when it asks for a reply. Requests with a body larger than
 * the vhost-user maximum or a bad version are refused: -EPROTO.
 * @return 1 when a request was served (@p out, may be NULL, holds it), 0 on
 * timeout, -ENOTCONN without a channel, or another negative errno.
 */
int vhd_fe_backend_serve(struct vhd_fe *fe, int timeout_ms, vhd_fe_backend_fn fn, void *arg,
			 struct vhd_fe_backend_msg *out);

/** Description of the last failure, "" when none. */
const char *vhd_fe_error(const struct vhd_fe *fe);

/** Name of a request code, for messages. */
const char *vhd_fe_request_name(uint32_t req);

#ifdef __cplusplus
}
#endif

#endif /* VHD_FE_H */
