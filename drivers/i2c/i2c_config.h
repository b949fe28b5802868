/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The guest bus layout from the command line.
 *
 * --device-list (upstream's syntax): adapters separated by ',', each
 * "BUS:ADDR[:ADDR...]". BUS is a host adapter number (2 for /dev/i2c-2), a
 * host adapter name (/sys/bus/i2c/devices/i2c-N/name, e.g. "i915 gmbus dpd")
 * or, our addition, "simN" for simulated bus N. ADDR is a 7-bit client
 * address, decimal as upstream (32 is 0x20) or 0x-prefixed hexadecimal.
 * Every socket's guest sees this one bus, so an address may appear once in
 * the whole list and an adapter once.
 *
 * --sim-client (ours): "ADDR=TYPE[:FILE]" puts a simulated client (see
 * i2c_sim.h) at ADDR, which must be listed on a simN bus; every address of
 * a simN bus needs one.
 */

#ifndef I2C_CONFIG_H
#define I2C_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "i2c_adapter.h"
#include "i2c_linux.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How a --device-list entry names its adapter. */
enum i2c_cfg_kind {
	I2C_CFG_NUMBER, /**< host /dev/i2c-N */
	I2C_CFG_NAME,   /**< host adapter by sysfs name */
	I2C_CFG_SIM,    /**< simulated bus simN */
};

/** One --device-list entry. */
struct i2c_cfg_bus {
	enum i2c_cfg_kind kind;
	unsigned int nr;         /**< I2C_CFG_NUMBER / I2C_CFG_SIM */
	char name[128];          /**< I2C_CFG_NAME */
	unsigned int n_addrs;
	uint16_t addrs[I2C_ADDR_MAX + 1];
};

/** One --sim-client option. */
struct i2c_cfg_client {
	uint16_t addr;
	char type[16];
	char *file;              /**< image file or NULL; owned by the i2c_cfg */
};

/** Parsed layout. */
struct i2c_cfg {
	unsigned int n_buses;
	struct i2c_cfg_bus buses[I2C_MAP_MAX_ADAPTERS];
	unsigned int n_clients;
	struct i2c_cfg_client clients[I2C_ADDR_MAX + 1];
};

/** Empty layout. */
void i2c_cfg_init(struct i2c_cfg *cfg);

/** Free what parsing allocated. */
void i2c_cfg_fini(struct i2c_cfg *cfg);

/**
 * Parse a --device-list value into @p cfg (replacing earlier buses).
 * @return 0, or -1 with one error line printed.
 */
int i2c_cfg_parse_list(struct i2c_cfg *cfg, const char *list);

/**
 * Add one --sim-client value.
 * @return 0, or -1 with one error line printed.
 */
int i2c_cfg_parse_sim_client(struct i2c_cfg *cfg, const char *arg);

/**
 * Open the adapters and build @p map. Host adapters go through @p sys.
 * @return 0, or -1 with one error line printed (nothing is left open).
 */
int i2c_cfg_build(const struct i2c_cfg *cfg, const struct i2c_linux_sys *sys,
		  struct i2c_map *map);

#ifdef __cplusplus
}
#endif

#endif /* I2C_CONFIG_H */
