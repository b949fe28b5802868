/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The hybrid vsock "CONNECT <port>\n" line a host program sends first on
 * the Unix socket. Fed incrementally: the caller peeks at the socket,
 * feeds what it saw, and consumes only the bytes the parser took, so the
 * bytes after the newline stay in the socket and reach the guest.
 */

#ifndef VSOCK_LINE_H
#define VSOCK_LINE_H

#include <stddef.h>
#include <stdint.h>

/** Longest line accepted, newline included ("CONNECT 4294967295\r\n" is 20). */
#define VSOCK_LINE_MAX 32

/** Result of vsock_line_feed(). */
enum vsock_line_state {
	VSOCK_LINE_MORE,  /**< no newline yet: feed more */
	VSOCK_LINE_DONE,  /**< a valid line: port is set */
	VSOCK_LINE_ERROR, /**< junk or too long: close the connection */
};

/** Parser state; zero it (or vsock_line_init()) before the first feed. */
struct vsock_line {
	char buf[VSOCK_LINE_MAX];
	size_t len;
	enum vsock_line_state state;
	uint32_t port; /**< the port, once DONE */
};

/** Start a new line. */
void vsock_line_init(struct vsock_line *l);

/**
 * Feed @p len bytes. Takes bytes up to and including the first newline and
 * no more.
 * @return how many bytes of @p buf were taken (consume exactly these).
 * l->state tells whether the line is complete, bad or needs more.
 */
size_t vsock_line_feed(struct vsock_line *l, const char *buf, size_t len);

/**
 * Parse one complete line ("CONNECT" in any case, one or more spaces, a
 * decimal port that fits 32 bits, optional "\r", "\n").
 * @return 0 and @p port, or -1.
 */
int vsock_line_parse(const char *line, size_t len, uint32_t *port);

#endif /* VSOCK_LINE_H */
