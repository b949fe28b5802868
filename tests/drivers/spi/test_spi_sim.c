/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* Simulated SPI devices: the flash against a model of a NOR array, loopback, registers. */

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "spi_proto.h"
#include "spi_sim.h"
#include "spi_test_xf.h"

static uint64_t fake_ns;

static uint64_t
fake_now(void *arg)
{
	(void)arg;
	return fake_ns;
}

#define xf spi_test_xf

/* One frame: command bytes, then @p rlen bytes read; returns them in @p rx. */
static void
cmd(struct spi_target *t, const uint8_t *c, uint32_t clen, uint8_t *rx, uint32_t rlen)
{
	if (rlen == 0) {
		assert_int_equal(xf(t, c, NULL, clen, true, 0), 0);
		return;
	}
	assert_int_equal(xf(t, c, NULL, clen, false, 0), 0);
	assert_int_equal(xf(t, NULL, rx, rlen, true, 0), 0);
}

static uint8_t
status(struct spi_target *t)
{
	uint8_t tx[2] = {0x05, 0}, rx[2];

	assert_int_equal(xf(t, tx, rx, 2, true, 0), 0);
	return rx[1];
}

static void
wren(struct spi_target *t)
{
	cmd(t, (const uint8_t *)"\x06", 1, NULL, 0);
}

static void
program(struct spi_target *t, uint32_t a, const uint8_t *d, uint32_t n)
{
	uint8_t c[4] = {0x02, (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};

	assert_int_equal(xf(t, c, NULL, 4, false, 0), 0);
	assert_int_equal(xf(t, d, NULL, n, true, 0), 0);
}

static void
read_at(struct spi_target *t, uint32_t a, uint8_t *out, uint32_t n)
{
	uint8_t c[4] = {0x03, (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};

	cmd(t, c, 4, out, n);
}

static void
erase(struct spi_target *t, uint8_t op, uint32_t a)
{
	uint8_t c[4] = {op, (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};

	cmd(t, c, 4, NULL, 0);
}

/* Wait out WIP on the fake clock, checking it was set until then. */
static void
wait_ready(struct spi_target *t, uint64_t ns)
{
	assert_true(status(t) & SPI_SIM_SR_WIP);
	fake_ns += ns - 1;
	assert_true(status(t) & SPI_SIM_SR_WIP);
	fake_ns += 1;
	assert_int_equal(status(t) & (SPI_SIM_SR_WIP | SPI_SIM_SR_WEL), 0);
}

static void
test_flash_id_status(void **state)
{
	struct spi_sim *s = spi_sim_create("flash", NULL);
	struct spi_target *t = spi_sim_target(s);
	uint8_t rx[5];

	(void)state;
	spi_sim_set_clock(s, fake_now, NULL);
	assert_false(t->blocking);
	assert_int_equal(t->caps.bpw_mask, 0x80);
	/* full duplex, all in one transfer */
	assert_int_equal(xf(t, (const uint8_t *)"\x9f\0\0\0\0", rx, 5, true, 0), 0);
	assert_memory_equal(rx, "\xff\xef\x40\x14\xff", 5);
	/* split over transfers with the chip select held */
	cmd(t, (const uint8_t *)"\x9f", 1, rx, 3);
	assert_memory_equal(rx, "\xef\x40\x14", 3);
	assert_int_equal(status(t), 0);
	wren(t);
	assert_int_equal(status(t), SPI_SIM_SR_WEL);
	cmd(t, (const uint8_t *)"\x04", 1, NULL, 0);
	assert_int_equal(status(t), 0);
	/* WREN with a stray byte is not a WREN */
	cmd(t, (const uint8_t *)"\x06\x00", 2, NULL, 0);
	assert_int_equal(status(t), 0);
	/* LSB first on the wire: the device sees reversed bytes */
	{
		uint8_t tx[4] = {0xf9, 0, 0, 0}; /* 0x9f reversed */

		assert_int_equal(xf(t, tx, rx, 4, true, VIRTIO_SPI_LSB_FIRST), 0);
		assert_memory_equal(rx + 1, "\xf7\x02\x28", 3);
	}
	/* LOOP: rx = tx, the device is not clocked */
	assert_int_equal(xf(t, (const uint8_t *)"\x06", rx, 1, true, VIRTIO_SPI_LOOP), 0);
	assert_int_equal(rx[0], 0x06);
	assert_int_equal(status(t), 0);
	spi_target_destroy(t);
	spi_sim_destroy(s);
}

/* Program and erase against a model: program ANDs, erase sets 0xff, WEL needed. */
static void
test_flash_model(void **state)
{
	struct spi_sim *s = spi_sim_create("flash", NULL);
	struct spi_target *t = spi_sim_target(s);
	uint8_t *model = malloc(SPI_SIM_FLASH_SIZE);
	uint8_t buf[300], d[300];
	uint32_t i;

	(void)state;
	assert_non_null(model);
	spi_sim_set_clock(s, fake_now, NULL);
	memset(model, 0xff, SPI_SIM_FLASH_SIZE);
	assert_memory_equal(spi_sim_mem(s), model, SPI_SIM_FLASH_SIZE);
	/* without WEL nothing happens */
	program(t, 0x1000, (const uint8_t *)"\x00\x00", 2);
	assert_int_equal(status(t), 0);
	assert_memory_equal(spi_sim_mem(s), model, SPI_SIM_FLASH_SIZE);
	/* a page program */
	for (i = 0; i < 16; i++)
		d[i] = (uint8_t)(0xf0 ^ i);
	wren(t);
	program(t, 0x1004, d, 16);
	for (i = 0; i < 16; i++)
		model[0x1004 + i] &= d[i];
	wait_ready(t, SPI_SIM_T_PROGRAM);
	assert_memory_equal(spi_sim_mem(s), model, SPI_SIM_FLASH_SIZE);
	/* programming again without erase only clears bits */
	for (i = 0; i < 16; i++)
		d[i] = (uint8_t)(0x0f | (i << 4));
	wren(t);
	program(t, 0x1004, d, 16);
	for (i = 0; i < 16; i++)
		model[0x1004 + i] &= d[i];
	wait_ready(t, SPI_SIM_T_PROGRAM);
	assert_memory_equal(spi_sim_mem(s), model, SPI_SIM_FLASH_SIZE);
	read_at(t, 0x1000, buf, 24);
	assert_memory_equal(buf, model + 0x1000, 24);
	/* more than a page from offset 0xf0: wraps to the page start, last byte wins */
	for (i = 0; i < 300; i++)
		d[i] = (uint8_t)(i * 7);
	wren(t);
	program(t, 0x20f0, d, 300);
	for (i = 0; i < 300; i++)
		model[0x2000 + (0xf0 + i) % 256] = d[i]; /* erased bytes: last write wins */
	wait_ready(t, SPI_SIM_T_PROGRAM);
	assert_memory_equal(spi_sim_mem(s) + 0x2000, model + 0x2000, 256);
	assert_int_equal(spi_sim_mem(s)[0x2100], 0xff);
	/* fast read with its dummy byte */
	{
		uint8_t c[5] = {0x0b, 0x00, 0x20, 0xf0, 0x00};

		cmd(t, c, 5, buf, 4);
		assert_memory_equal(buf, model + 0x20f0, 4);
	}
	/* sector erase of 0x1000..0x1fff, the rest untouched */
	wren(t);
	erase(t, 0x20, 0x1abc);
	memset(model + 0x1000, 0xff, 4096);
	wait_ready(t, SPI_SIM_T_SECTOR);
	assert_memory_equal(spi_sim_mem(s), model, SPI_SIM_FLASH_SIZE);
	/* an erase cut short (3 address bytes) does not run */
	wren(t);
	cmd(t, (const uint8_t *)"\x20\x00\x20", 3, NULL, 0);
	assert_int_equal(status(t), SPI_SIM_SR_WEL);
	assert_memory_equal(spi_sim_mem(s), model, SPI_SIM_FLASH_SIZE);
	/* 64 KiB block erase */
	erase(t, 0xd8, 0x0);
	memset(model, 0xff, 65536);
	wait_ready(t, SPI_SIM_T_BLOCK64);
	assert_memory_equal(spi_sim_mem(s), model, SPI_SIM_FLASH_SIZE);
	/* read wraps at the end of the array */
	read_at(t, SPI_SIM_FLASH_SIZE - 2, buf, 4);
	assert_int_equal(buf[0], 0xff);
	spi_target_destroy(t);
	spi_sim_destroy(s);
	free(model);
}

/* While WIP is set only READ STATUS is obeyed. */
static void
test_flash_busy(void **state)
{
	struct spi_sim *s = spi_sim_create("flash", NULL);
	struct spi_target *t = spi_sim_target(s);
	uint8_t rx[4];

	(void)state;
	spi_sim_set_clock(s, fake_now, NULL);
	wren(t);
	program(t, 0, (const uint8_t *)"\x12", 1);
	/* busy: READ ID and READ answer nothing, WREN is ignored */
	cmd(t, (const uint8_t *)"\x9f", 1, rx, 3);
	assert_memory_equal(rx, "\xff\xff\xff", 3);
	read_at(t, 0, rx, 1);
	assert_int_equal(rx[0], 0xff);
	wren(t);
	assert_int_equal(status(t), SPI_SIM_SR_WIP);
	/* status read repeatedly in one frame */
	assert_int_equal(xf(t, (const uint8_t *)"\x05\0\0", rx, 3, true, 0), 0);
	assert_memory_equal(rx + 1, "\x01\x01", 2);
	fake_ns += SPI_SIM_T_PROGRAM;
	read_at(t, 0, rx, 1);
	assert_int_equal(rx[0], 0x12);
	/* chip erase */
	wren(t);
	cmd(t, (const uint8_t *)"\xc7", 1, NULL, 0);
	wait_ready(t, SPI_SIM_T_CHIP);
	read_at(t, 0, rx, 1);
	assert_int_equal(rx[0], 0xff);
	/* write status keeps bits 2..7 */
	wren(t);
	cmd(t, (const uint8_t *)"\x01\xff", 2, NULL, 0);
	fake_ns += SPI_SIM_T_WRSR;
	assert_int_equal(status(t), 0xfc);
	spi_target_destroy(t);
	spi_sim_destroy(s);
}

/* Two sockets' targets on one device: a frame belongs to the one that opened it. */
static void
test_shared_frames(void **state)
{
	struct spi_sim *s = spi_sim_create("regs", NULL);
	struct spi_target *a = spi_sim_target(s), *b = spi_sim_target(s);
	uint8_t rx[4];

	(void)state;
	assert_int_equal(xf(a, (const uint8_t *)"\x10", NULL, 1, false, 0), 0);
	assert_int_equal(xf(b, (const uint8_t *)"\x90", rx, 1, true, 0), -EBUSY);
	assert_int_equal(xf(a, (const uint8_t *)"\x01\x02\x03", NULL, 3, true, 0), 0);
	assert_memory_equal(spi_sim_mem(s) + 0x10, "\x01\x02\x03", 3);
	assert_int_equal(xf(b, (const uint8_t *)"\x91\0\0\0", rx, 4, true, 0), 0);
	assert_memory_equal(rx, "\xff\x02\x03\x00", 4);
	/* a release ends only the owner's frame */
	assert_int_equal(xf(a, (const uint8_t *)"\x7f", NULL, 1, false, 0), 0);
	b->ops->release(b);
	assert_int_equal(xf(b, (const uint8_t *)"\x80", NULL, 1, true, 0), -EBUSY);
	a->ops->release(a);
	/* registers wrap at 128 */
	assert_int_equal(xf(b, (const uint8_t *)"\x7f\xaa\xbb", NULL, 3, true, 0), 0);
	assert_int_equal(spi_sim_mem(s)[0x7f], 0xaa);
	assert_int_equal(spi_sim_mem(s)[0x00], 0xbb);
	spi_target_destroy(a);
	spi_target_destroy(b);
	spi_sim_destroy(s);
}

static void
test_loopback(void **state)
{
	struct spi_sim *s = spi_sim_create("loopback", NULL);
	struct spi_target *t = spi_sim_target(s);
	struct spi_xfer x;
	uint8_t tx[8] = {1, 2, 3, 4, 0xff, 0xff, 0x34, 0x12}, rx[8];

	(void)state;
	assert_int_equal(t->caps.bpw_mask, 0);
	assert_int_equal(t->caps.tx_nbits, 7);
	assert_int_equal(xf(t, tx, rx, 8, true, 0), 0);
	assert_memory_equal(rx, tx, 8);
	memset(rx, 0x55, sizeof(rx));
	assert_int_equal(xf(t, NULL, rx, 8, true, 0), 0);
	assert_memory_equal(rx, "\0\0\0\0\0\0\0\0", 8);
	/* 12-bit words: only 12 bits of each u16 come back */
	memset(&x, 0, sizeof(x));
	x.tx = tx;
	x.rx = rx;
	x.len = 8;
	x.bpw = 12;
	x.cs_release = true;
	assert_int_equal(t->ops->xfer(t, &x), 0);
	assert_memory_equal(rx, "\x01\x02\x03\x04\xff\x0f\x34\x02", 8);
	spi_target_destroy(t);
	spi_sim_destroy(s);
}

static void
test_flash_file(void **state)
{
	char dir[] = "/tmp/vhd-spi-sim-XXXXXX", path[64];
	struct spi_sim *s;
	struct spi_target *t;
	struct stat st;
	uint8_t rx[4];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/flash.bin", dir);
	s = spi_sim_create("flash", path);
	assert_non_null(s);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, SPI_SIM_FLASH_SIZE);
	t = spi_sim_target(s);
	wren(t);
	program(t, 0x100, (const uint8_t *)"VHD!", 4);
	spi_target_destroy(t);
	spi_sim_destroy(s);
	/* kept across instances */
	s = spi_sim_create("flash", path);
	assert_non_null(s);
	t = spi_sim_target(s);
	read_at(t, 0xfe, rx, 4);
	assert_memory_equal(rx, "\xff\xffVH", 4);
	spi_target_destroy(t);
	spi_sim_destroy(s);
	/* a file of the wrong size is refused, an unknown type too */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_null(spi_sim_create("flash", path));
	assert_null(spi_sim_create("eeprom", NULL));
	assert_null(spi_sim_create("regs", path));
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flash_id_status),
		cmocka_unit_test(test_flash_model),
		cmocka_unit_test(test_flash_busy),
		cmocka_unit_test(test_shared_frames),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_flash_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
