/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-spi wire format (VIRTIO spec, "SPI Controller Device"; device id 45).
 *
 * One request queue. A request is one SPI transfer laid out as:
 *  - struct spi_xfer_head (32 bytes, device-readable);
 *  - tx_buf (device-readable, optional);
 *  - rx_buf (device-writable, optional);
 *  - one device-writable result byte.
 * With both buffers (full duplex) they must be the same length. We read the
 * readable bytes and write the writable bytes by offset, so any split of
 * them into descriptors works.
 *
 * Two encodings of the same mode bits exist: the transfer head's @c mode
 * (CPHA b0, CPOL b1, CS_HIGH b2, LSB_FIRST b3, LOOP b4) and the config's
 * @c mode_func_supported (CPHA=0 b0, CPHA=1 b1, CPOL=0 b2, CPOL=1 b3,
 * CS_HIGH b4, LSB_FIRST b5, LOOP b6).
 */

#ifndef SPI_PROTO_H
#define SPI_PROTO_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Virtio device id of an SPI controller. */
#define VIRTIO_ID_SPI 45

/** Result byte values. */
#define VIRTIO_SPI_TRANS_OK 0
#define VIRTIO_SPI_PARAM_ERR 1
#define VIRTIO_SPI_TRANS_ERR 2

/** Transfer head @c mode bits. */
#define VIRTIO_SPI_CPHA (1u << 0)
#define VIRTIO_SPI_CPOL (1u << 1)
#define VIRTIO_SPI_CS_HIGH (1u << 2)
#define VIRTIO_SPI_LSB_FIRST (1u << 3)
#define VIRTIO_SPI_LOOP (1u << 4)
/** Every defined transfer head mode bit. */
#define VIRTIO_SPI_MODE_ALL 0x1fu

/** Config @c mode_func_supported bits. */
#define VIRTIO_SPI_MF_CPHA_0 (1u << 0)
#define VIRTIO_SPI_MF_CPHA_1 (1u << 1)
#define VIRTIO_SPI_MF_CPOL_0 (1u << 2)
#define VIRTIO_SPI_MF_CPOL_1 (1u << 3)
#define VIRTIO_SPI_MF_CS_HIGH (1u << 4)
#define VIRTIO_SPI_MF_LSB_FIRST (1u << 5)
#define VIRTIO_SPI_MF_LOOP (1u << 6)
/** Every defined mode_func_supported bit. */
#define VIRTIO_SPI_MF_ALL 0x7fu

/** Config tx/rx_nbits_supported bits (SINGLE is always supported). */
#define VIRTIO_SPI_NBITS_DUAL (1u << 0)
#define VIRTIO_SPI_NBITS_QUAD (1u << 1)
#define VIRTIO_SPI_NBITS_OCTAL (1u << 2)
#define VIRTIO_SPI_NBITS_ALL 0x7u

/** Device configuration, little-endian on the wire (we build for little-endian hosts). */
struct spi_config {
	uint8_t cs_max_number;
	uint8_t cs_change_supported;
	uint8_t tx_nbits_supported;
	uint8_t rx_nbits_supported;
	uint32_t bits_per_word_mask; /**< bit n: n+1 bits per word; 0: any */
	uint32_t mode_func_supported;
	uint32_t max_freq_hz;        /**< 0: no limit */
	uint32_t max_word_delay_ns;  /**< 0: unsupported */
	uint32_t max_cs_setup_ns;
	uint32_t max_cs_hold_ns;
	uint32_t max_cs_inactive_ns;
} __attribute__((packed));

/** Size of the config space. */
#define SPI_CONFIG_SIZE 32

/** Transfer head as the guest sends it. */
struct spi_xfer_head {
	uint8_t chip_select_id;
	uint8_t bits_per_word;
	uint8_t cs_change;   /**< 1: deassert chip select after this transfer */
	uint8_t tx_nbits;    /**< 0 or 1 single, 2 dual, 4 quad, 8 octal */
	uint8_t rx_nbits;
	uint8_t reserved[3];
	uint32_t mode;       /**< VIRTIO_SPI_CPHA... */
	uint32_t freq;       /**< Hz, 0: the device's default */
	uint32_t word_delay_ns;
	uint32_t cs_setup_ns;
	uint32_t cs_delay_hold_ns;
	uint32_t cs_change_delay_inactive_ns;
} __attribute__((packed));

/** Size of the transfer head on the wire. */
#define SPI_XFER_HEAD_LEN 32

#ifdef __cplusplus
}
#endif

#endif /* SPI_PROTO_H */
