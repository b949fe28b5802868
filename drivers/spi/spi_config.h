/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The chip selects from the command line.
 *
 * --device (upstream's option, one spidev node) takes a comma-separated
 * list here: entry i is chip select i, either a spidev node
 * ("/dev/spidev0.0") or a simulated device ("sim:flash[:FILE]",
 * "sim:loopback", "sim:regs", see spi_sim.h). Every socket's guest sees
 * the same chip selects: each socket opens the spidev nodes itself (they
 * are shared with flock) and shares the simulated devices.
 */

#ifndef SPI_CONFIG_H
#define SPI_CONFIG_H

#include <limits.h>

#include "spi_dev.h"
#include "spi_linux.h"
#include "spi_sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** One chip select. */
struct spi_cfg_cs {
	bool sim;
	char path[PATH_MAX];    /**< spidev node, or the flash image ("" for none) */
	char sim_type[16];      /**< "flash", "loopback", "regs" */
	struct spi_caps caps;   /**< spidev: probed by spi_cfg_prepare() */
	struct spi_sim *dev;    /**< sim: created by spi_cfg_prepare() */
};

/** Parsed and prepared chip selects. */
struct spi_cfg {
	unsigned int n;
	struct spi_cfg_cs cs[SPI_MAX_CS];
	const struct spi_linux_sys *sys;
};

/**
 * Parse a --device value into @p cfg (zeroed first).
 * @return 0, or -1 with one error line printed.
 */
int spi_cfg_parse(struct spi_cfg *cfg, const char *list);

/**
 * Probe the spidev nodes through @p sys and create the simulated devices.
 * @return 0, or -1 with one error line printed (nothing left open).
 */
int spi_cfg_prepare(struct spi_cfg *cfg, const struct spi_linux_sys *sys);

/**
 * Make one socket's targets, @p out[0..cfg->n).
 * @return 0, or -1 with one error line printed (none left).
 */
int spi_cfg_targets(const struct spi_cfg *cfg, struct spi_target **out);

/** Destroy the simulated devices (after every target is gone). */
void spi_cfg_fini(struct spi_cfg *cfg);

#ifdef __cplusplus
}
#endif

#endif /* SPI_CONFIG_H */
