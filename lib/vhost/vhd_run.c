/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>

#include "vhd_internal.h"

void
vhd_stop(void)
{
	vhd_stopping = 1;
	vhd_worker_wake_all(); /* write() on eventfds: async-signal-safe */
}

static void
on_signal(int sig)
{
	(void)sig;
	vhd_stop();
}

int
vhd_run(void)
{
	struct sigaction sa;
	struct vhd_worker *mw;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	vhd_telemetry_init();
	vhd_workers_launch();
	mw = vhd_main_worker();
	if (mw != NULL)
		vhd_worker_loop(mw);
	else
		while (!vhd_stopping)
			usleep(20000);
	vhd_workers_join();
	vhd_svc_shutdown();
	vhd_dev_unregister_all();
	rte_eal_cleanup();
	return 0;
}

void
vhd_abort(void)
{
	vhd_svc_shutdown();
	vhd_dev_unregister_all();
	rte_eal_cleanup();
}
