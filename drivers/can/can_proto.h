/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-can wire format (VIRTIO 1.3+, "CAN Device"; device id 36), written
 * from the specification. Little-endian on the wire.
 */

#ifndef CAN_PROTO_H
#define CAN_PROTO_H

#include <stdint.h>

#define CAN_VIRTIO_ID 36

/** Virtqueues. */
#define CAN_TXQ 0
#define CAN_RXQ 1
#define CAN_CTRLQ 2
#define CAN_NUM_QUEUES 3

/** Feature bits (the spec's numbering; RTR needs CLASSIC). */
#define CAN_F_CLASSIC 0
#define CAN_F_FD 1
#define CAN_F_RTR_FRAMES 2
#define CAN_F_LATE_TX_ACK 3

#define CAN_RESULT_OK 0
#define CAN_RESULT_NOT_OK 1

/** msg_type values. */
#define CAN_MSG_TX 0x0001
#define CAN_MSG_RX 0x0101
#define CAN_CTRL_START 0x0201
#define CAN_CTRL_STOP 0x0202

/** flags of a frame. */
#define CAN_FLAG_EXTENDED 0x8000u
#define CAN_FLAG_FD 0x4000u
#define CAN_FLAG_RTR 0x2000u
#define CAN_FLAGS_KNOWN (CAN_FLAG_EXTENDED | CAN_FLAG_FD | CAN_FLAG_RTR)

/** Config status bit: the controller went bus-off (bit 0, as Linux reads it). */
#define CAN_S_CTRL_BUSOFF 0x0001u

/** Identifier ranges. */
#define CAN_SFF_ID_MAX 0x7ffu
#define CAN_EFF_ID_MAX 0x1fffffffu

/** Payload limits. */
#define CAN_CLASSIC_MAX_LEN 8
#define CAN_FD_MAX_LEN 64

/** Header of virtio_can_tx_out and virtio_can_rx; sdu[] follows. */
struct can_virtio_hdr {
	uint16_t msg_type;
	uint16_t length;
	uint8_t reserved_classic_dlc;
	uint8_t padding;
	uint16_t reserved_xl_priority;
	uint32_t flags;
	uint32_t can_id;
} __attribute__((packed));

#define CAN_HDR_LEN 16

/** Config space: le16 status. */
struct can_virtio_config {
	uint16_t status;
} __attribute__((packed));

#define CAN_CONFIG_SIZE 2

#endif /* CAN_PROTO_H */
