/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Validation of every vhost-user message the frontend sends, before
 * rte_vhost (or our own handlers) act on it. rte_vhost 22.11 maps regions
 * without looking at the file behind them, keeps ring pointers whose length
 * check failed, honours requests of features never offered and leaks the
 * fds of messages it or we answer without them. Private to lib/vhost.
 */

#ifndef VHD_MSG_H
#define VHD_MSG_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_vq.h"

struct vhd_dev;

/* vhost-user requests (numbers from the vhost-user spec). */
enum {
	VHU_GET_FEATURES = 1,
	VHU_SET_FEATURES = 2,
	VHU_SET_OWNER = 3,
	VHU_RESET_OWNER = 4,
	VHU_SET_MEM_TABLE = 5,
	VHU_SET_LOG_BASE = 6,
	VHU_SET_LOG_FD = 7,
	VHU_SET_VRING_NUM = 8,
	VHU_SET_VRING_ADDR = 9,
	VHU_SET_VRING_BASE = 10,
	VHU_GET_VRING_BASE = 11,
	VHU_SET_VRING_KICK = 12,
	VHU_SET_VRING_CALL = 13,
	VHU_SET_VRING_ERR = 14,
	VHU_GET_PROTOCOL_FEATURES = 15,
	VHU_SET_PROTOCOL_FEATURES = 16,
	VHU_GET_QUEUE_NUM = 17,
	VHU_SET_VRING_ENABLE = 18,
	VHU_SEND_RARP = 19,
	VHU_NET_SET_MTU = 20,
	VHU_SET_BACKEND_REQ_FD = 21,
	VHU_IOTLB_MSG = 22,
	VHU_GET_CONFIG = 24,
	VHU_SET_CONFIG = 25,
	VHU_CREATE_CRYPTO_SESSION = 26,
	VHU_CLOSE_CRYPTO_SESSION = 27,
	VHU_POSTCOPY_ADVISE = 28,
	VHU_POSTCOPY_LISTEN = 29,
	VHU_POSTCOPY_END = 30,
	VHU_GET_INFLIGHT_FD = 31,
	VHU_SET_INFLIGHT_FD = 32,
	VHU_SET_STATUS = 39,
	VHU_GET_STATUS = 40,
};

/* Protocol feature bits. */
#define VHU_PF_MQ 0
#define VHU_PF_LOG_SHMFD 1
#define VHU_PF_RARP 2
#define VHU_PF_REPLY_ACK 3
#define VHU_PF_MTU 4
#define VHU_PF_BACKEND_REQ 5
#define VHU_PF_CRYPTO_SESSION 7
#define VHU_PF_PAGEFAULT 8
#define VHU_PF_CONFIG 9
#define VHU_PF_INFLIGHT_SHMFD 12
#define VHU_PF_STATUS 16

/* The wire message as rte_vhost 22.11 hands it to its extern handlers
 * (struct vhu_msg_context in its vhost_user.h): the header, a payload area
 * the size of its largest payload (the crypto session, 632 bytes), then the
 * fds received with it.
 */
#define VHU_HDR_SIZE 12
#define VHU_PAYLOAD_MAX 632
#define VHU_MAX_FDS 8
#define VHU_MAX_REGIONS 8
#define VHU_CONFIG_HDR 12
#define VHU_CONFIG_MAX 256
#define VHU_VRING_IDX_MASK 0xffu
#define VHU_VRING_NOFD_MASK 0x100u

struct vhu_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
} __attribute__((packed));

/* Not packed in rte_vhost or QEMU: 24 bytes with the tail padding. */
struct vhu_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
	uint8_t padding[4];
} __attribute__((packed));

struct vhu_msg {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
	union {
		uint64_t u64;
		struct {
			uint32_t index;
			uint32_t num;
		} state;
		struct {
			uint32_t index;
			uint32_t flags;
			uint64_t desc;
			uint64_t used;
			uint64_t avail;
			uint64_t log;
		} addr;
		struct {
			uint32_t nregions;
			uint32_t padding;
			struct vhu_region regions[VHU_MAX_REGIONS];
		} mem;
		struct {
			uint32_t offset;
			uint32_t size;
			uint32_t flags;
			uint8_t region[VHU_CONFIG_MAX];
		} cfg;
		struct vhu_inflight inflight;
		uint8_t raw[VHU_PAYLOAD_MAX];
	} payload;
} __attribute__((packed));

struct vhu_ctx {
	struct vhu_msg msg;
	int fds[VHU_MAX_FDS];
	int fd_num;
} __attribute__((packed));

/** A region of the last memory table we let through (frontend addresses). */
struct vhd_msg_region {
	uint64_t gpa;
	uint64_t uva;
	uint64_t size;
};

/** Per-connection view of the session, kept by the validator. */
struct vhd_msg_state {
	bool owner;                 /* SET_OWNER seen */
	bool packed;                /* SET_FEATURES asked for VIRTIO_F_RING_PACKED */
	uint32_t nregions;
	struct vhd_msg_region regions[VHU_MAX_REGIONS];
	uint64_t refused;           /* messages refused (all connections) */
	uint64_t fds_closed;        /* fds we closed for rte_vhost (all connections) */
	uint64_t bad_rings;         /* rings refused at queue start (all connections) */
	uint16_t inflight_qsize;    /* queue_size of the accepted SET_INFLIGHT_FD, 0: none */
	uint16_t inflight_nq;       /* its num_queues */
	bool inflight_packed;       /* it was laid out for packed rings */
	uint64_t inflight_size;     /* its mmap_size */
	/* The backend channel's fd as the last SET_BACKEND_REQ_FD passed it
	 * (owned by rte_vhost), -1 before: host_config_changed() checks it is
	 * writable so that a frontend that stops reading cannot block a worker. */
	int backend_fd;
};

/** Bytes of one split ring's in-flight area as rte_vhost lays it out. */
uint64_t vhd_msg_inflight_split_size(uint16_t queue_size);
/** Bytes of one packed ring's in-flight area as rte_vhost lays it out. */
uint64_t vhd_msg_inflight_packed_size(uint16_t queue_size);

/**
 * Check one message. On refusal every fd attached to it is closed and
 * fd_num set to 0; the caller then answers RTE_VHOST_MSG_RESULT_ERR, which
 * rte_vhost turns into the spec's reply: a non-zero REPLY_ACK when the
 * frontend asked for one, else closing the connection.
 * @return 0 to let the message through, -1 when refused.
 */
int vhd_msg_check(struct vhd_dev *dev, struct vhu_ctx *ctx);

/** Close every fd of a message we answer ourselves. */
void vhd_msg_drop_fds(struct vhd_dev *dev, struct vhu_ctx *ctx);

/** A new frontend connected: forget what the last one said. */
void vhd_msg_conn_reset(struct vhd_dev *dev);

/**
 * True when a ring of @p size entries at these addresses (ours) lies wholly
 * inside the mapped guest memory @p mem, each part inside one region, event
 * fields included. For a @p packed ring, @p avail and @p used are the driver
 * and device event areas.
 */
bool vhd_msg_ring_fits(const struct vhd_mem *mem, const void *desc, const void *avail,
		       const void *used, uint32_t size, bool packed);

#endif /* VHD_MSG_H */
