/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * One CAN frame as the device and its buses see it (virtio's view: an
 * identifier, virtio flags, a length and data), its validation against the
 * negotiated features, and its text form (can-utils' cansend/candump:
 * "123#DEADBEEF", "1F334455#R", "123##1AABB").
 */

#ifndef CAN_MSG_H
#define CAN_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "can_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A frame. For an RTR frame @c len is the requested length and @c data unused. */
struct can_msg {
	uint32_t id;     /**< 11-bit or (with CAN_FLAG_EXTENDED) 29-bit identifier */
	uint32_t flags;  /**< CAN_FLAG_* */
	uint8_t len;     /**< payload length */
	uint8_t data[CAN_FD_MAX_LEN];
};

/** True when @p len is a CAN FD payload length (0..8, 12, 16, 20, 24, 32, 48, 64). */
int can_fd_len_valid(unsigned int len);

/**
 * Is @p m a frame a driver that negotiated @p features (device feature
 * bits, CAN_F_*) may send or receive? Unknown flags, identifiers out of
 * range, lengths out of range, FD without CAN_F_FD, classic without
 * CAN_F_CLASSIC, RTR without CAN_F_RTR_FRAMES or with FD are not.
 * @return 0 or -EINVAL.
 */
int can_msg_check(const struct can_msg *m, uint64_t features);

/** Payload bytes that travel with @p m (0 for RTR). */
static inline unsigned int
can_msg_payload(const struct can_msg *m)
{
	return (m->flags & CAN_FLAG_RTR) ? 0 : m->len;
}

/** Same identifier, flags, length and payload. */
int can_msg_equal(const struct can_msg *a, const struct can_msg *b);

/**
 * Parse cansend syntax: <id>#<data>, <id>#R[<len>], <id>##<fdflags><data>;
 * an identifier of more than 3 hex digits is extended; data bytes may be
 * separated by '.'. The frame is not checked against features.
 * @return 0 or -EINVAL.
 */
int can_msg_parse(const char *s, struct can_msg *m);

/**
 * Format @p m the way candump does (3 hex digits for a standard identifier,
 * 8 for an extended one, upper case).
 * @return the length written (without NUL); @p len must be at least 160.
 */
size_t can_msg_format(const struct can_msg *m, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* CAN_MSG_H */
