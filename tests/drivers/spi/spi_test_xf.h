/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* One-call transfers for the backend tests (simulated devices, spidev). */

#ifndef SPI_TEST_XF_H
#define SPI_TEST_XF_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "spi_target.h"

/* One transfer on @p t, 8-bit words; @p release deselects after it. */
static inline int
spi_test_xf(struct spi_target *t, const uint8_t *tx, uint8_t *rx, uint32_t len, bool release,
	    uint32_t mode)
{
	struct spi_xfer x;

	memset(&x, 0, sizeof(x));
	x.tx = tx;
	x.rx = rx;
	x.len = len;
	x.bpw = 8;
	x.tx_nbits = x.rx_nbits = 1;
	x.mode = mode;
	x.cs_release = release;
	return t->ops->xfer(t, &x);
}

#endif /* SPI_TEST_XF_H */
