/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * A simulated I2C bus with simulated clients, so that guests can be tested
 * without hardware.
 *
 * Clients:
 *  - "24c02": a 2 Kbit EEPROM (256 bytes, erased to 0xff). A write sets the
 *    address pointer from its first byte and latches the following bytes in
 *    the 8-byte page, wrapping within the page; the latched bytes are
 *    programmed at the STOP that ends the transaction (a repeated START
 *    discards them, as the real part does), after which the pointer is past
 *    the last byte written. Reads return bytes from the pointer on, wrapping
 *    at 256. Optionally backed by a 256-byte image file, created erased when
 *    missing, written back page by page.
 *  - "regs": 256 8-bit registers. A write's first byte selects the register,
 *    the next bytes are stored at once with auto-increment; reads continue
 *    from the selected register; both wrap at 256.
 *
 * A message to an address without a client is not acknowledged: the
 * transaction stops there and fails with -ENXIO.
 */

#ifndef I2C_SIM_H
#define I2C_SIM_H

#include <stdint.h>

#include "i2c_adapter.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of storage of every simulated client. */
#define I2C_SIM_MEM_SIZE 256

/** Page size of the simulated 24c02. */
#define I2C_SIM_EEPROM_PAGE 8

/** Create an empty simulated bus called @p name. @return NULL when out of memory. */
struct i2c_adapter *i2c_sim_create(const char *name);

/**
 * Add a client of type @p type ("24c02" or "regs") at 7-bit address @p addr.
 * @param file 24c02 only: image file to load and write back, or NULL.
 * @return 0, or -1 with one error line printed (unknown type, address taken
 * or out of range, file unusable).
 */
int i2c_sim_add_client(struct i2c_adapter *ad, uint16_t addr, const char *type,
		       const char *file);

/**
 * Storage of the client at @p addr (for tests and diagnostics), or NULL when
 * there is none. Reads outside a transaction only.
 */
const uint8_t *i2c_sim_client_mem(const struct i2c_adapter *ad, uint16_t addr);

#ifdef __cplusplus
}
#endif

#endif /* I2C_SIM_H */
