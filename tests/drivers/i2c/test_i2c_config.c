/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* --device-list and --sim-client parsing, and building the adapter map from them. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <linux/i2c-dev.h>
#include <linux/i2c.h>

#include "i2c_config.h"
#include "i2c_sim.h"

static struct i2c_cfg *
cfg_new(void)
{
	struct i2c_cfg *c = malloc(sizeof(*c));

	assert_non_null(c);
	i2c_cfg_init(c);
	return c;
}

static void
cfg_free(struct i2c_cfg *c)
{
	i2c_cfg_fini(c);
	free(c);
}

static void
test_list_numbers(void **state)
{
	struct i2c_cfg *c = cfg_new();

	(void)state;
	assert_int_equal(i2c_cfg_parse_list(c, "6:32:41,9:37:6"), 0);
	assert_int_equal(c->n_buses, 2);
	assert_int_equal(c->buses[0].kind, I2C_CFG_NUMBER);
	assert_int_equal(c->buses[0].nr, 6);
	assert_int_equal(c->buses[0].n_addrs, 2);
	assert_int_equal(c->buses[0].addrs[0], 32);
	assert_int_equal(c->buses[0].addrs[1], 41);
	assert_int_equal(c->buses[1].nr, 9);
	assert_int_equal(c->buses[1].addrs[1], 6);
	/* blanks around the list, as upstream trims */
	assert_int_equal(i2c_cfg_parse_list(c, " 1:4 "), 0);
	assert_int_equal(c->n_buses, 1);
	assert_int_equal(c->buses[0].nr, 1);
	assert_int_equal(c->buses[0].addrs[0], 4);
	cfg_free(c);
}

static void
test_list_names_and_sim(void **state)
{
	struct i2c_cfg *c = cfg_new();

	(void)state;
	assert_int_equal(i2c_cfg_parse_list(c, "i915 gmbus dpd:32:21,DPDDC-D:10:23"), 0);
	assert_int_equal(c->buses[0].kind, I2C_CFG_NAME);
	assert_string_equal(c->buses[0].name, "i915 gmbus dpd");
	assert_string_equal(c->buses[1].name, "DPDDC-D");
	assert_int_equal(i2c_cfg_parse_list(c, "123asd:4,11:32:21,sim0:0x50:0x7f,sim12:5"), 0);
	assert_int_equal(c->n_buses, 4);
	assert_int_equal(c->buses[0].kind, I2C_CFG_NAME);
	assert_int_equal(c->buses[1].kind, I2C_CFG_NUMBER);
	assert_int_equal(c->buses[2].kind, I2C_CFG_SIM);
	assert_int_equal(c->buses[2].nr, 0);
	assert_int_equal(c->buses[2].addrs[0], 0x50);
	assert_int_equal(c->buses[2].addrs[1], 0x7f);
	assert_int_equal(c->buses[3].nr, 12);
	/* "simx" is just a name */
	assert_int_equal(i2c_cfg_parse_list(c, "simx:4"), 0);
	assert_int_equal(c->buses[0].kind, I2C_CFG_NAME);
	cfg_free(c);
}

static void
test_list_errors(void **state)
{
	static const char *const bad[] = {
		"", "   ", "1:4d", "1:128", "1:0x80", "1:-1", "1:4,2:4", "1:4:4", "1:4,1:5",
		"sim0:4,sim0:5", "bus:4,bus:5", "1:4,,2:5", ",1:4", "1:4,", ":4", "1", "1::4",
		"1:4:", "1:08x", "1:0x", "99999999999:4",
		"0:1,1:2,2:3,3:4,4:5,5:6,6:7,7:8,8:9,9:10,10:11,11:12,12:13,13:14,14:15,15:16,"
		"16:17",
	};
	struct i2c_cfg *c = cfg_new();

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (i2c_cfg_parse_list(c, bad[i]) != -1)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(c->n_buses, 0);
	}
	cfg_free(c);
}

static void
test_sim_client_parse(void **state)
{
	static const char *const bad[] = {
		"80", "80=", "80=foo", "0x20=regs:/x", "128=regs", "x=regs", "80=24c02:",
		"=regs", "80=24c02",
	};
	struct i2c_cfg *c = cfg_new();

	(void)state;
	assert_int_equal(i2c_cfg_parse_sim_client(c, "80=24c02"), 0);
	assert_int_equal(i2c_cfg_parse_sim_client(c, "0x20=regs"), 0);
	assert_int_equal(i2c_cfg_parse_sim_client(c, "81=24c02:/tmp/a:b.img"), 0);
	assert_int_equal(c->n_clients, 3);
	assert_int_equal(c->clients[0].addr, 80);
	assert_string_equal(c->clients[0].type, "24c02");
	assert_null(c->clients[0].file);
	assert_int_equal(c->clients[1].addr, 0x20);
	assert_string_equal(c->clients[1].type, "regs");
	assert_string_equal(c->clients[2].file, "/tmp/a:b.img");
	/* the last one is a duplicate of the first */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (i2c_cfg_parse_sim_client(c, bad[i]) != -1)
			fail_msg("accepted '%s'", bad[i]);
	assert_int_equal(c->n_clients, 3);
	cfg_free(c);
}

/* host adapters are not reachable in this test: an i2c-dev that never opens */
static int
no_open(const char *path, int flags)
{
	(void)path;
	(void)flags;
	errno = ENOENT;
	return -1;
}

static int
no_close(int fd)
{
	(void)fd;
	return 0;
}

static int
no_ioctl(int fd, unsigned long req, unsigned long arg)
{
	(void)fd;
	(void)req;
	(void)arg;
	errno = ENOTTY;
	return -1;
}

static const struct i2c_linux_sys no_sys = {
	.open = no_open,
	.close = no_close,
	.ioctl = no_ioctl,
	.dev_dir = "/nonexistent",
	.sysfs_dir = "/nonexistent",
};

static void
test_build_sim(void **state)
{
	struct i2c_cfg *c = cfg_new();
	struct i2c_map map;
	struct i2c_xfer_msg m;
	unsigned int done;
	uint8_t b[2] = { 0x00, 0x42 };

	(void)state;
	assert_int_equal(i2c_cfg_parse_list(c, "sim0:80:0x20,sim1:81"), 0);
	assert_int_equal(i2c_cfg_parse_sim_client(c, "80=24c02"), 0);
	assert_int_equal(i2c_cfg_parse_sim_client(c, "0x20=regs"), 0);
	assert_int_equal(i2c_cfg_parse_sim_client(c, "81=regs"), 0);
	assert_int_equal(i2c_cfg_build(c, &no_sys, &map), 0);
	assert_int_equal(map.n_adapters, 2);
	assert_string_equal(i2c_map_lookup(&map, 80)->name, "sim0");
	assert_ptr_equal(i2c_map_lookup(&map, 0x20), i2c_map_lookup(&map, 80));
	assert_string_equal(i2c_map_lookup(&map, 81)->name, "sim1");
	assert_null(i2c_map_lookup(&map, 82));
	assert_non_null(i2c_sim_client_mem(i2c_map_lookup(&map, 80), 80));
	assert_null(i2c_sim_client_mem(i2c_map_lookup(&map, 80), 81));
	m = (struct i2c_xfer_msg){ 0x20, false, 2, b };
	assert_int_equal(i2c_adapter_xfer(i2c_map_lookup(&map, 0x20), &m, 1, &done), 0);
	assert_int_equal(i2c_sim_client_mem(i2c_map_lookup(&map, 0x20), 0x20)[0], 0x42);
	i2c_map_fini(&map);
	cfg_free(c);
}

static void
test_build_errors(void **state)
{
	struct i2c_cfg *c = cfg_new();
	struct i2c_map map;

	(void)state;
	/* nothing listed */
	assert_int_equal(i2c_cfg_build(c, &no_sys, &map), -1);
	/* a sim address without a client */
	assert_int_equal(i2c_cfg_parse_list(c, "sim0:80:81"), 0);
	assert_int_equal(i2c_cfg_parse_sim_client(c, "80=24c02"), 0);
	assert_int_equal(i2c_cfg_build(c, &no_sys, &map), -1);
	assert_int_equal(map.n_adapters, 0);
	/* a client on a host bus, or on no bus */
	assert_int_equal(i2c_cfg_parse_list(c, "sim0:80,3:81"), 0);
	assert_int_equal(i2c_cfg_parse_sim_client(c, "81=regs"), 0);
	assert_int_equal(i2c_cfg_build(c, &no_sys, &map), -1);
	assert_int_equal(i2c_cfg_parse_list(c, "sim0:80"), 0);
	assert_int_equal(i2c_cfg_build(c, &no_sys, &map), -1);
	/* host adapters that cannot be opened, by number and by name; the sim bus is freed */
	cfg_free(c);
	c = cfg_new();
	assert_int_equal(i2c_cfg_parse_list(c, "sim0:80,3:81"), 0);
	assert_int_equal(i2c_cfg_parse_sim_client(c, "80=regs"), 0);
	assert_int_equal(i2c_cfg_build(c, &no_sys, &map), -1);
	assert_int_equal(map.n_adapters, 0);
	assert_int_equal(i2c_cfg_parse_list(c, "sim0:80,i915 gmbus dpd:81"), 0);
	assert_int_equal(i2c_cfg_build(c, &no_sys, &map), -1);
	cfg_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_numbers),
		cmocka_unit_test(test_list_names_and_sim),
		cmocka_unit_test(test_list_errors),
		cmocka_unit_test(test_sim_client_parse),
		cmocka_unit_test(test_build_sim),
		cmocka_unit_test(test_build_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
