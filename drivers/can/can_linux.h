/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * SocketCAN interfaces as bus ports: one raw socket per interface,
 * non-blocking, with CAN FD frames enabled (the frame size read tells a
 * classic frame from an FD one; the interface's name does not matter), an
 * error filter for bus-off and restart, local loopback to other sockets of
 * the host kept, and our own frames not received back, except as
 * confirmations (MSG_CONFIRM) when the device holds transmissions for late
 * acks.
 *
 * Every system call goes through struct can_linux_sys so that unit tests
 * can put a fake bus behind it (hosts without PF_CAN included).
 */

#ifndef CAN_LINUX_H
#define CAN_LINUX_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "can_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** System calls the backend uses; -1 with errno set on failure, like the real ones. */
struct can_linux_sys {
	int (*socket)(int domain, int type, int protocol);
	int (*setsockopt)(int fd, int level, int name, const void *val, socklen_t len);
	int (*bind)(int fd, const struct sockaddr *sa, socklen_t len);
	unsigned int (*if_nametoindex)(const char *name);
	ssize_t (*write)(int fd, const void *buf, size_t len);
	ssize_t (*recvmsg)(int fd, struct msghdr *msg, int flags);
	int (*close)(int fd);
};

/** The real system. */
extern const struct can_linux_sys can_linux_sys_default;

/**
 * Open interface @p ifname. @p sys must outlive the port.
 * @return 0 with @p out set, or a negative errno (-ENODEV: no such
 * interface, -EAFNOSUPPORT: no SocketCAN in this kernel).
 */
int can_linux_open(const struct can_linux_sys *sys, const char *ifname, struct can_port **out);

/** Whether the interface took CAN FD frames (CAN_RAW_FD_FRAMES). */
int can_linux_fd_enabled(const struct can_port *p);

/**
 * Encode @p m as a SocketCAN frame into @p buf (at least 72 bytes): a
 * struct can_frame for classic frames, a struct canfd_frame for FD ones.
 * @return the bytes to write (16 or 72).
 */
size_t can_linux_encode(const struct can_msg *m, void *buf);

/**
 * Decode the SocketCAN frame of @p len bytes (16: classic, 72: FD) in
 * @p buf into @p ev: CAN_EV_RX for a data or remote frame, CAN_EV_BUSOFF /
 * CAN_EV_RESTART for error frames that say so.
 * @return 1 when @p ev is set, 0 for frames of no interest, -EINVAL for a
 * malformed one.
 */
int can_linux_decode(const void *buf, size_t len, struct can_ev *ev);

#ifdef __cplusplus
}
#endif

#endif /* CAN_LINUX_H */
