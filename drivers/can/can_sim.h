/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * Simulated CAN buses in the process: devices given "sim:NAME" are nodes of
 * bus NAME and see each other's frames (never their own), so several guests
 * (sockets) on one bus talk to each other without hardware. A node that
 * asked for late acks gets CAN_EV_TX_DONE once its frame was delivered to
 * the bus.
 *
 * One control socket (optional) serves every bus, one text command per line:
 *  - "send [BUS] FRAME": put a frame on the bus (cansend syntax, can_msg.h);
 *  - "error busoff [BUS]", "error restart [BUS]": bus-off and recovery of
 *    every controller on the bus;
 *  - "pause [BUS]", "resume [BUS]": stall the bus: frames the nodes send
 *    wait (their late acks too) until it resumes, in order;
 *  - "monitor": from now on this connection receives every frame on every
 *    bus in candump's log format, "(SEC.USEC) BUS FRAME".
 * BUS may be left out when there is one bus. Replies: "ok" or "error: ...".
 *
 * Nodes may be serviced by different workers: the buses share one lock,
 * held for short non-blocking work only. The control socket is serviced
 * through the event fd of the first node opened.
 */

#ifndef CAN_SIM_H
#define CAN_SIM_H

#include <stdbool.h>
#include <stdint.h>

#include "can_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Events a node keeps for its device; more are dropped and counted. */
#define CAN_SIM_QUEUE_LEN 256
/** Longest bus name. */
#define CAN_SIM_NAME_MAX 31

struct can_sim;

/**
 * Create the simulated buses, with a control socket at @p ctl_path unless
 * NULL.
 * @return 0 with @p out set, or a negative errno.
 */
int can_sim_create(const char *ctl_path, struct can_sim **out);

/** Free the buses and close the control socket; every port must be destroyed first. */
void can_sim_destroy(struct can_sim *sim);

/**
 * Attach a new node to bus @p bus (created on first use).
 * @return 0 with @p out set, -EINVAL for a bad name, or another negative errno.
 */
int can_sim_port_open(struct can_sim *sim, const char *bus, struct can_port **out);

/** Put @p m on bus @p bus as from outside (the control socket's "send"). */
int can_sim_inject(struct can_sim *sim, const char *bus, const struct can_msg *m);

/** Bus-off (@p type CAN_EV_BUSOFF) or restart (CAN_EV_RESTART) of bus @p bus. */
int can_sim_error(struct can_sim *sim, const char *bus, enum can_ev_type type);

/** Stall (@p on) or resume bus @p bus, as the control socket's pause/resume. */
int can_sim_pause(struct can_sim *sim, const char *bus, bool on);

/** Events dropped because the node's queue was full. */
uint64_t can_sim_port_dropped(struct can_port *p);

#ifdef __cplusplus
}
#endif

#endif /* CAN_SIM_H */
