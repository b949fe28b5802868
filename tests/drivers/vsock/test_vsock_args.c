/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* --vm key=value parsing and the checks across VMs. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "vsock_args.h"
#include "vsock_config.h"

static void
test_vm_keys(void **state)
{
	struct vsock_vm_args vm;
	char err[128];

	(void)state;
	vsock_vm_defaults(&vm);
	assert_int_equal(vm.guest_cid, 3);
	assert_int_equal(vm.tx_buffer_size, 65536);
	assert_int_equal(vm.queue_size, 1024);
	assert_string_equal(vm.groups, "default");
	assert_int_equal(vsock_vm_parse(&vm, "guest-cid=4,socket=/tmp/v.sock,uds_path=/tmp/u,"
					"tx-buffer-size=8192,queue_size=256,groups=a+b",
					err, sizeof(err)), 0);
	assert_int_equal(vm.guest_cid, 4);
	assert_string_equal(vm.socket, "/tmp/v.sock");
	assert_string_equal(vm.uds_path, "/tmp/u");
	assert_int_equal(vm.tx_buffer_size, 8192);
	assert_int_equal(vm.queue_size, 256);
	assert_string_equal(vm.groups, "a+b");
}

static void
test_vm_bad(void **state)
{
	static const char *const bad[] = {
		"guest-cid=2", "guest-cid=4294967295", "guest-cid=x", "guest-cid=-1",
		"queue-size=100", "queue-size=0", "tx-buffer-size=12", "groups=a++b", "groups=+",
		"forward-listen=9001+x", "forward-listen=99999999999", "colour=red", "socket",
		"socket=", "guest-cid=",
	};
	struct vsock_vm_args vm;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		vsock_vm_defaults(&vm);
		err[0] = '\0';
		assert_int_equal(vsock_vm_parse(&vm, bad[i], err, sizeof(err)), -1);
		assert_true(err[0] != '\0');
	}
}

static void
test_vms_check(void **state)
{
	struct vsock_vm_args vms[2];
	char err[128];

	(void)state;
	vsock_vm_defaults(&vms[0]);
	vsock_vm_defaults(&vms[1]);
	assert_int_equal(vsock_vm_parse(&vms[0], "socket=/a,uds-path=/ua", err, sizeof(err)), 0);
	assert_int_equal(vsock_vm_parse(&vms[1], "socket=/b,uds-path=/ub", err, sizeof(err)), 0);
	/* Both default to CID 3. */
	assert_int_equal(vsock_vms_check(vms, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "CID 3"));
	vms[1].guest_cid = 4;
	assert_int_equal(vsock_vms_check(vms, 2, err, sizeof(err)), 0);
	strcpy(vms[1].uds_path, "/ua");
	assert_int_equal(vsock_vms_check(vms, 2, err, sizeof(err)), -1);
	/* one VM's SEQPACKET listener on the other's uds-path, either way round */
	strcpy(vms[1].uds_path, "/ua.seqpacket");
	assert_int_equal(vsock_vms_check(vms, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "SEQPACKET listener"));
	strcpy(vms[0].uds_path, "/ua.seqpacket.seqpacket");
	assert_int_equal(vsock_vms_check(vms, 2, err, sizeof(err)), -1);
	strcpy(vms[0].uds_path, "/ua.seqpacketx");
	assert_int_equal(vsock_vms_check(vms, 2, err, sizeof(err)), 0);
	strcpy(vms[0].uds_path, "/ua");
	strcpy(vms[1].uds_path, "/ub");
	vms[1].forward_cid = 1;
	assert_int_equal(vsock_vms_check(vms, 2, err, sizeof(err)), -1); /* conflicts */
	vms[1].uds_path[0] = '\0';
	assert_int_equal(vsock_vms_check(vms, 2, err, sizeof(err)), 0);
	vms[0].uds_path[0] = '\0';
	assert_int_equal(vsock_vms_check(vms, 1, err, sizeof(err)), -1); /* no backend */
}

static int
load(const char *yaml, struct vsock_vm_args *vms, char *err, size_t err_len)
{
	char path[] = "/tmp/vhd-vsock-cfg-XXXXXX";
	int fd = mkstemp(path), n;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
	close(fd);
	n = vsock_config_load(path, vms, 4, err, err_len);
	unlink(path);
	return n;
}

static void
test_yaml(void **state)
{
	struct vsock_vm_args vms[4];
	char err[256];

	(void)state;
	assert_int_equal(load("vms:\n"
			      "  - guest_cid: 4\n"
			      "    socket: /tmp/vhost4.socket\n"
			      "    uds_path: /tmp/vm4.vsock\n"
			      "    tx_buffer_size: 32768\n"
			      "    groups: group1+group2\n"
			      "  - guest_cid: 5\n"
			      "    socket: /tmp/vhost5.socket\n"
			      "    uds-path: /tmp/vm5.vsock\n",
			      vms, err, sizeof(err)), 2);
	assert_int_equal(vms[0].guest_cid, 4);
	assert_string_equal(vms[0].uds_path, "/tmp/vm4.vsock");
	assert_int_equal(vms[0].tx_buffer_size, 32768);
	assert_string_equal(vms[0].groups, "group1+group2");
	assert_int_equal(vms[1].guest_cid, 5);
	assert_int_equal(vms[1].tx_buffer_size, 65536); /* default */
	assert_int_equal(vsock_vms_check(vms, 2, err, sizeof(err)), 0);
	/* Bad ones: one message each, with the line. */
	assert_int_equal(load("vms:\n  - guest_cid: 1\n", vms, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "line 2"));
	assert_int_equal(load("vms: [\n", vms, err, sizeof(err)), -1);
	assert_int_equal(load("other: 1\n", vms, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "vms"));
	assert_int_equal(load("vms: []\n", vms, err, sizeof(err)), -1);
	assert_int_equal(load("vms:\n  - [1, 2]\n", vms, err, sizeof(err)), -1);
	assert_int_equal(load("vms:\n  - socket: [a]\n", vms, err, sizeof(err)), -1);
	assert_int_equal(load("vms:\n - {socket: a}\n - {socket: b}\n - {socket: c}\n"
			      " - {socket: d}\n - {socket: e}\n", vms, err, sizeof(err)), -1);
	assert_int_equal(vsock_config_load("/nonexistent/x.yaml", vms, 4, err, sizeof(err)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_keys),
		cmocka_unit_test(test_vm_bad),
		cmocka_unit_test(test_vms_check),
		cmocka_unit_test(test_yaml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
