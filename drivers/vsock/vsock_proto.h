/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-vsock wire format (VIRTIO 1.2+, "Socket Device"): the packet
 * header every rx/tx buffer starts with, its ops, flags and the credit
 * arithmetic both peers follow. All header fields are little endian.
 */

#ifndef VSOCK_PROTO_H
#define VSOCK_PROTO_H

#include <stdbool.h>
#include <stdint.h>

/** virtio device id of the socket device. */
#define VSOCK_VIRTIO_ID 19
/** Queues: rx (device to driver), tx (driver to device), event. */
#define VSOCK_Q_RX 0
#define VSOCK_Q_TX 1
#define VSOCK_Q_EVENT 2
#define VSOCK_NUM_QUEUES 3

/** Feature bits. */
#define VSOCK_F_STREAM 0
#define VSOCK_F_SEQPACKET 1
#define VSOCK_F_NO_IMPLIED_STREAM 2

/** The host's CID (VMADDR_CID_HOST). */
#define VSOCK_HOST_CID 2ULL

/** Packet header, 44 bytes, no padding. */
struct vsock_hdr {
	uint64_t src_cid;
	uint64_t dst_cid;
	uint32_t src_port;
	uint32_t dst_port;
	uint32_t len;
	uint16_t type;
	uint16_t op;
	uint32_t flags;
	uint32_t buf_alloc;
	uint32_t fwd_cnt;
} __attribute__((packed));

#define VSOCK_HDR_LEN 44

_Static_assert(sizeof(struct vsock_hdr) == VSOCK_HDR_LEN, "vsock header is 44 bytes");

/** hdr.type */
#define VSOCK_TYPE_STREAM 1
#define VSOCK_TYPE_SEQPACKET 2

/** hdr.op */
enum vsock_op {
	VSOCK_OP_INVALID = 0,
	VSOCK_OP_REQUEST = 1,
	VSOCK_OP_RESPONSE = 2,
	VSOCK_OP_RST = 3,
	VSOCK_OP_SHUTDOWN = 4,
	VSOCK_OP_RW = 5,
	VSOCK_OP_CREDIT_UPDATE = 6,
	VSOCK_OP_CREDIT_REQUEST = 7,
};

/** Event queue: the one event id (le32), the guest's connections are gone. */
#define VSOCK_EVENT_TRANSPORT_RESET 0

/** hdr.flags of OP_SHUTDOWN: the sender will receive / send no more. */
#define VSOCK_SHUTDOWN_RCV 1u
#define VSOCK_SHUTDOWN_SEND 2u
#define VSOCK_SHUTDOWN_BOTH (VSOCK_SHUTDOWN_RCV | VSOCK_SHUTDOWN_SEND)

/**
 * Bytes the sender may still send: the peer's buffer minus what is in
 * flight (sent, not yet forwarded by the peer). Counters wrap at 2^32,
 * so differences are taken modulo 2^32. A peer that shrank its buffer
 * below what is in flight gives 0, not a huge number.
 */
static inline uint32_t
vsock_credit(uint32_t peer_buf_alloc, uint32_t peer_fwd_cnt, uint32_t tx_cnt)
{
	uint32_t in_flight = tx_cnt - peer_fwd_cnt;

	return in_flight >= peer_buf_alloc ? 0 : peer_buf_alloc - in_flight;
}

/**
 * A new fwd_cnt from the peer may only move forward, and not past what was
 * sent: advancing from @p old_fwd to @p new_fwd must not exceed the bytes in
 * flight (tx_cnt - old_fwd), all modulo 2^32.
 */
static inline bool
vsock_fwd_cnt_valid(uint32_t old_fwd, uint32_t new_fwd, uint32_t tx_cnt)
{
	return (uint32_t)(new_fwd - old_fwd) <= (uint32_t)(tx_cnt - old_fwd);
}

/**
 * Whether to send a CREDIT_UPDATE: the peer's view of our free space
 * (built from the fwd_cnt we last told it) fell below a quarter of the
 * buffer and we have forwarded more since.
 */
static inline bool
vsock_need_credit_update(uint32_t buf_alloc, uint32_t rx_cnt, uint32_t fwd_cnt,
			 uint32_t last_fwd_sent)
{
	uint32_t seen_used = rx_cnt - last_fwd_sent;
	uint32_t seen_free = seen_used >= buf_alloc ? 0 : buf_alloc - seen_used;

	return fwd_cnt != last_fwd_sent && seen_free < buf_alloc / 4;
}

#endif /* VSOCK_PROTO_H */
