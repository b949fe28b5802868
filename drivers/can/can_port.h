/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * What the device needs of a CAN bus attachment: a SocketCAN interface
 * (can_linux.h) or a node on a simulated bus (can_sim.h). Non-blocking
 * throughout: the device watches event_fd() on its worker and drains
 * next_event() when it is readable.
 */

#ifndef CAN_PORT_H
#define CAN_PORT_H

#include <stdbool.h>

#include "can_msg.h"

#ifdef __cplusplus
extern "C" {
#endif

/** What a port reports. */
enum can_ev_type {
	CAN_EV_RX,      /**< a frame from another node of the bus */
	CAN_EV_TX_DONE, /**< a frame we sent went out on the bus (with late acks on) */
	CAN_EV_BUSOFF,  /**< the controller went bus-off */
	CAN_EV_RESTART, /**< the controller recovered from bus-off */
};

struct can_ev {
	enum can_ev_type type;
	struct can_msg msg; /**< RX, TX_DONE */
};

struct can_port;

struct can_port_ops {
	void (*destroy)(struct can_port *p);
	/** Readable while next_event() has something. */
	int (*event_fd)(struct can_port *p);
	/** Put @p m on the bus. @return 0, -EAGAIN when the queue is full, or a negative errno. */
	int (*send)(struct can_port *p, const struct can_msg *m);
	/** @return 1 with @p ev filled, 0 when there is nothing now. */
	int (*next_event)(struct can_port *p, struct can_ev *ev);
	/** Report CAN_EV_TX_DONE for each frame sent from now on (off by default). */
	void (*set_late_ack)(struct can_port *p, bool on);
};

/** A port; backends embed it first. */
struct can_port {
	const struct can_port_ops *ops;
};

static inline void
can_port_destroy(struct can_port *p)
{
	if (p != NULL)
		p->ops->destroy(p);
}

#ifdef __cplusplus
}
#endif

#endif /* CAN_PORT_H */
