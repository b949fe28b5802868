/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Line-oriented control socket of a simulated device: a listening AF_UNIX
 * stream socket, a few connections, one text command per line handed to the
 * device's callback, replies and an optional event stream back. Everything
 * is behind one epoll fd that the device watches on its worker
 * (vhd_host.watch_fd()): no thread, non-blocking throughout. Not
 * thread-safe: the caller serialises every call on one control socket.
 */

#ifndef VHD_CTL_H
#define VHD_CTL_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Connections served at once; one more is told so and closed. */
#define VHD_CTL_MAX_CONN 8
/** Longest command line (without its newline); longer ones get an error reply. */
#define VHD_CTL_LINE_MAX 127

struct vhd_ctl;
struct vhd_ctl_conn;

/**
 * One command line, NUL-terminated, newline stripped (the callback may
 * modify it). Reply with vhd_ctl_reply() on @p c.
 */
typedef void (*vhd_ctl_cmd_fn)(void *arg, struct vhd_ctl_conn *c, char *line);

/**
 * Listen on @p path. A socket file left there by an earlier run is replaced;
 * any other file is left alone (-EEXIST).
 * @return 0 with @p out set, or a negative errno.
 */
int vhd_ctl_open(const char *path, vhd_ctl_cmd_fn fn, void *arg, struct vhd_ctl **out);

/** Close every connection and the listening socket, remove the socket file. NULL is fine. */
void vhd_ctl_close(struct vhd_ctl *ctl);

/** The fd to watch for EPOLLIN; call vhd_ctl_service() when it is readable. */
int vhd_ctl_fd(const struct vhd_ctl *ctl);

/**
 * Accept connections and run the complete lines received, without blocking.
 * Bounded: under a flood it returns with the fd still readable.
 */
void vhd_ctl_service(struct vhd_ctl *ctl);

/** Send @p msg on @p c, best effort (a client that does not read loses replies). */
void vhd_ctl_reply(struct vhd_ctl_conn *c, const char *msg);

/** Make @p c receive what vhd_ctl_publish() sends from now on. */
void vhd_ctl_subscribe(struct vhd_ctl_conn *c);

/** Send @p msg to every subscribed connection, best effort. */
void vhd_ctl_publish(struct vhd_ctl *ctl, const char *msg);

/** Subscribed connections (publishing costs nothing without any). */
unsigned int vhd_ctl_subscribers(const struct vhd_ctl *ctl);

#ifdef __cplusplus
}
#endif

#endif /* VHD_CTL_H */
