/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * One console port as the host sees it, and the backends behind it (TCP,
 * Unix socket, pty, file, null, the daemon's own terminal). A backend opens
 * its listener or files before the device runs, then hands the port the fds
 * a host client reads and writes through console_port_connect(); the
 * protocol side (console_dev.c) moves bytes between those fds and the
 * guest's buffers, non-blocking, on the device's worker.
 */

#ifndef CONSOLE_PORT_H
#define CONSOLE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhd_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest port name (what the guest shows in /dev/virtio-ports/). */
#define CONSOLE_NAME_MAX 128

/** Bytes of guest output one port keeps for a slow or absent client. */
#define CONSOLE_OUT_CAP (64 * 1024)

/** Kinds of host backend. */
enum console_kind {
	CONSOLE_NONE = 0, /**< not given: the app picks the default */
	CONSOLE_TCP,      /**< listening TCP socket, one client at a time */
	CONSOLE_UNIX,     /**< listening Unix stream socket, one client at a time */
	CONSOLE_PTY,      /**< a pseudo-terminal; its path is printed */
	CONSOLE_FILE,     /**< guest output appended to a file, no input */
	CONSOLE_NULL,     /**< output dropped, no input */
	CONSOLE_NESTED,   /**< the daemon's own terminal, raw; Ctrl-] quits */
};

/** What --port I=... says about one port. */
struct console_port_spec {
	enum console_kind kind;
	char addr[108];      /**< TCP host or Unix/file path */
	uint16_t tcp_port;   /**< TCP port */
	char name[CONSOLE_NAME_MAX]; /**< guest-visible name, "" for none */
};

/**
 * The address a port of device @p sock_idx uses: TCP port + index (as
 * upstream's -p), paths suffixed with the index when @p suffix (several
 * sockets). @return 0, or -1 when it does not fit.
 */
int console_spec_for_socket(struct console_port_spec *spec, unsigned int sock_idx,
			    bool suffix);

/** Counters of one port; monotonic. */
struct console_port_stats {
	uint64_t rx_bytes;       /**< host -> guest bytes */
	uint64_t rx_bufs;        /**< rx buffers returned with data */
	uint64_t tx_bytes;       /**< guest -> host bytes taken from the ring */
	uint64_t tx_bufs;        /**< tx buffers consumed */
	uint64_t out_bytes;      /**< bytes written to the host side */
	uint64_t backlog_dropped;/**< oldest buffered bytes dropped, no client to take them */
	uint64_t tx_truncated;   /**< bytes of chains longer than the whole buffer, dropped */
	uint64_t stalls;         /**< times the tx queue stopped for a client not reading */
	uint64_t connects;       /**< host clients accepted */
	uint64_t disconnects;    /**< host clients gone */
	uint64_t refused;        /**< clients refused while one was connected */
	uint64_t resizes;        /**< window size changes seen */
};

struct console_dev;
struct console_port;

/** A backend kind. */
struct console_backend_ops {
	const char *kind;
	/**
	 * Open what the port needs (listener, file, pty) before the device
	 * serves. @return 0, or -1 with a reason in @p msg.
	 */
	int (*open)(struct console_port *p, char *msg, size_t len);
	/** The worker is there: watch listeners. Optional. */
	void (*attach)(struct console_port *p);
	/**
	 * The client's fds were given back (EOF, error): close them, accept
	 * the next client. Optional (fds that never hang up).
	 */
	void (*hangup)(struct console_port *p, int in_fd, int out_fd);
	/** Window size of the host side now, for F_SIZE; 0 when unknown. Optional. */
	int (*winsize)(struct console_port *p, uint16_t *cols, uint16_t *rows);
	/**
	 * Input arrived: look at @p len bytes at @p buf before they go to the
	 * guest. @return how many to pass on (fewer to cut them there). Optional.
	 */
	size_t (*filter)(struct console_port *p, const uint8_t *buf, size_t len);
	/** Close everything, restore what was changed. */
	void (*close)(struct console_port *p);
};

/** Backends. */
extern const struct console_backend_ops console_tcp_ops;
extern const struct console_backend_ops console_unix_ops;
extern const struct console_backend_ops console_pty_ops;
extern const struct console_backend_ops console_file_ops;
extern const struct console_backend_ops console_null_ops;
extern const struct console_backend_ops console_nested_ops;

/** Ops of @p kind, NULL for CONSOLE_NONE. */
const struct console_backend_ops *console_backend(enum console_kind kind);

/** Per-port state; the backend owns the fields under "backend". */
struct console_port {
	struct console_dev *dev;
	unsigned int id;
	struct console_port_spec spec;
	const struct console_backend_ops *be;
	/* backend */
	int listen_fd;      /**< TCP/Unix listener, -1 */
	int keep_fd;        /**< pty: slave kept open so the master never hangs up, -1 */
	int size_fd;        /**< timerfd sampling the window size, -1 */
	char path[108];     /**< pty slave or Unix socket path, "" */
	void *be_priv;
	/* host client, set by console_port_connect() */
	int in_fd;          /**< read for host -> guest bytes, -1 */
	int out_fd;         /**< written with guest -> host bytes, -1 */
	uint32_t ev_in, ev_out; /**< epoll events registered for in_fd/out_fd */
	struct console_port_stats stats;
};

/**
 * A client is there: @p in_fd (or -1) is read for the guest, @p out_fd
 * (or -1) written with guest output; both non-blocking. Buffered output
 * goes to it first, in order; the guest is told the port opened.
 */
void console_port_connect(struct console_port *p, int in_fd, int out_fd);

/**
 * Is the connected socket client still there? A client that closed while
 * the port was not reading is noticed here: it is hung up.
 */
void console_port_probe(struct console_port *p);

/** True while a client is connected. */
bool console_port_connected(const struct console_port *p);

/** The host of the port's device (NULL before attach). */
struct vhd_host *console_port_host(struct console_port *p);

/** The window size may have changed: sample it, tell the guest. */
void console_port_size_changed(struct console_port *p);

/**
 * Sample the window size every 100 ms on the worker (a timerfd in p->size_fd):
 * neither a pty master nor a daemon's terminal is told of a resize here.
 */
void console_port_watch_size(struct console_port *p);

/** Stop and close what console_port_watch_size() set up. */
void console_port_unwatch_size(struct console_port *p);

/** Ask the whole application to stop (nested's Ctrl-]). */
void console_port_quit(struct console_port *p);

/**
 * Parse "I=tcp:HOST:PORT|tcp:PORT|unix:PATH|pty|file:PATH|null|nested".
 * @return the port index, or -1 with a reason in @p msg.
 */
int console_parse_port(const char *arg, struct console_port_spec *spec, char *msg, size_t len);

/**
 * Parse "I=NAME" (printable ASCII, no '/').
 * @return the port index, or -1 with a reason in @p msg.
 */
int console_parse_port_name(const char *arg, char *name, size_t name_len, char *msg,
			    size_t len);

#ifdef __cplusplus
}
#endif

#endif /* CONSOLE_PORT_H */
