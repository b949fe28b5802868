/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Host SPI devices through Linux's spidev (/dev/spidevB.C).
 *
 * spi_linux_probe() reads what the node can do (mode bits and n-bit modes
 * the controller accepts, bits per word, the node's speed), restoring the
 * node's original mode and word size. Each device instance (socket) opens
 * the node itself; every transfer is one SPI_IOC_MESSAGE(1) holding
 * flock(LOCK_EX) on the node, so sockets of this process and other
 * processes using the same convention never interleave. The lock stays
 * held while the guest keeps the chip select asserted between transfers,
 * and waiting for it is bounded (SPI_LINUX_LOCK_WAIT_MS, then -EBUSY).
 *
 * virtio's cs_change ("deassert after this transfer") is the opposite of
 * spidev's on the last transfer of a message ("leave asserted after the
 * message"): with one transfer per message, spidev's cs_change is
 * !cs_release. Delays: word delay and hold delay in whole microseconds
 * (rounded up; spidev's word_delay_usecs and delay_usecs), no setup or
 * inactive delay.
 *
 * Every system call goes through struct spi_linux_sys so that unit tests
 * can put a fake spidev behind it.
 */

#ifndef SPI_LINUX_H
#define SPI_LINUX_H

#include <stdint.h>

#include "spi_target.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How long a transfer waits for another user of the node to let go. */
#define SPI_LINUX_LOCK_WAIT_MS 2000

/** System calls the backend uses. */
struct spi_linux_sys {
	int (*open)(const char *path, int flags);
	int (*close)(int fd);
	/** ioctl(); returns -1 with errno set on failure, like the real one. */
	int (*ioctl)(int fd, unsigned long req, void *arg);
	/** flock(); -1 with errno set on failure. */
	int (*flock)(int fd, int op);
	/** Sleep between lock attempts. */
	void (*sleep_ms)(unsigned int ms);
};

/** The real system. */
extern const struct spi_linux_sys spi_linux_sys_default;

/**
 * Probe @p path's capabilities into @p caps.
 * @return 0, or -1 with one error line printed.
 */
int spi_linux_probe(const struct spi_linux_sys *sys, const char *path, struct spi_caps *caps);

/**
 * Open @p path as a (blocking) target with capabilities @p caps.
 * @p sys must outlive the target.
 * @return the target, or NULL with one error line printed.
 */
struct spi_target *spi_linux_open(const struct spi_linux_sys *sys, const char *path,
				  const struct spi_caps *caps);

/** spidev mode bits (SPI_CPHA...) of virtio transfer-head mode bits. */
uint32_t spi_linux_mode_to_spidev(uint32_t virtio_mode);

/** virtio transfer-head mode bits of spidev mode bits (others dropped). */
uint32_t spi_linux_mode_from_spidev(uint32_t spidev_mode);

/** spidev mode bits for @p tx_nbits and @p rx_nbits (1, 2, 4, 8). */
uint32_t spi_linux_nbits_to_spidev(uint8_t tx_nbits, uint8_t rx_nbits);

#ifdef __cplusplus
}
#endif

#endif /* SPI_LINUX_H */
