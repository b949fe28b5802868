/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Hosting devices over rte_vhost: one vhost-user socket per device instance,
 * queues serviced by worker lcores in poll, interrupt or hybrid mode.
 *
 * An application (app/vhost-device-<name>) is a struct vhd_app (its option
 * table, help text and a function creating the device of socket i) and
 * `return vhd_app_main(argc, argv, &app);`. vhd_app_main() does, in order:
 *  1. vhd_eal_init(argc, argv): EAL options before "--"; returns how many
 *     arguments EAL took so the device options follow;
 *  2. vhd_app_parse(): -s, -c, -h, the common options (vhd_common_opt())
 *     and the app's own;
 *  3. the app's prepare(), then create() and vhd_dev_create() per socket;
 *  4. vhd_run(): serves until SIGINT/SIGTERM, then stops every device,
 *     removes the sockets and returns 0; then destroy() and cleanup().
 * The pieces stay public for a tool that needs them one by one.
 */

#ifndef VHD_VHOST_H
#define VHD_VHOST_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vhd_device.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How a device's worker waits for requests. */
enum vhd_mode {
	VHD_MODE_POLL,      /**< busy-poll the rings, guest never kicks */
	VHD_MODE_INTERRUPT, /**< sleep on kick eventfds */
	VHD_MODE_HYBRID,    /**< poll for a while after the last request, then sleep */
};

/** Options every device app accepts. */
struct vhd_common_opts {
	bool client;            /**< --client: connect to the socket, reconnect */
	enum vhd_mode mode;     /**< --mode poll|interrupt|hybrid */
	bool mode_set;          /**< --mode was given */
	uint32_t hybrid_us;     /**< --hybrid-poll-us: poll time before sleeping */
	/** --no-packed: do not offer VIRTIO_F_RING_PACKED (split rings only) */
	bool no_packed;
	/** --worker-lcore: lcore ids, socket i on lcores[i % n_lcores]; none: automatic */
	int lcores[64];
	unsigned int n_lcores;
	/**
	 * --socket-fd: serve this inherited listening unix socket instead of
	 * binding the device's path (see vhd_dev_create()); server mode only.
	 */
	bool has_listen_fd;
	int listen_fd;
};

/** getopt_long() values of the common options. */
enum {
	VHD_OPT_CLIENT = 0x1000,
	VHD_OPT_MODE,
	VHD_OPT_HYBRID_US,
	VHD_OPT_LCORE,
	VHD_OPT_SOCKET_FD,
	VHD_OPT_SOCKET_COUNT, /**< --socket-count when -c is the app's (own_short_c) */
	VHD_OPT_VERSION,
	VHD_OPT_PRINT_MAN,
	VHD_OPT_PRINT_COMPLETION,
	VHD_OPT_NO_PACKED,
};

/** Entries to put in an app's struct option table. */
#define VHD_COMMON_LONGOPTS                                              \
	{"client", no_argument, NULL, VHD_OPT_CLIENT},                   \
	{"mode", required_argument, NULL, VHD_OPT_MODE},                 \
	{"hybrid-poll-us", required_argument, NULL, VHD_OPT_HYBRID_US},  \
	{"worker-lcore", required_argument, NULL, VHD_OPT_LCORE},        \
	{"no-packed", no_argument, NULL, VHD_OPT_NO_PACKED}

/** Help text of the common options. */
#define VHD_COMMON_USAGE                                                              \
	"      --client               connect to the socket (frontend listens), reconnect\n" \
	"      --mode MODE            poll | interrupt | hybrid\n"                         \
	"      --hybrid-poll-us US    hybrid: poll this long after the last request (200)\n" \
	"      --worker-lcore ID[,ID]  service socket i on the i-th listed lcore (cycling);\n" \
	"                             default: round robin over EAL worker lcores\n" \
	"      --no-packed            offer split rings only (no VIRTIO_F_RING_PACKED)\n"

/**
 * Defaults: @p mode is the device's preferred mode. Call after
 * vhd_eal_init(): an app started without "--" (upstream-style command line,
 * EAL defaults to one unpinned lcore) defaults to interrupt mode instead.
 */
void vhd_common_opts_init(struct vhd_common_opts *o, enum vhd_mode mode);

/**
 * Handle common option @p c with argument @p arg.
 * @return 1 when handled, 0 when @p c is not a common option, -1 on a bad
 * value (an error line was printed).
 */
int vhd_common_opt(int c, const char *arg, struct vhd_common_opts *o);

/**
 * Initialise EAL with the arguments before "--". Without "--" in the
 * command line every argument is a device option (upstream's command lines
 * work unchanged) and EAL starts with --no-huge -m 64 --no-pci --no-shconf
 * -l 0.
 * @return the number of arguments consumed (shift argv by it; argv[0] stays
 * the program name); on failure prints one error line and exits with 1.
 */
int vhd_eal_init(int argc, char **argv);

/**
 * Name of socket @p idx of @p count: upstream appends the index to the path
 * always ("vrng.sock" -> "vrng.sock0").
 * @return 0, or -1 when it does not fit in @p len.
 */
int vhd_socket_name(char *out, size_t len, const char *base, unsigned int idx);

/** Parse an unsigned decimal number in [min, max]; -1 on error. */
int vhd_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);

/** A macro's value as a string literal, for help texts: VHD_STR(VHD_APP_MAX_SOCKETS). */
#define VHD_STR(x) VHD_STR_(x)
#define VHD_STR_(x) #x

/** Most sockets (device instances) one app serves. */
#define VHD_APP_MAX_SOCKETS 64

/** What every device app takes besides its own options. */
struct vhd_app_opts {
	const char *socket_path;     /**< -s/--socket-path, required */
	unsigned int socket_count;   /**< -c/--socket-count, 1..VHD_APP_MAX_SOCKETS */
	struct vhd_common_opts common;
};

/**
 * One option in an app's help table (struct vhd_help): the table is the one
 * source of the option parser (getopt_long() entries), --help, the manual
 * page and the bash completion.
 */
struct vhd_opt_doc {
	/**
	 * getopt_long() value handed to the app's opt(): a letter also makes
	 * the short option -<letter>; 's', 'c' and VHD_OPT_SOCKET_FD are
	 * parsed by the framework (listed here only for their text).
	 */
	int val;
	const char *name;   /**< long option name, without "--" */
	const char *arg;    /**< argument name ("PATH", "N"); NULL: takes none */
	/**
	 * Description, lines separated by '\n', wrapped by the author to fit
	 * column 80 of --help (text starts at column 30). A line starting with
	 * a space is kept as it is (a list, a table); the others are filled as
	 * one paragraph in the manual page. NULL: an alias of the entry above.
	 */
	const char *text;
};

/**
 * An app's documentation: --help, --print-man and --print-completion come
 * from it, and so do its getopt_long() tables (see docs/writing-a-device.md,
 * "Help text and manual page").
 */
struct vhd_help {
	/** After "PROGRAM [EAL options --] ": "-s PATH [options]"; '\n' between forms. */
	const char *synopsis;
	/** One line, no final period: "virtio-rng vhost-user backend". */
	const char *summary;
	/** Device options, {0} terminated (-h and the common options are added). */
	const struct vhd_opt_doc *opts;
	/** Paragraphs after the options in --help, in DESCRIPTION of the man page. Optional. */
	const char *notes;
	/** Command lines starting the backend, one per line, no program name prefix. */
	const char *examples;
	/**
	 * The QEMU options that attach socket 0 of the first example to a
	 * guest (chardev and device), one per line; the memory backend vhost-user
	 * needs is added around them.
	 */
	const char *qemu;
	/** Driver counters under /vhost_device/stats, one line. Optional. */
	const char *counters;
};

/** A device app's own command-line options. */
struct vhd_app_desc {
	enum vhd_mode mode;             /**< the device's preferred mode */
	const char *shortopts;          /**< its short options in getopt syntax, e.g. "f:p:" */
	const struct option *longopts;  /**< its long options, {NULL} terminated; may be NULL */
	/** One of its options; return 0, or -1 after printing one error line. */
	int (*opt)(void *ctx, int c, const char *arg);
	/** Print the full help (the common part is VHD_COMMON_USAGE). */
	void (*usage)(const char *prog);
	void *ctx;                      /**< passed to opt() */
	/**
	 * Accept --socket-fd FD instead of -s (one device; upstream's sound and
	 * rtc have it). Its create() hook then gets an empty path.
	 */
	bool socket_fd;
	/**
	 * The app names its sockets itself (its own options, create() writes
	 * the path): -s/--socket-path is then optional and create() gets an
	 * empty path when it was not given.
	 */
	bool own_sockets;
	/**
	 * -c is the app's own option (upstream's gpu: -c/--capset), passed to
	 * opt() as 'c' (put "c:" in shortopts); --socket-count stays, long only.
	 */
	bool own_short_c;
	/**
	 * Positional arguments (upstream scsi's image paths), in command-line
	 * order; return 0, or -1 after printing one error line. NULL: a
	 * positional argument is an error.
	 */
	int (*arg)(void *ctx, const char *arg);
	/**
	 * The app's help table. With it, shortopts, longopts and usage stay
	 * NULL: they are made from the table.
	 */
	const struct vhd_help *help;
};

/**
 * Options that print and exit, looked for before EAL starts (so they work
 * where EAL could not): -h/--help, --version, --print-man,
 * --print-completion. @p argv is not changed.
 * @return 1 when one was handled (exit 0), -1 on an error, 0 for none.
 */
int vhd_app_info(int argc, char **argv, const char *name, const struct vhd_app_desc *desc);

/** Print "PROG VERSION (git DESCRIBE)" and the DPDK versions to @p fp. */
void vhd_version_print(FILE *fp, const char *prog);

/** --help of @p help for program @p prog. */
void vhd_help_print(FILE *fp, const char *prog, const struct vhd_help *help);

/** The manual page (roff, man(7)) of app @p name ("rng"). @return 0 or -1. */
int vhd_help_man(FILE *fp, const char *name, const struct vhd_help *help);

/** A bash completion script for vhost-device-@p name. */
void vhd_help_completion(FILE *fp, const char *name, const struct vhd_help *help);

/**
 * The whole command line of a device app: vhd_eal_init(), then -s, -c,
 * -h, the common options and the device's own, with one error line for
 * anything wrong (unknown option, missing value, stray argument, no socket
 * path, socket directory missing).
 * @return 0 to go on, 1 when help was printed (exit 0), -1 on an error
 * (exit 1; nothing else to undo).
 */
int vhd_app_parse(int argc, char **argv, const struct vhd_app_desc *desc,
		  struct vhd_app_opts *out);

/**
 * A device app as a table: its options, its help text and how to create the
 * device of socket i. vhd_app_main() does the rest: EAL, the common options,
 * socket naming, creating every device, serving, cleanup on every exit path.
 */
struct vhd_app {
	const char *name;               /**< device name: "gpio" */
	struct vhd_app_desc desc;       /**< options and help; desc.ctx is passed to every hook */
	/**
	 * After parsing: check option combinations, open what the devices
	 * share. @return how many devices to create (normally
	 * o->socket_count), or -1 after printing one error line. Optional:
	 * without it o->socket_count devices are created.
	 */
	int (*prepare)(void *ctx, const struct vhd_app_opts *o);
	/**
	 * Create the driver state of device @p idx. @p path holds socket
	 * PATH<idx> on entry; an app with its own socket naming may rewrite
	 * it (up to @p path_len bytes). Set @p ops and @p priv.
	 * @return 0, or -1 after printing one error line.
	 */
	int (*create)(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
		      size_t path_len, const struct vhd_device_ops **ops, void **priv);
	/** Free device @p idx's state: after the workers stopped, or on an error exit. Optional. */
	void (*destroy)(void *ctx, unsigned int idx, void *priv);
	/** Release what prepare() opened, last. Optional. */
	void (*cleanup)(void *ctx);
};

/**
 * The whole life of a device app; main() is `return vhd_app_main(argc,
 * argv, &app);`.
 * @return the process exit status: 0 after help or a clean stop, 1 on an
 * error (one error line printed, sockets and devices undone).
 */
int vhd_app_main(int argc, char **argv, const struct vhd_app *app);

struct vhd_dev;

/**
 * Create a device instance on vhost-user socket @p path and register it
 * with rte_vhost. Call after vhd_eal_init() and before vhd_run().
 * @p ops and @p priv must outlive the device. With opts->has_listen_fd,
 * @p path is ignored: the device serves opts->listen_fd (which it takes
 * over and closes) and never creates or removes a socket file.
 * @return the device, or NULL with an error line printed.
 */
struct vhd_dev *vhd_dev_create(const char *path, const struct vhd_device_ops *ops, void *priv,
			       const struct vhd_common_opts *opts);

/**
 * Serve all created devices until SIGINT/SIGTERM (or vhd_stop()).
 * Returns 0 after a clean stop: workers joined, sockets removed.
 */
int vhd_run(void);

/** Ask vhd_run() to return (async-signal-safe). */
void vhd_stop(void);

/**
 * Undo vhd_eal_init() and every vhd_dev_create() when the app gives up
 * before vhd_run(): sockets removed, EAL released.
 */
void vhd_abort(void);

#ifdef __cplusplus
}
#endif

#endif /* VHD_VHOST_H */
