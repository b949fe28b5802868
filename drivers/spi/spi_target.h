/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * What sits behind one chip select: a host spidev node (spi_linux.c) or a
 * simulated SPI device (spi_sim.c).
 *
 * A transfer is one SPI transfer with the chip select asserted for it. The
 * chip select stays asserted after it unless @c cs_release is set (virtio's
 * cs_change = 1); the next transfer on the same target then continues the
 * same frame. release() ends a frame the guest left open.
 *
 * A blocking target (spidev) is driven only from the host's offload helper:
 * its xfer() and release() may sleep and touch nothing but the target and
 * the spi_xfer they are given. A non-blocking target (simulated) answers at
 * once on the worker.
 */

#ifndef SPI_TARGET_H
#define SPI_TARGET_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What a target can do, in the config's encoding (see spi_proto.h). */
struct spi_caps {
	uint8_t tx_nbits;           /**< VIRTIO_SPI_NBITS_* beyond SINGLE */
	uint8_t rx_nbits;
	uint32_t bpw_mask;          /**< bit n: n+1 bits per word; 0: 1..32 */
	uint32_t mode_func;         /**< VIRTIO_SPI_MF_* */
	uint32_t max_freq_hz;       /**< 0: no limit */
	uint32_t max_word_delay_ns; /**< 0: no word delay */
	uint32_t max_cs_setup_ns;
	uint32_t max_cs_hold_ns;
	uint32_t max_cs_inactive_ns;
};

/** One checked transfer. */
struct spi_xfer {
	const uint8_t *tx;   /**< NULL: half-duplex read (zeros go out) */
	uint8_t *rx;         /**< NULL: half-duplex write */
	uint32_t len;        /**< bytes, a whole number of words, > 0 */
	uint32_t mode;       /**< VIRTIO_SPI_CPHA... (transfer head encoding) */
	uint32_t speed_hz;   /**< 0: the target's default */
	uint8_t bpw;         /**< 1..32 */
	uint8_t tx_nbits;    /**< 1, 2, 4 or 8 */
	uint8_t rx_nbits;
	bool cs_release;     /**< deassert chip select after this transfer */
	uint32_t word_delay_ns;
	uint32_t cs_setup_ns;
	uint32_t cs_hold_ns;
	uint32_t cs_inactive_ns;
};

struct spi_target;

/** A backend's operations. */
struct spi_target_ops {
	/**
	 * Run @p x. On failure the chip select is released (as Linux does
	 * when a message fails).
	 * @return 0, -EBUSY when another guest holds the device, or another
	 * negative errno.
	 */
	int (*xfer)(struct spi_target *t, struct spi_xfer *x);
	/** End a frame left open (chip select held); no-op when none. */
	void (*release)(struct spi_target *t);
	/** Free the target (releasing first is the caller's business). */
	void (*destroy)(struct spi_target *t);
};

/** One chip select of one device instance. */
struct spi_target {
	const struct spi_target_ops *ops;
	struct spi_caps caps;
	bool blocking;   /**< xfer()/release() go through the host's offload */
	char name[64];   /**< for messages: "/dev/spidev0.1", "sim:flash" */
	void *priv;
};

/** Destroy @p t (NULL allowed). */
static inline void
spi_target_destroy(struct spi_target *t)
{
	if (t != NULL)
		t->ops->destroy(t);
}

#ifdef __cplusplus
}
#endif

#endif /* SPI_TARGET_H */
