/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-vsock device over the hybrid Unix-socket protocol (Firecracker's):
 * guest AF_VSOCK stream sockets reach host programs through Unix sockets.
 * Implements struct vhd_device_ops.
 *
 * - Host to guest: a program connects to uds_path, writes "CONNECT P\n";
 *   the device sends REQUEST to guest port P from a host-side port
 *   allocated from 2^30 up and answers "OK <that port>\n" once the guest
 *   sends RESPONSE (RST: the program's socket is closed). Bytes after the
 *   line stay in the socket and are delivered after the OK.
 * - Guest to host: REQUEST to port P connects to "<uds_path>_<P>"; nothing
 *   listening there: RST at once.
 * - Rx is pulled: an rx buffer is filled straight from the host socket
 *   (no copy in between) when the socket is readable and the guest has
 *   credit; with nothing to send the buffer stays on the ring
 *   (VHD_REQ_RETRY) and an fd event wakes the worker.
 * - Tx data goes straight to the host socket; what does not fit waits in
 *   a per-connection buffer of tx_buffer_size bytes, which is the
 *   buf_alloc advertised, so a guest that respects credit never
 *   overflows it (one that does gets RST and is counted).
 * - Half-close both ways: guest SHUTDOWN(SEND) becomes shutdown(SHUT_WR)
 *   once the buffer is written; host EOF becomes SHUTDOWN(SEND).
 * - SEQPACKET (unless no_seqpacket): guest REQUESTs of that type connect a
 *   SOCK_SEQPACKET Unix socket; a guest message leaves as one record at its
 *   EOM, a host record reaches the guest with EOM|EOR on its last packet.
 *   Host programs open SEQPACKET connections on a second listener,
 *   uds_path + VSOCK_SEQPACKET_SUFFIX, a SOCK_SEQPACKET socket: the first
 *   record is the CONNECT line, the answer one "OK <port>\n" record (no OK
 *   and closed when the driver did not negotiate SEQPACKET).
 * - Siblings: a guest packet to another CID goes, as it is, to the device
 *   of this process with that CID when the two share a group and its
 *   driver runs (split to fit its rx buffers), else RST from that CID.
 *   A device's rx alternates between its own connections and siblings.
 * - Event queue (QEMU keeps it): TRANSPORT_RESET for a frontend after the
 *   first, or for a new process whose first rings the guest had used.
 * - All connection fds live in the device's own epoll set, which is the
 *   one fd watched through vhd_host.watch_fd(): thousands of connections,
 *   no thread.
 */

#ifndef VSOCK_DEV_H
#define VSOCK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vhd_device.h"
#include "vsock_sock.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Defaults (upstream's). */
#define VSOCK_DEFAULT_CID 3
#define VSOCK_DEFAULT_TX_BUFFER 65536
#define VSOCK_DEFAULT_QUEUE_SIZE 1024

/** Appended to uds_path: the SOCK_SEQPACKET listener of host-initiated SEQPACKET connections. */
#define VSOCK_SEQPACKET_SUFFIX ".seqpacket"

/** One device instance. */
struct vsock_dev_config {
	uint64_t guest_cid;      /**< 3 .. 2^32-2 */
	const char *uds_path;    /**< listening Unix socket, guest ports at uds_path_P */
	uint32_t tx_buffer_size; /**< per-connection buffer, advertised buf_alloc */
	uint16_t queue_size;     /**< largest ring accepted */
	unsigned int max_conns;  /**< connections at once (0: 65536) */
	bool no_seqpacket;       /**< withhold VIRTIO_VSOCK_F_SEQPACKET */
	const char *groups;      /**< sibling groups "a+b" (NULL: "default") */
	/** vsock-to-vsock mode instead of uds_path: guest connects to port P
	 * reach (forward_cid, P) through @p sock; host connections to each of
	 * listen_ports[] lead to that port of the guest. */
	bool forward;
	uint32_t forward_cid;
	const uint32_t *listen_ports;
	unsigned int nlisten;
	const struct vsock_sock_ops *sock; /**< copied; vsock_sock_linux for real */
};

struct vsock_dev;

/** The device type. */
extern const struct vhd_device_ops vsock_dev_ops;

/**
 * Create a device and listen on cfg->uds_path (an existing socket file there
 * is removed first), or in forward mode on each listen port through cfg->sock.
 * @return 0 and @p out, or a negative errno.
 */
int vsock_dev_create(const struct vsock_dev_config *cfg, struct vsock_dev **out);

/** Close every connection and the listener, remove uds_path, free. NULL is fine. */
void vsock_dev_destroy(struct vsock_dev *d);

/** The device type with this instance's queue size: hand this one to the host. */
const struct vhd_device_ops *vsock_dev_get_ops(const struct vsock_dev *d);

/** Open connections (for tests). */
unsigned int vsock_dev_conn_count(const struct vsock_dev *d);

#ifdef __cplusplus
}
#endif

#endif /* VSOCK_DEV_H */
