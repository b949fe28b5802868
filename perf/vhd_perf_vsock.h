/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-vsock runs (vhd_perf_gen_vsock.c): the tool is the guest's vsock
 * driver on the rx and tx queues (as QEMU hands them over) and, on a thread
 * of its own, the host program behind the backend's --uds-path (--peer
 * unix:UDS_PATH): it listens on UDS_PATH_5000 and the guest connects there.
 * --op echo: a --size byte RW (64 by default), echoed by the host program,
 * timed until it is back in the guest; its floor is the same echo over a
 * Unix socket pair, measured in the same run. --op tx / rx: bulk guest ->
 * host / host -> guest, --size byte packets or host writes (64 KiB); their
 * ceiling is dd-style throughput over a Unix socket pair with --size byte
 * writes, measured in the same run (reported as the "source").
 */

#ifndef VHD_PERF_VSOCK_H
#define VHD_PERF_VSOCK_H

#include "vhd_perf_report.h"
#include "vhd_perf_run.h"

/**
 * Run @p cfg against the vsock backend whose --uds-path is @p peer
 * ("unix:PATH"). @p ceil gets the socket-pair ceiling for tx and rx
 * (ceil->bytes 0 for echo).
 * @return 0, or -1 with one error line printed.
 */
int vhd_perf_vsock(const struct vhd_perf_run_cfg *cfg, const char *peer,
		   struct vhd_perf_result *out, struct vhd_perf_source *ceil);

#endif /* VHD_PERF_VSOCK_H */
