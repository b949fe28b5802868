/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Wire format of the services test device (tests/integration/svc_app.c):
 * a driver whose requests exercise each struct vhd_host service on the
 * real rte_vhost host, so the integration test sees timers, io_submit,
 * offload and config_changed end to end.
 */

#ifndef SVC_PROTO_H
#define SVC_PROTO_H

#include <stdint.h>

/** Not a real virtio device id: nothing but our test drives it. */
#define SVC_VIRTIO_ID 0xfff0
#define SVC_CONFIG_SIZE 8

enum svc_op {
	SVC_TIMER = 1,   /**< reply after arg2 ns (a host timer); value: ns really waited */
	/** sleep arg us on a helper thread; status: its result (arg); value bit 0: done()
	 * ran on the worker, bit 1: work() ran on another thread */
	SVC_OFFLOAD = 2,
	SVC_READ = 3,    /**< read arg bytes at offset arg2 of --file into the reply's data */
	SVC_CONFIG = 4,  /**< config value := arg, generation++; status: config_changed()'s */
};

struct svc_req {
	uint32_t op;
	uint32_t arg;
	uint64_t arg2;
} __attribute__((packed));

/** The writable part begins with this; data follows. */
struct svc_resp {
	int32_t status;
	uint32_t len;
	uint64_t value;
} __attribute__((packed));

/** Config space: generation then value, both little-endian u32. */
struct svc_config {
	uint32_t generation;
	uint32_t value;
} __attribute__((packed));

#endif /* SVC_PROTO_H */
