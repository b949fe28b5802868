/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* --device lists: parsing, preparing and one socket's targets. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spi_config.h"

static void
test_parse(void **state)
{
	struct spi_cfg *c = calloc(1, sizeof(*c));
	static const char *const bad[] = {
		"", ",", "sim:loopback,", "sim:", "sim:eeprom", "sim:loopback:/tmp/x",
		"sim:regs:", "sim:flash:", "/dev/spidev0.0,/dev/spidev0.0",
		"sim:flash:/tmp/a,sim:flash:/tmp/a",
		"sim:loopback,sim:loopback,sim:loopback,sim:loopback,sim:loopback,sim:loopback,"
		"sim:loopback,sim:loopback,sim:loopback,sim:loopback,sim:loopback,sim:loopback,"
		"sim:loopback,sim:loopback,sim:loopback,sim:loopback,sim:loopback",
	};
	unsigned int i;

	(void)state;
	assert_non_null(c);
	assert_int_equal(spi_cfg_parse(c, "/dev/spidev0.0"), 0);
	assert_int_equal(c->n, 1);
	assert_false(c->cs[0].sim);
	assert_string_equal(c->cs[0].path, "/dev/spidev0.0");
	assert_int_equal(spi_cfg_parse(c, "/dev/spidev0.1,sim:flash:/tmp/f.bin,sim:loopback,"
				       "sim:regs,sim:flash"), 0);
	assert_int_equal(c->n, 5);
	assert_string_equal(c->cs[0].path, "/dev/spidev0.1");
	assert_true(c->cs[1].sim);
	assert_string_equal(c->cs[1].sim_type, "flash");
	assert_string_equal(c->cs[1].path, "/tmp/f.bin");
	assert_string_equal(c->cs[2].sim_type, "loopback");
	assert_string_equal(c->cs[2].path, "");
	assert_string_equal(c->cs[3].sim_type, "regs");
	assert_string_equal(c->cs[4].sim_type, "flash");
	assert_string_equal(c->cs[4].path, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (spi_cfg_parse(c, bad[i]) == 0)
			fail_msg("'%s' accepted", bad[i]);
	free(c);
}

static void
test_prepare_targets(void **state)
{
	struct spi_cfg *c = calloc(1, sizeof(*c));
	struct spi_target *t[SPI_MAX_CS], *u[SPI_MAX_CS];

	(void)state;
	assert_non_null(c);
	assert_int_equal(spi_cfg_parse(c, "sim:loopback,sim:flash,sim:regs"), 0);
	assert_int_equal(spi_cfg_prepare(c, &spi_linux_sys_default), 0);
	assert_int_equal(spi_cfg_targets(c, t), 0);
	assert_int_equal(spi_cfg_targets(c, u), 0);
	assert_string_equal(t[0]->name, "sim:loopback");
	assert_string_equal(t[1]->name, "sim:flash");
	assert_string_equal(u[2]->name, "sim:regs");
	/* two sockets share the simulated devices */
	assert_ptr_equal(t[1]->priv, u[1]->priv);
	assert_ptr_not_equal(t[1], u[1]);
	for (unsigned int i = 0; i < 3; i++) {
		spi_target_destroy(t[i]);
		spi_target_destroy(u[i]);
	}
	spi_cfg_fini(c);
	/* a missing spidev node fails the whole preparation */
	assert_int_equal(spi_cfg_parse(c, "sim:loopback,/dev/spidev-none"), 0);
	assert_int_equal(spi_cfg_prepare(c, &spi_linux_sys_default), -1);
	assert_null(c->cs[0].dev);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_prepare_targets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
