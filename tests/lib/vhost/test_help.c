/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhd_help.c alone: one help table rendered as --help, as a manual page and
 * as a completion script.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vhd_vhost.h"

enum { OPT_LONG_ONLY = 0x2000 };

static const struct vhd_opt_doc opts[] = {
	{'s', "socket-path", "PATH", "vhost-user socket"},
	{'f', "filename", "FILE", "source\nsecond line"},
	{'f', "old-name", "FILE", NULL},
	{OPT_LONG_ONLY, "a-rather-long-option-name", "VALUE", "text on the next line"},
	{OPT_LONG_ONLY + 1, "list", "SPEC", "one of:\n  a  first\n  b  second\n.dot \\ back"},
	{0, NULL, NULL, NULL},
};

static const struct vhd_help help = {
	.synopsis = "-s PATH [options]\n--other FORM",
	.summary = "virtio-x vhost-user backend",
	.opts = opts,
	.notes = "a note",
	.examples = "-s /tmp/x.sock",
	.qemu = "-chardev socket,id=x0,path=/tmp/x.sock0\n-device x-pci,chardev=x0",
	.counters = "c1, c2 (under x)",
};

/* What @p fn printed, NUL-terminated (free it). */
static char *
capture(int what)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	if (what == 0)
		vhd_help_print(fp, "/some/dir/vhost-device-x", &help);
	else if (what == 1)
		assert_int_equal(vhd_help_man(fp, "x", &help), 0);
	else
		vhd_help_completion(fp, "x", &help);
	fclose(fp);
	return buf;
}

static void
test_help_text(void **state)
{
	char *h = capture(0);

	(void)state;
	assert_non_null(strstr(h, "Usage: /some/dir/vhost-device-x [EAL options --] -s PATH [options]\n"
				  "       /some/dir/vhost-device-x [EAL options --] --other FORM\n"
				  "virtio-x vhost-user backend.\n"));
	/* short and long, the text at column 30, continuation lines indented */
	assert_non_null(strstr(h, "\n  -s, --socket-path PATH     vhost-user socket\n"));
	assert_non_null(strstr(h, "\n  -f, --filename FILE        source\n"
				  "                             second line\n"));
	/* an alias names its option and has no short form of its own */
	assert_non_null(strstr(h, "\n      --old-name FILE        same as --filename\n"));
	/* a head too long for the column: the text on the next line */
	assert_non_null(strstr(h, "\n      --a-rather-long-option-name VALUE\n"
				  "                             text on the next line\n"));
	assert_non_null(strstr(h, "                               a  first\n"));
	/* the common options follow, then notes and examples with the bare name */
	assert_non_null(strstr(h, "\n      --version              "));
	assert_non_null(strstr(h, "\n  -h, --help                 this text\n"));
	assert_non_null(strstr(h, "\na note\nExample:\n  vhost-device-x -s /tmp/x.sock\n"));
	free(h);
}

static void
test_man_page(void **state)
{
	char *m = capture(1);

	(void)state;
	assert_non_null(strstr(m, "\n.TH VHOST-DEVICE-X 1 "));
	assert_non_null(strstr(m, "\n.SH NAME\nvhost-device-x \\- virtio-x vhost-user backend\n"));
	assert_non_null(strstr(m, "\n.TP\n\\fB\\-f\\fR, \\fB\\-\\-filename\\fR \\fIFILE\\fR\n"
				  "source\nsecond line\n"));
	assert_non_null(strstr(m, "\n.TP\n\\fB\\-\\-old-name\\fR \\fIFILE\\fR\n"
				  "Same as \\fB\\-\\-filename\\fR.\n"));
	/* space-led lines verbatim; a leading dot and a backslash escaped */
	assert_non_null(strstr(m, "one of:\n.nf\n  a  first\n  b  second\n.fi\n\\&.dot \\e back\n"));
	assert_non_null(strstr(m, "\n.SH COMMON OPTIONS\n"));
	assert_non_null(strstr(m, "\n.TP\n\\fB\\-\\-print-man\\fR\n"));
	assert_non_null(strstr(m, "  \\-chardev socket,id=x0,path=/tmp/x.sock0 \\e\n"));
	assert_non_null(strstr(m, "memory\\-backend\\-memfd,id=mem,size=1G,share=on"));
	assert_non_null(strstr(m, "\n.SH EXIT STATUS\n"));
	assert_non_null(strstr(m, "\\fB/vhost_device/stats\\fR"));
	assert_non_null(strstr(m, "This device's counters: c1, c2 (under x).\n"));
	assert_non_null(strstr(m, "/etc/vhost\\-device/x\\-INSTANCE.conf"));
	free(m);
}

static void
test_man_date(void **state)
{
	char *m;

	(void)state;
	setenv("SOURCE_DATE_EPOCH", "86400", 1);
	m = capture(1);
	unsetenv("SOURCE_DATE_EPOCH");
	assert_non_null(strstr(m, ".TH VHOST-DEVICE-X 1 \"1970-01-02\" \"vhost-device "));
	free(m);
}

static void
test_completion(void **state)
{
	char *c = capture(2);

	(void)state;
	assert_non_null(strstr(c, "\n_vhost_device_x()\n{\n"));
	assert_non_null(strstr(c, "\ncomplete -F _vhost_device_x vhost-device-x\n"));
	/* PATH and FILE arguments complete file names; others nothing */
	assert_non_null(strstr(c, "__none|-s|--socket-path|-f|--filename|--old-name)\n"
				  "\t\tCOMPREPLY=($(compgen -f"));
	assert_non_null(strstr(c, "|--a-rather-long-option-name|--list|"));
	assert_non_null(strstr(c, " --socket-path -f --filename --old-name "));
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_text),
		cmocka_unit_test(test_man_page),
		cmocka_unit_test(test_man_date),
		cmocka_unit_test(test_completion),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
