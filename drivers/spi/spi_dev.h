/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-spi device: the vhd_device_ops of one guest (one vhost-user socket).
 *
 * Every request is one transfer on its own, answered with its own result:
 * the head is checked against the config space (chip select, bits per word
 * and whole words, cs_change 0/1, n-bit modes, mode bits, frequency, each
 * delay against its maximum, full-duplex lengths equal, length not zero,
 * at most SPI_XFER_MAX_LEN bytes): VIRTIO_SPI_PARAM_ERR; a head shorter
 * than 32 bytes is PARAM_ERR too; a failed transfer: VIRTIO_SPI_TRANS_ERR.
 * A request without a writable byte has nowhere to put a result: used
 * length 0, counted.
 *
 * cs_change has virtio's meaning: 1 deasserts the chip select after the
 * transfer, 0 keeps it asserted into the next transfer, across requests.
 * A transfer on another chip select first ends the frame left open on the
 * previous one; a queue stop ends it too.
 *
 * A blocking target's transfer runs through vhd_host.offload(): the request
 * is held, later requests stay on the ring (VHD_REQ_RETRY) until it
 * completes, so transfers keep their order. While the host has no offload
 * service (-ENOSYS) the transfer runs inline and is counted.
 *
 * The config space is the intersection of what the chip selects' targets
 * can do, so a guest that honours it never sees a PARAM_ERR for a
 * capability one of them lacks.
 */

#ifndef SPI_DEV_H
#define SPI_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "spi_proto.h"
#include "spi_target.h"
#include "vhd_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest queue the device accepts (upstream's value). */
#define SPI_QUEUE_SIZE 1024

/** Most chip selects per device. */
#define SPI_MAX_CS 16

/** Longest transfer in bytes; longer ones answer PARAM_ERR. */
#define SPI_XFER_MAX_LEN (1u << 20)

/** Why spi_dev_check() refused a request. */
enum spi_check {
	SPI_CHECK_OK = 0,
	SPI_CHECK_SHORT_HEAD,  /**< fewer than 32 readable bytes */
	SPI_CHECK_CS,          /**< chip_select_id >= cs_max_number */
	SPI_CHECK_BPW,         /**< bits_per_word 0, > 32 or not in the mask */
	SPI_CHECK_WORDS,       /**< length not a whole number of words */
	SPI_CHECK_CS_CHANGE,   /**< cs_change neither 0 nor 1 */
	SPI_CHECK_NBITS,       /**< tx/rx_nbits invalid or unsupported */
	SPI_CHECK_MODE,        /**< undefined mode bit or unsupported setting */
	SPI_CHECK_FREQ,        /**< above max_freq_hz */
	SPI_CHECK_DELAY,       /**< a delay above its maximum */
	SPI_CHECK_DUPLEX_LEN,  /**< full duplex with tx length != rx length */
	SPI_CHECK_ZERO_LEN,    /**< neither tx nor rx bytes */
	SPI_CHECK_TOO_LONG,    /**< more than SPI_XFER_MAX_LEN bytes */
	SPI_CHECK_COUNT
};

/** Per-device counters, all monotonic. */
struct spi_dev_stats {
	uint64_t requests;       /**< requests handled (a retried one once) */
	uint64_t trans_ok;
	uint64_t param_err;      /**< all PARAM_ERR answers */
	uint64_t trans_err;      /**< all TRANS_ERR answers */
	uint64_t busy;           /**< TRANS_ERR because another guest held the device */
	uint64_t no_status;      /**< no writable byte: used length 0 */
	uint64_t bytes;          /**< bytes transferred */
	uint64_t cs_held;        /**< transfers that left the chip select asserted */
	uint64_t cs_forced;      /**< frames ended by a chip select switch or queue stop */
	uint64_t offloaded;      /**< transfers run through the offload helper */
	uint64_t offload_inline; /**< blocking transfers run inline (no offload service) */
	uint64_t retries;        /**< requests left on the ring (transfer in flight) */
	uint64_t check[SPI_CHECK_COUNT]; /**< PARAM_ERR by reason */
};

struct spi_pending;

/** One device instance. */
struct spi_dev {
	struct spi_config cfg;           /**< immutable after spi_dev_init() */
	unsigned int n_cs;
	struct spi_target *targets[SPI_MAX_CS]; /**< owned */
	int held_cs;                     /**< chip select left asserted, -1 for none */
	struct vhd_host *host;
	struct vhd_vq *vq;
	struct spi_pending *pending;     /**< request whose transfer is offloaded */
	struct spi_dev_stats stats;
};

/** Device description and callbacks; priv is a struct spi_dev. */
extern const struct vhd_device_ops spi_dev_ops;

/**
 * Set up @p d over @p targets[0..n) (chip selects 0..n-1; @p d takes them
 * over) and compute its config space.
 * @return 0, or -1 when @p n is 0 or above SPI_MAX_CS.
 */
int spi_dev_init(struct spi_dev *d, struct spi_target *const *targets, unsigned int n);

/** End open frames, destroy the targets. */
void spi_dev_fini(struct spi_dev *d);

/** The config space advertised for @p caps[0..n) (their intersection). */
void spi_dev_make_config(const struct spi_caps *caps, unsigned int n, struct spi_config *cfg);

/**
 * Check a transfer head against @p cfg, with @p tx_len and @p rx_len bytes
 * of tx and rx buffer.
 */
enum spi_check spi_dev_check(const struct spi_config *cfg, const struct spi_xfer_head *h,
			     uint32_t tx_len, uint32_t rx_len);

/** Short name of a check result, for counters: "cs", "bpw"... */
const char *spi_check_name(enum spi_check c);

#ifdef __cplusplus
}
#endif

#endif /* SPI_DEV_H */
