/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * cmocka side of the integration tests, shared by every test_<device>.c:
 * start a device application and fail the test with its stderr when it
 * does not come up, stop it and check it exited cleanly, connect frontends,
 * and clean up after a failed assertion.
 *
 * A failed assertion jumps out of the test: the applications and frontends
 * the helpers started are tracked, and vhd_it_teardown() (the teardown of
 * every test, see VHD_IT_TEST()) frees the frontends, prints the end of each
 * application's stderr and kills it. Helpers that fail call cmocka's
 * fail_msg(); they only return on success.
 */

#ifndef VHD_IT_H
#define VHD_IT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vhd_app.h"

/** Applications a test may have running at once. */
#define VHD_IT_MAX_APPS 4
/** Frontends a test may have connected at once. */
#define VHD_IT_MAX_FES 8

/** A cmocka test @p f with vhd_it_teardown() as its teardown. */
#define VHD_IT_TEST(f) cmocka_unit_test_teardown(f, vhd_it_teardown)

/**
 * Track @p a (@p on) so that vhd_it_teardown() shows its stderr and kills
 * it, or stop tracking it. At most VHD_IT_MAX_APPS at once.
 */
void vhd_it_track(struct vhd_fe_app *a, bool on);

/**
 * Track frontend @p fe for vhd_it_teardown() to destroy.
 * @return @p fe (NULL is not tracked), so a creation can be wrapped.
 */
struct vhd_fe *vhd_it_fe_track(struct vhd_fe *fe);

/** Stop tracking @p fe and destroy it. */
void vhd_it_fe_done(struct vhd_fe *fe);

/**
 * cmocka teardown: destroy the tracked frontends, then for each tracked
 * application print the end of its stderr and vhd_fe_app_fini() it.
 * @return 0.
 */
int vhd_it_teardown(void **state);

/**
 * vhd_fe_app_init() for device @p name; fails the test when its executable
 * (VHD_APP_<NAME>) is missing.
 */
void vhd_it_app_init(struct vhd_fe_app *a, const char *name);

/**
 * Start the initialised application @p a with "-s" and its socket path, then
 * @p opts, then @p extra (both NULL-terminated, or NULL), track it, and wait
 * for its first @p nsock sockets. Fails the test, with the application's
 * stderr, when it does not start or a socket does not appear.
 */
void vhd_it_app_start(struct vhd_fe_app *a, const char *const *opts, const char *const *extra,
		      unsigned int nsock);

/** vhd_it_app_init() for device @p name, then vhd_it_app_start() without @p opts. */
void vhd_it_app_up(struct vhd_fe_app *a, const char *name, const char *const *extra,
		   unsigned int nsock);

/**
 * SIGTERM: the application must exit 0 (else the test fails with its stderr)
 * and its first @p nsock sockets must be gone. Notes the connections it
 * refused (see vhd_fe_app_attach()). @p a stays tracked and its directory
 * stays, for further checks; vhd_it_app_fini() then ends it.
 */
void vhd_it_app_stop(struct vhd_fe_app *a, unsigned int nsock);

/** Stop tracking @p a and vhd_fe_app_fini() it. */
void vhd_it_app_fini(struct vhd_fe_app *a);

/** vhd_it_app_stop(), then vhd_it_app_fini(). */
void vhd_it_app_down(struct vhd_fe_app *a, unsigned int nsock);

/**
 * vhd_fe_app_connect() to socket @p idx with @p want, @p nq queues of
 * @p qsize, and track the frontend; fails the test when it cannot.
 * @return the frontend, to give back with vhd_it_fe_done().
 */
struct vhd_fe *vhd_it_fe_up(struct vhd_fe_app *a, unsigned int idx, uint64_t want, uint16_t nq,
			    uint16_t qsize);

/** What a device's bad command line must lead to, for vhd_it_bad_cmdline(). */
struct vhd_it_bad_cmdline {
	const char *name;          /**< device name, "rng" */
	int exit_code;             /**< exit code wanted; 0 for any non-zero one */
	const char *const *ignore; /**< NULL-terminated prefixes of log lines not to count */
};

/**
 * Run the application of @p b with the options @p extra (after "-s" and the
 * socket path when @p with_socket) to its exit. It must exit with
 * b->exit_code, leave no socket 0 behind and print exactly one stderr line
 * that does not start with one of b->ignore; that line must contain
 * @p needle unless it is NULL. @p what names the case in messages.
 */
void vhd_it_bad_cmdline(const struct vhd_it_bad_cmdline *b, const char *what,
			const char *const *extra, bool with_socket, const char *needle);

/** A request vhd_it_wait_used() waits for. */
struct vhd_it_wait {
	int head;      /**< in: head id vhd_fe_post() returned */
	bool done;     /**< in/out: used already (skipped) / used now */
	uint32_t used; /**< out: its used length */
};

/**
 * Wait until every entry of @p w[0..n) that is not done has its used entry
 * on queue @p q: sleeping on calls, or polling the ring only when @p poll.
 * Fails the test when @p timeout_ms pass without one arriving or when a used
 * id is none of them.
 */
void vhd_it_wait_used(struct vhd_fe *fe, uint16_t q, struct vhd_it_wait *w, unsigned int n,
		      bool poll, int timeout_ms);

/**
 * Seed for a randomised test: VHD_IT_SEED when set (any base strtoull()
 * takes), else odd and from the clock. Printed with @p what, so that a
 * failing run can be replayed.
 */
uint64_t vhd_it_seed(const char *what);

/**
 * The ring base GET_VRING_BASE must report for queue @p q once the backend
 * took all we posted: @p split_base on split rings (the test knows it), the
 * position and wrap counter after our last descriptor on packed rings.
 */
uint16_t vhd_it_base(struct vhd_fe *fe, uint16_t q, uint16_t split_base);

/** Skip the test in a packed-ring run: it writes split-ring structures by hand. */
void vhd_it_split_only(void);

/** Skip the test unless this is a packed-ring run (vhd_fe_app_packed()). */
void vhd_it_packed_only(void);

/**
 * Let @p a settle 300 ms, then measure its CPU time over one second; print
 * it with @p what and fail the test unless it used less than 1/@p share of
 * that second (5: under 20 %).
 */
void vhd_it_idle_cpu(struct vhd_fe_app *a, const char *what, int share);

#endif /* VHD_IT_H */
