/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-i2c wire format (VIRTIO 1.2, section 5.18; device id 34).
 *
 * One request queue. Each request is a descriptor chain of:
 *  - an out header (device-readable, struct i2c_out_hdr);
 *  - an optional data buffer: device-readable for a write, device-writable
 *    for a read (VIRTIO_I2C_FLAGS_M_RD);
 *  - an in header: one device-writable status byte.
 *
 * The address field carries the 7-bit client address shifted left by one,
 * bit 0 clear: Linux's i2c-virtio driver sends "msg->addr << 1", and the
 * rust-vmm backend undoes it with ">> 1". We do the same and refuse values
 * with bit 0 set or above 0xff, since 10-bit addressing is not defined.
 */

#ifndef I2C_PROTO_H
#define I2C_PROTO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Virtio device id of an I2C adapter. */
#define VIRTIO_ID_I2C_ADAPTER 34

/** Feature: the driver may send requests without a data buffer. */
#define VIRTIO_I2C_F_ZERO_LENGTH_REQUEST 0

/** Header flag: if this request fails, fail the next one without executing it. */
#define VIRTIO_I2C_FLAGS_FAIL_NEXT (1u << 0)
/** Header flag: read from the client (the data buffer is device-writable). */
#define VIRTIO_I2C_FLAGS_M_RD (1u << 1)

/** Status byte values. */
#define VIRTIO_I2C_MSG_OK 0
#define VIRTIO_I2C_MSG_ERR 1

/** Out header, little-endian on the wire (we only build for little-endian hosts). */
struct i2c_out_hdr {
	uint16_t addr;    /**< 7-bit client address << 1 */
	uint16_t padding; /**< ignored */
	uint32_t flags;   /**< VIRTIO_I2C_FLAGS_* */
} __attribute__((packed));

/** Size of the out header on the wire. */
#define I2C_OUT_HDR_LEN 8

/** Highest 7-bit client address. */
#define I2C_ADDR_MAX 0x7f

/**
 * Decode the address field of an out header.
 * @return the 7-bit address, or -1 when bit 0 or bits above bit 7 are set.
 */
static inline int
i2c_proto_addr(uint16_t wire)
{
	if ((wire & 1) != 0 || wire > 0xff)
		return -1;
	return wire >> 1;
}

#ifdef __cplusplus
}
#endif

#endif /* I2C_PROTO_H */
