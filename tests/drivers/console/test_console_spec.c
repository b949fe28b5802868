/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* --port and --port-name parsing, and how a socket's index changes addresses. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "console_dev.h"

static void
port_specs(void **state)
{
	struct console_port_spec s;
	char msg[200];

	(void)state;
	assert_int_equal(console_parse_port("0=tcp:5000", &s, msg, sizeof(msg)), 0);
	assert_int_equal(s.kind, CONSOLE_TCP);
	assert_string_equal(s.addr, "127.0.0.1");
	assert_int_equal(s.tcp_port, 5000);
	assert_int_equal(console_parse_port("2=tcp:0.0.0.0:65535", &s, msg, sizeof(msg)), 2);
	assert_string_equal(s.addr, "0.0.0.0");
	assert_int_equal(s.tcp_port, 65535);
	assert_int_equal(console_parse_port("1=tcp:[::1]:80", &s, msg, sizeof(msg)), 1);
	assert_string_equal(s.addr, "::1");
	assert_int_equal(console_parse_port("3=unix:/tmp/x.sock", &s, msg, sizeof(msg)), 3);
	assert_int_equal(s.kind, CONSOLE_UNIX);
	assert_string_equal(s.addr, "/tmp/x.sock");
	assert_int_equal(console_parse_port("6=pty", &s, msg, sizeof(msg)), 6);
	assert_int_equal(s.kind, CONSOLE_PTY);
	assert_int_equal(console_parse_port("1=file:out.log", &s, msg, sizeof(msg)), 1);
	assert_int_equal(s.kind, CONSOLE_FILE);
	assert_int_equal(console_parse_port("1=null", &s, msg, sizeof(msg)), 1);
	assert_int_equal(s.kind, CONSOLE_NULL);
	assert_int_equal(console_parse_port("0=nested", &s, msg, sizeof(msg)), 0);
	assert_int_equal(s.kind, CONSOLE_NESTED);
}

static void
port_specs_bad(void **state)
{
	const char *bad[] = {
		"pty", "=pty", "7=pty", "-1=pty", "x=pty", "0pty", "0=", "0=serial",
		"0=tcp:", "0=tcp:0", "0=tcp:65536", "0=tcp:host:", "0=tcp:1.2.3.4:x",
		"0=tcp::80", "0=unix:", "0=file:",
		"0=unix:/a/very/long/path/that/does/not/fit/in/sun_path/of/a/unix/socket/"
		"address/which/is/only/108/bytes/and/this/one/is/longer",
	};
	struct console_port_spec s;
	char msg[200];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		if (console_parse_port(bad[i], &s, msg, sizeof(msg)) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(msg[0] != '\0');
	}
}

static void
port_names(void **state)
{
	char name[CONSOLE_NAME_MAX], msg[200], longname[CONSOLE_NAME_MAX + 8];
	const char *bad[] = {"0=", "0=a b", "0=a/b", "0=..", "9=x", "0=\x01", "0=\xc3\xa9"};
	unsigned int i;

	(void)state;
	assert_int_equal(console_parse_port_name("1=org.qemu.guest_agent.0", name, sizeof(name),
						 msg, sizeof(msg)), 1);
	assert_string_equal(name, "org.qemu.guest_agent.0");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (console_parse_port_name(bad[i], name, sizeof(name), msg, sizeof(msg)) != -1)
			fail_msg("'%s' accepted", bad[i]);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[0] = '0';
	longname[1] = '=';
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(console_parse_port_name(longname, name, sizeof(name), msg, sizeof(msg)),
			 -1);
}

static void
per_socket(void **state)
{
	struct console_port_spec s;
	char msg[200];

	(void)state;
	console_parse_port("0=tcp:12345", &s, msg, sizeof(msg));
	assert_int_equal(console_spec_for_socket(&s, 3, true), 0);
	assert_int_equal(s.tcp_port, 12348);
	console_parse_port("0=tcp:65535", &s, msg, sizeof(msg));
	assert_int_equal(console_spec_for_socket(&s, 1, true), -1);
	console_parse_port("0=unix:/tmp/c", &s, msg, sizeof(msg));
	assert_int_equal(console_spec_for_socket(&s, 2, false), 0);
	assert_string_equal(s.addr, "/tmp/c");
	assert_int_equal(console_spec_for_socket(&s, 2, true), 0);
	assert_string_equal(s.addr, "/tmp/c2");
	console_parse_port("0=pty", &s, msg, sizeof(msg));
	assert_int_equal(console_spec_for_socket(&s, 2, true), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(port_specs),
		cmocka_unit_test(port_specs_bad),
		cmocka_unit_test(port_names),
		cmocka_unit_test(per_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
