/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* Simulated bus and clients, driven with adapter transfers as the device would. */

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

#include "i2c_sim.h"

#define EE 0x50
#define RG 0x20

static struct i2c_adapter *
sim_new(void)
{
	struct i2c_adapter *ad = i2c_sim_create("sim0");

	assert_non_null(ad);
	assert_int_equal(i2c_sim_add_client(ad, EE, "24c02", NULL), 0);
	assert_int_equal(i2c_sim_add_client(ad, RG, "regs", NULL), 0);
	return ad;
}

static int
wr(struct i2c_adapter *ad, uint16_t addr, const void *data, uint16_t len)
{
	struct i2c_xfer_msg m = { addr, false, len, (uint8_t *)(uintptr_t)data };
	unsigned int done;

	return i2c_adapter_xfer(ad, &m, 1, &done);
}

static int
rd(struct i2c_adapter *ad, uint16_t addr, uint8_t *data, uint16_t len)
{
	struct i2c_xfer_msg m = { addr, true, len, data };
	unsigned int done;

	return i2c_adapter_xfer(ad, &m, 1, &done);
}

/* write the offset, repeated START, read */
static int
rnd_rd(struct i2c_adapter *ad, uint16_t addr, uint8_t off, uint8_t *data, uint16_t len)
{
	struct i2c_xfer_msg m[2] = {
		{ addr, false, 1, &off },
		{ addr, true, len, data },
	};
	unsigned int done;

	return i2c_adapter_xfer(ad, m, 2, &done);
}

static void
test_eeprom_erased(void **state)
{
	struct i2c_adapter *ad = sim_new();
	uint8_t b[4];

	(void)state;
	assert_int_equal(rnd_rd(ad, EE, 0x80, b, 4), 0);
	assert_memory_equal(b, "\xff\xff\xff\xff", 4);
	i2c_adapter_destroy(ad);
}

/* data bytes beyond the page end wrap to the page start */
static void
test_eeprom_page_wrap(void **state)
{
	struct i2c_adapter *ad = sim_new();
	const uint8_t *mem = i2c_sim_client_mem(ad, EE);
	uint8_t b[1];

	(void)state;
	assert_int_equal(wr(ad, EE, "\x06\x01\x02\x03\x04", 5), 0);
	assert_int_equal(mem[6], 1);
	assert_int_equal(mem[7], 2);
	assert_int_equal(mem[0], 3);
	assert_int_equal(mem[1], 4);
	assert_int_equal(mem[8], 0xff);
	/* the pointer stays in the page: a current-address read gets byte 2 */
	assert_int_equal(rd(ad, EE, b, 1), 0);
	assert_int_equal(b[0], 0xff);
	assert_int_equal(mem[2], 0xff);
	/* writing more than a page overwrites its start again */
	assert_int_equal(wr(ad, EE, "\x10" "abcdefghij", 11), 0);
	assert_memory_equal(&mem[0x10], "ijcdefgh", 8);
	assert_int_equal(mem[0x18], 0xff);
	i2c_adapter_destroy(ad);
}

/* sequential reads cross pages and wrap at the end of the array */
static void
test_eeprom_sequential_read(void **state)
{
	struct i2c_adapter *ad = sim_new();
	uint8_t b[4];

	(void)state;
	assert_int_equal(wr(ad, EE, "\xf8\x11\x22\x33\x44\x55\x66\x77\x88", 9), 0);
	assert_int_equal(wr(ad, EE, "\x00\xaa", 2), 0);
	assert_int_equal(rnd_rd(ad, EE, 0xfe, b, 4), 0);
	assert_memory_equal(b, "\x77\x88\xaa\xff", 4);
	/* the pointer continues where the last read ended */
	assert_int_equal(rd(ad, EE, b, 1), 0);
	assert_int_equal(b[0], 0xff);
	assert_int_equal(rnd_rd(ad, EE, 0x01, b, 1), 0);
	assert_int_equal(rd(ad, EE, b, 2), 0);
	assert_memory_equal(b, "\xff\xff", 2);
	i2c_adapter_destroy(ad);
}

/* page bytes are programmed at the STOP: a repeated START discards them */
static void
test_eeprom_repeated_start_aborts(void **state)
{
	struct i2c_adapter *ad = sim_new();
	const uint8_t *mem = i2c_sim_client_mem(ad, EE);
	uint8_t data[2] = { 0x30, 0x99 }, b;
	struct i2c_xfer_msg m[2] = {
		{ EE, false, 2, data },
		{ EE, true, 1, &b },
	};
	unsigned int done;

	(void)state;
	assert_int_equal(i2c_adapter_xfer(ad, m, 2, &done), 0);
	assert_int_equal(mem[0x30], 0xff);
	/* the same write ending the transaction is programmed */
	assert_int_equal(wr(ad, EE, data, 2), 0);
	assert_int_equal(mem[0x30], 0x99);
	i2c_adapter_destroy(ad);
}

static void
test_regs(void **state)
{
	struct i2c_adapter *ad = sim_new();
	const uint8_t *mem = i2c_sim_client_mem(ad, RG);
	uint8_t b[3];

	(void)state;
	for (int i = 0; i < 256; i++)
		assert_int_equal(mem[i], 0);
	/* no pages: auto-increment across the whole file, wrapping at 256 */
	assert_int_equal(wr(ad, RG, "\xfe\x01\x02\x03", 4), 0);
	assert_int_equal(mem[0xfe], 1);
	assert_int_equal(mem[0xff], 2);
	assert_int_equal(mem[0x00], 3);
	/* stored at once, even without a STOP */
	{
		uint8_t d[2] = { 0x40, 0x5a };
		struct i2c_xfer_msg m[2] = { { RG, false, 2, d }, { RG, true, 1, b } };
		unsigned int done;

		assert_int_equal(i2c_adapter_xfer(ad, m, 2, &done), 0);
		assert_int_equal(mem[0x40], 0x5a);
	}
	assert_int_equal(rnd_rd(ad, RG, 0xff, b, 3), 0);
	assert_memory_equal(b, "\x02\x03\x00", 3);
	/* SMBus word data: command then two bytes, low first */
	assert_int_equal(wr(ad, RG, "\x10\x34\x12", 3), 0);
	assert_int_equal(rnd_rd(ad, RG, 0x10, b, 2), 0);
	assert_memory_equal(b, "\x34\x12", 2);
	i2c_adapter_destroy(ad);
}

/* nobody at the address: NAK, the transaction stops there */
static void
test_nak(void **state)
{
	struct i2c_adapter *ad = sim_new();
	const uint8_t *mem = i2c_sim_client_mem(ad, RG);
	uint8_t a[2] = { 0x01, 0x77 }, b[2] = { 0x02, 0x88 }, c;
	struct i2c_xfer_msg m[3] = {
		{ RG, false, 2, a },
		{ 0x33, true, 1, &c },
		{ RG, false, 2, b },
	};
	unsigned int done;

	(void)state;
	assert_int_equal(i2c_adapter_xfer(ad, m, 3, &done), -ENXIO);
	assert_int_equal(done, 1);
	assert_int_equal(mem[1], 0x77);
	assert_int_equal(mem[2], 0);
	/* zero-length probes (quick commands) are acknowledged by present clients only */
	assert_int_equal(wr(ad, EE, NULL, 0), 0);
	assert_int_equal(rd(ad, RG, NULL, 0), 0);
	assert_int_equal(rd(ad, 0x51, NULL, 0), -ENXIO);
	i2c_adapter_destroy(ad);
}

static void
test_image_file(void **state)
{
	char path[] = "/tmp/i2c-sim-test-XXXXXX";
	struct i2c_adapter *ad;
	uint8_t img[256], b[2];
	struct stat st;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	/* empty file: created erased */
	ad = i2c_sim_create("sim1");
	assert_int_equal(i2c_sim_add_client(ad, EE, "24c02", path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 256);
	assert_int_equal(wr(ad, EE, "\x20\xca\xfe", 3), 0);
	i2c_adapter_destroy(ad);
	/* written back: a new EEPROM on the same image sees the data */
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, img, sizeof(img)), 256);
	close(fd);
	assert_int_equal(img[0x20], 0xca);
	assert_int_equal(img[0x21], 0xfe);
	assert_int_equal(img[0x22], 0xff);
	ad = i2c_sim_create("sim1");
	assert_int_equal(i2c_sim_add_client(ad, EE, "24c02", path), 0);
	assert_int_equal(rnd_rd(ad, EE, 0x20, b, 2), 0);
	assert_memory_equal(b, "\xca\xfe", 2);
	i2c_adapter_destroy(ad);
	/* an image of the wrong size is refused */
	assert_int_equal(truncate(path, 100), 0);
	ad = i2c_sim_create("sim1");
	assert_int_equal(i2c_sim_add_client(ad, EE, "24c02", path), -1);
	assert_null(i2c_sim_client_mem(ad, EE));
	i2c_adapter_destroy(ad);
	unlink(path);
}

static void
test_add_client_errors(void **state)
{
	struct i2c_adapter *ad = sim_new();

	(void)state;
	assert_int_equal(i2c_sim_add_client(ad, EE, "regs", NULL), -1);
	assert_int_equal(i2c_sim_add_client(ad, 0x80, "regs", NULL), -1);
	assert_int_equal(i2c_sim_add_client(ad, 0x10, "24c64", NULL), -1);
	assert_int_equal(i2c_sim_add_client(ad, 0x10, "regs", "/tmp/x"), -1);
	assert_int_equal(i2c_sim_add_client(ad, 0x10, "24c02", "/nonexistent/dir/img"), -1);
	assert_null(i2c_sim_client_mem(ad, 0x10));
	/* claim (start-up check) wants a client at the address */
	assert_int_equal(ad->ops->claim(ad, EE), 0);
	assert_true(ad->ops->claim(ad, 0x10) < 0);
	i2c_adapter_destroy(ad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eeprom_erased),
		cmocka_unit_test(test_eeprom_page_wrap),
		cmocka_unit_test(test_eeprom_sequential_read),
		cmocka_unit_test(test_eeprom_repeated_start_aborts),
		cmocka_unit_test(test_regs),
		cmocka_unit_test(test_nak),
		cmocka_unit_test(test_image_file),
		cmocka_unit_test(test_add_client_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
