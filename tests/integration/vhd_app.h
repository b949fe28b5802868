/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Integration test helpers: start a real device application
 * (app/vhost-device-<name>) with posix_spawn, wait for its sockets, connect
 * our vhost-user frontend (vhd_fe.h) to them, stop the application and check
 * it exited cleanly. Shared by every device's integration tests.
 *
 * Each application runs in its own temporary directory (sockets, output
 * files) with a unique EAL --file-prefix, so tests never collide with each
 * other or with a concurrent run. The executable comes from the environment
 * variable VHD_APP_<NAME> (upper case) that tests/integration/meson.build
 * sets.
 */

#ifndef VHD_APP_H
#define VHD_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "vhd_fe.h"

/**
 * How long an application gets to start, or to stop after SIGTERM or an
 * error. Only a bound for a hung app: under ASan, LeakSanitizer's scan of the
 * EAL memory at exit took over 10 s once on a loaded machine.
 */
#define VHD_FE_APP_TIMEOUT_MS 30000

/** A device application under test. */
struct vhd_fe_app {
	char name[32];      /**< device name, "rng" */
	char exe[512];      /**< executable path */
	char dir[128];      /**< private temporary directory */
	char sock[192];     /**< socket base path: dir/<name>.sock; socket i is sock + "i" */
	char out[192];      /**< file with the application's stdout */
	char err[192];      /**< file with the application's stderr */
	char prefix[64];    /**< EAL --file-prefix of the last start */
	pid_t pid;          /**< 0 when not running */
	unsigned int refused; /**< connections the app refused (see vhd_fe_app_attach()) */
	int status;         /**< wait status once it exited */
	/**
	 * The app uses -s PATH as given when it has one socket (upstream's
	 * template, vsock...): socket 0 is sock itself. Set after init.
	 */
	bool plain_sock;
};

/**
 * Prepare @p a for device @p name: find its executable, make the private
 * directory. Nothing is started.
 * @return 0, or -ENOENT when VHD_APP_<NAME> is unset or not executable.
 */
int vhd_fe_app_init(struct vhd_fe_app *a, const char *name);

/**
 * Start the application with the standard EAL arguments
 * (--no-huge -m 256 --no-pci --no-shconf --file-prefix <unique> -l 0), "--",
 * then @p args (NULL-terminated device options; "-s" and the socket path are
 * not added for you, use a->sock).
 * @return 0 or a negative errno.
 */
int vhd_fe_app_start(struct vhd_fe_app *a, const char *const *args);

/**
 * Wait until socket @p idx (a->sock followed by the index) exists.
 * @return 0, -ETIMEDOUT, or -ECHILD when the application exited meanwhile.
 */
int vhd_fe_app_wait_socket(struct vhd_fe_app *a, unsigned int idx, int timeout_ms);

/** Path of socket @p idx in @p buf (at least 200 bytes). */
const char *vhd_fe_app_sock(const struct vhd_fe_app *a, unsigned int idx, char *buf,
			    size_t len);

/** True while the application runs (reaps it when it exited). */
bool vhd_fe_app_alive(struct vhd_fe_app *a);

/**
 * Wait up to @p timeout_ms for the application to exit by itself.
 * @return its exit code (>= 0), -(signal number) when killed by a signal,
 * or -ETIMEDOUT (it keeps running).
 */
int vhd_fe_app_wait_exit(struct vhd_fe_app *a, int timeout_ms);

/**
 * SIGTERM, then wait up to VHD_FE_APP_TIMEOUT_MS for the exit; SIGKILL when it
 * does not exit in time.
 * @return as vhd_fe_app_wait_exit(); -ETIMEDOUT when it had to be killed.
 */
int vhd_fe_app_stop(struct vhd_fe_app *a);

/** CPU time (user + system, all threads) used so far, in milliseconds; -1 on error. */
int64_t vhd_fe_app_cpu_ms(const struct vhd_fe_app *a);

/**
 * Read the application's stderr (or stdout with @p out) into @p buf,
 * NUL-terminated. @return the length.
 */
size_t vhd_fe_app_output(const struct vhd_fe_app *a, bool out, char *buf, size_t len);

/** Kill the application if still running and remove the directory. */
void vhd_fe_app_fini(struct vhd_fe_app *a);

/**
 * True when the run asks for packed rings (VHD_IT_PACKED=1 in the
 * environment): every frontend attached here then agrees VIRTIO_F_RING_PACKED.
 */
bool vhd_fe_app_packed(void);

/**
 * Connect @p fe to socket @p idx, then vhd_fe_resume() when @p resume, else
 * vhd_fe_negotiate() with @p want and the default protocol features.
 *
 * A backend serves one frontend per socket: a connection made right after
 * the previous frontend hung up may be refused (closed before any reply)
 * because the backend has not seen the hang-up yet. We then retry for up
 * to VHD_FE_APP_TIMEOUT_MS, counting refusals in a->refused.
 * @return 0 or a negative errno (vhd_fe_error() tells more).
 */
int vhd_fe_app_attach(struct vhd_fe_app *a, unsigned int idx, struct vhd_fe *fe, uint64_t want,
		      bool resume);

/**
 * Create a frontend, vhd_fe_app_attach() it to socket @p idx with @p want;
 * set up and start @p nq queues of @p qsize.
 * @return the frontend, or NULL with the reason printed on stderr.
 */
struct vhd_fe *vhd_fe_app_connect(struct vhd_fe_app *a, unsigned int idx, uint64_t want,
				  uint16_t nq, uint16_t qsize);

/**
 * Send one command to the application's DPDK telemetry socket (found under
 * its --file-prefix) and put the JSON reply, NUL-terminated, in @p buf.
 * @return the reply's length, or -1 (no socket, no reply, too long).
 */
int vhd_fe_app_telemetry(const struct vhd_fe_app *a, const char *cmd, char *buf, size_t len);

/**
 * The unsigned number under "@p field" inside the object "@p key" of a
 * telemetry reply (@p key NULL: the first "@p field" anywhere).
 * @return the number, or -1 when absent.
 */
int64_t vhd_fe_app_json_u64(const char *json, const char *key, const char *field);

/** Milliseconds on the monotonic clock. */
int64_t vhd_fe_app_now_ms(void);

/** Sleep @p ms milliseconds. */
void vhd_fe_app_sleep_ms(int ms);

#endif /* VHD_APP_H */
