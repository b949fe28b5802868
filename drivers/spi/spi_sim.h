/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Simulated SPI devices, so that guests can be tested without hardware.
 *
 * A frame runs from the first transfer after the chip select was
 * deasserted to the transfer that deasserts it (or a release). Devices:
 *  - "loopback": rx = tx (unused high bits of each word cleared); a
 *    half-duplex read returns zeros. Any mode, 1..32 bits per word,
 *    dual/quad/octal.
 *  - "regs": 128 8-bit registers. A frame's first byte is a command:
 *    bit 7 set reads, clear writes, bits 6..0 the first register; the next
 *    bytes are written to, or read from, consecutive registers (wrapping).
 *  - "flash": a 1 MiB JEDEC SPI NOR flash (id ef 40 14), erased to 0xff:
 *    READ ID 9f, READ 03, FAST READ 0b (one dummy byte), READ STATUS 05
 *    (repeated while selected), WRITE ENABLE 06, WRITE DISABLE 04, WRITE
 *    STATUS 01, PAGE PROGRAM 02 (256-byte pages, wrapping within the page,
 *    only clears bits), SECTOR ERASE 20 (4 KiB), BLOCK ERASE 52 (32 KiB)
 *    and d8 (64 KiB), CHIP ERASE c7/60. Program, erase and status writes
 *    need WEL, run when the chip select is deasserted after a complete
 *    command, clear WEL and keep WIP set for a while (SPI_SIM_T_*); while
 *    WIP is set only READ STATUS is obeyed. Optionally kept in an image
 *    file (created erased when missing or empty), mapped shared.
 * Mode bits: LSB_FIRST reverses the bits of each byte on the wire; LOOP
 * returns tx as rx without clocking the device. 8 bits per word for regs
 * and flash.
 *
 * One simulated device serves every socket of the app; a frame belongs to
 * the socket that opened it, and another socket's transfer meanwhile fails
 * with -EBUSY rather than corrupting it.
 */

#ifndef SPI_SIM_H
#define SPI_SIM_H

#include <stdint.h>

#include "spi_target.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Size of the simulated flash. */
#define SPI_SIM_FLASH_SIZE (1u << 20)
/** Its page size. */
#define SPI_SIM_FLASH_PAGE 256
/** JEDEC id bytes it answers to 9f. */
#define SPI_SIM_FLASH_ID {0xef, 0x40, 0x14}
/** Busy times (WIP) in nanoseconds. */
#define SPI_SIM_T_PROGRAM 300000ull
#define SPI_SIM_T_WRSR 1000000ull
#define SPI_SIM_T_SECTOR 5000000ull
#define SPI_SIM_T_BLOCK32 10000000ull
#define SPI_SIM_T_BLOCK64 20000000ull
#define SPI_SIM_T_CHIP 100000000ull
/** Status register bits. */
#define SPI_SIM_SR_WIP 0x01
#define SPI_SIM_SR_WEL 0x02

/** Registers of "regs". */
#define SPI_SIM_REGS 128

struct spi_sim;

/**
 * Create a simulated device of @p type ("flash", "loopback", "regs").
 * @param file flash only: image file, or NULL.
 * @return the device, or NULL with one error line printed.
 */
struct spi_sim *spi_sim_create(const char *type, const char *file);

/** Destroy a device (its targets must be gone). NULL allowed. */
void spi_sim_destroy(struct spi_sim *s);

/**
 * A target (one socket's view) of @p s, which must outlive it.
 * @return the target, or NULL when out of memory.
 */
struct spi_target *spi_sim_target(struct spi_sim *s);

/** Use @p now (CLOCK_MONOTONIC ns by default) as the flash's clock; for tests. */
void spi_sim_set_clock(struct spi_sim *s, uint64_t (*now)(void *arg), void *arg);

/** The flash array or the registers, for tests; NULL for loopback. */
const uint8_t *spi_sim_mem(const struct spi_sim *s);

/** The flash status register as READ STATUS would answer now. */
uint8_t spi_sim_flash_status(struct spi_sim *s);

#ifdef __cplusplus
}
#endif

#endif /* SPI_SIM_H */
