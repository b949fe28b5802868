/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Simulated buses: each node has an event queue and an eventfd that is
 * readable while the queue is not empty. A frame sent by one node is
 * queued to every other node of its bus under the shared lock.
 */

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "vhd_ctl.h"

#include "can_sim.h"

struct can_sim_bus;

struct can_sim_node {
	struct can_port port;
	struct can_sim *sim;
	struct can_sim_bus *bus;
	struct can_sim_node *next; /* on its bus */
	int evfd;
	int epfd;                  /* evfd, and the control socket for its owner */
	bool ctl_owner;
	bool late;
	unsigned int head, n;
	uint64_t dropped;
	struct can_ev q[CAN_SIM_QUEUE_LEN];
};

/* A frame sent while its bus is paused, delivered on resume. */
struct can_sim_held {
	struct can_sim_node *from; /* NULL once the sender is gone */
	struct can_msg msg;
};

struct can_sim_bus {
	char name[CAN_SIM_NAME_MAX + 1];
	bool busoff;
	bool paused;
	unsigned int nheld;
	struct can_sim_held held[CAN_SIM_QUEUE_LEN];
	struct can_sim_node *nodes;
	struct can_sim_bus *next;
};

struct can_sim {
	pthread_mutex_t lock;
	struct can_sim_bus *buses;
	unsigned int nbuses;
	struct vhd_ctl *ctl;
	bool ctl_watched;
};

static const struct can_port_ops can_sim_port_ops;

static struct can_sim_node *
can_sim_node_of(struct can_port *p)
{
	return (struct can_sim_node *)p;
}

/* ---- under the lock ---- */

static void
can_sim_queue(struct can_sim_node *nd, enum can_ev_type type, const struct can_msg *m)
{
	struct can_ev *ev;
	uint64_t one = 1;

	if (nd->n == CAN_SIM_QUEUE_LEN) {
		nd->dropped++;
		return;
	}
	ev = &nd->q[(nd->head + nd->n) % CAN_SIM_QUEUE_LEN];
	ev->type = type;
	if (m != NULL)
		ev->msg = *m;
	if (nd->n++ == 0 && write(nd->evfd, &one, sizeof(one)) < 0) {
		/* cannot fail below the counter's limit */
	}
}

static struct can_sim_bus *
can_sim_find(struct can_sim *sim, const char *name)
{
	struct can_sim_bus *b;

	if (name == NULL)
		return sim->nbuses == 1 ? sim->buses : NULL;
	for (b = sim->buses; b != NULL; b = b->next)
		if (strcmp(b->name, name) == 0)
			return b;
	return NULL;
}

static void
can_sim_log(struct can_sim *sim, const struct can_sim_bus *b, const struct can_msg *m)
{
	struct timespec ts;
	char frame[160], line[240];

	if (vhd_ctl_subscribers(sim->ctl) == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	can_msg_format(m, frame, sizeof(frame));
	snprintf(line, sizeof(line), "(%lld.%06ld) %s %s\n", (long long)ts.tv_sec,
		 ts.tv_nsec / 1000, b->name, frame);
	vhd_ctl_publish(sim->ctl, line);
}

/* Deliver @p m to every node of @p b but @p from. */
static void
can_sim_deliver(struct can_sim *sim, struct can_sim_bus *b, struct can_sim_node *from,
		const struct can_msg *m)
{
	struct can_sim_node *nd;

	for (nd = b->nodes; nd != NULL; nd = nd->next)
		if (nd != from)
			can_sim_queue(nd, CAN_EV_RX, m);
	if (from != NULL && from->late)
		can_sim_queue(from, CAN_EV_TX_DONE, m);
	can_sim_log(sim, b, m);
}

static void
can_sim_resume(struct can_sim *sim, struct can_sim_bus *b)
{
	unsigned int i;

	b->paused = false;
	for (i = 0; i < b->nheld; i++)
		can_sim_deliver(sim, b, b->held[i].from, &b->held[i].msg);
	b->nheld = 0;
}

static int
can_sim_bus_error(struct can_sim_bus *b, enum can_ev_type type)
{
	struct can_sim_node *nd;

	if (type != CAN_EV_BUSOFF && type != CAN_EV_RESTART)
		return -EINVAL;
	b->busoff = type == CAN_EV_BUSOFF;
	for (nd = b->nodes; nd != NULL; nd = nd->next)
		can_sim_queue(nd, type, NULL);
	return 0;
}

/* ---- control socket (its callbacks run under the lock) ---- */

static void
can_sim_command(void *arg, struct vhd_ctl_conn *c, char *line)
{
	struct can_sim *sim = arg;
	char *save = NULL, *tok[4];
	struct can_sim_bus *b;
	struct can_msg m;
	unsigned int n = 0;

	while (n < 4 && (tok[n] = strtok_r(n == 0 ? line : NULL, " \t", &save)) != NULL)
		n++;
	if (n == 0)
		return;
	if (strcmp(tok[0], "monitor") == 0 && n == 1) {
		vhd_ctl_subscribe(c);
		vhd_ctl_reply(c, "ok\n");
		return;
	}
	if (strcmp(tok[0], "send") == 0 && (n == 2 || n == 3)) {
		b = can_sim_find(sim, n == 3 ? tok[1] : NULL);
		if (b == NULL) {
			vhd_ctl_reply(c, n == 3 ? "error: no such bus\n" :
						  "error: several buses: name one\n");
			return;
		}
		if (can_msg_parse(tok[n - 1], &m) != 0) {
			vhd_ctl_reply(c, "error: bad frame\n");
			return;
		}
		if (b->busoff) {
			vhd_ctl_reply(c, "error: bus-off\n");
			return;
		}
		can_sim_deliver(sim, b, NULL, &m);
		vhd_ctl_reply(c, "ok\n");
		return;
	}
	if ((strcmp(tok[0], "pause") == 0 || strcmp(tok[0], "resume") == 0) && n <= 2) {
		b = can_sim_find(sim, n == 2 ? tok[1] : NULL);
		if (b == NULL) {
			vhd_ctl_reply(c, n == 2 ? "error: no such bus\n" :
						  "error: several buses: name one\n");
			return;
		}
		if (tok[0][0] == 'p')
			b->paused = true;
		else
			can_sim_resume(sim, b);
		vhd_ctl_reply(c, "ok\n");
		return;
	}
	if (strcmp(tok[0], "error") == 0 && (n == 2 || n == 3) &&
	    (strcmp(tok[1], "busoff") == 0 || strcmp(tok[1], "restart") == 0)) {
		b = can_sim_find(sim, n == 3 ? tok[2] : NULL);
		if (b == NULL) {
			vhd_ctl_reply(c, n == 3 ? "error: no such bus\n" :
						  "error: several buses: name one\n");
			return;
		}
		can_sim_bus_error(b, strcmp(tok[1], "busoff") == 0 ? CAN_EV_BUSOFF :
								     CAN_EV_RESTART);
		vhd_ctl_reply(c, "ok\n");
		return;
	}
	vhd_ctl_reply(c, "error: usage: send [BUS] FRAME | error busoff|restart [BUS] | "
			 "pause|resume [BUS] | monitor\n");
}

/* ---- port ops ---- */

static int
can_sim_event_fd(struct can_port *p)
{
	return can_sim_node_of(p)->epfd;
}

static int
can_sim_send(struct can_port *p, const struct can_msg *m)
{
	struct can_sim_node *nd = can_sim_node_of(p);
	struct can_sim *sim = nd->sim;
	int rc = 0;

	pthread_mutex_lock(&sim->lock);
	if (nd->bus->busoff) {
		rc = -ENETDOWN;
	} else if (nd->bus->paused) {
		/* A stalled bus: the frame waits, as in a controller's mailbox. */
		if (nd->bus->nheld == CAN_SIM_QUEUE_LEN) {
			rc = -EAGAIN;
		} else {
			nd->bus->held[nd->bus->nheld].from = nd;
			nd->bus->held[nd->bus->nheld++].msg = *m;
		}
	} else {
		can_sim_deliver(sim, nd->bus, nd, m);
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

static int
can_sim_next_event(struct can_port *p, struct can_ev *ev)
{
	struct can_sim_node *nd = can_sim_node_of(p);
	struct can_sim *sim = nd->sim;
	uint64_t cnt;
	int got = 0;

	pthread_mutex_lock(&sim->lock);
	if (nd->ctl_owner && sim->ctl != NULL)
		vhd_ctl_service(sim->ctl);
	if (nd->n > 0) {
		*ev = nd->q[nd->head];
		nd->head = (nd->head + 1) % CAN_SIM_QUEUE_LEN;
		if (--nd->n == 0 && read(nd->evfd, &cnt, sizeof(cnt)) < 0) {
			/* already clear */
		}
		got = 1;
	}
	pthread_mutex_unlock(&sim->lock);
	return got;
}

static void
can_sim_set_late_ack(struct can_port *p, bool on)
{
	struct can_sim_node *nd = can_sim_node_of(p);

	pthread_mutex_lock(&nd->sim->lock);
	nd->late = on;
	pthread_mutex_unlock(&nd->sim->lock);
}

static void
can_sim_port_destroy(struct can_port *p)
{
	struct can_sim_node *nd = can_sim_node_of(p);
	struct can_sim *sim = nd->sim;
	struct can_sim_node **pp;
	unsigned int i;

	pthread_mutex_lock(&sim->lock);
	for (i = 0; i < nd->bus->nheld; i++)
		if (nd->bus->held[i].from == nd)
			nd->bus->held[i].from = NULL;
	for (pp = &nd->bus->nodes; *pp != NULL; pp = &(*pp)->next)
		if (*pp == nd) {
			*pp = nd->next;
			break;
		}
	if (nd->ctl_owner)
		sim->ctl_watched = false;
	pthread_mutex_unlock(&sim->lock);
	if (nd->epfd >= 0)
		close(nd->epfd);
	if (nd->evfd >= 0)
		close(nd->evfd);
	free(nd);
}

static const struct can_port_ops can_sim_port_ops = {
	.destroy = can_sim_port_destroy,
	.event_fd = can_sim_event_fd,
	.send = can_sim_send,
	.next_event = can_sim_next_event,
	.set_late_ack = can_sim_set_late_ack,
};

static int
can_sim_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > CAN_SIM_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (name[i] <= ' ' || name[i] == '#' || name[i] == '(' || name[i] > '~')
			return 0;
	return 1;
}

int
can_sim_port_open(struct can_sim *sim, const char *bus, struct can_port **out)
{
	struct can_sim_node *nd;
	struct can_sim_bus *b;
	struct epoll_event ee;
	int rc = 0;

	if (!can_sim_name_ok(bus))
		return -EINVAL;
	nd = calloc(1, sizeof(*nd));
	if (nd == NULL)
		return -ENOMEM;
	nd->port.ops = &can_sim_port_ops;
	nd->sim = sim;
	nd->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	nd->epfd = epoll_create1(EPOLL_CLOEXEC);
	memset(&ee, 0, sizeof(ee));
	ee.events = EPOLLIN;
	if (nd->evfd < 0 || nd->epfd < 0 || epoll_ctl(nd->epfd, EPOLL_CTL_ADD, nd->evfd, &ee) != 0)
		rc = -errno;
	pthread_mutex_lock(&sim->lock);
	if (rc == 0 && sim->ctl != NULL && !sim->ctl_watched) {
		if (epoll_ctl(nd->epfd, EPOLL_CTL_ADD, vhd_ctl_fd(sim->ctl), &ee) == 0)
			nd->ctl_owner = sim->ctl_watched = true;
		else
			rc = -errno;
	}
	b = rc == 0 ? can_sim_find(sim, bus) : NULL;
	if (rc == 0 && b == NULL) {
		b = calloc(1, sizeof(*b));
		if (b == NULL) {
			rc = -ENOMEM;
		} else {
			snprintf(b->name, sizeof(b->name), "%s", bus);
			b->next = sim->buses;
			sim->buses = b;
			sim->nbuses++;
		}
	}
	if (rc == 0) {
		nd->bus = b;
		nd->next = b->nodes;
		b->nodes = nd;
	} else if (nd->ctl_owner) {
		sim->ctl_watched = false;
	}
	pthread_mutex_unlock(&sim->lock);
	if (rc != 0) {
		if (nd->epfd >= 0)
			close(nd->epfd);
		if (nd->evfd >= 0)
			close(nd->evfd);
		free(nd);
		return rc;
	}
	*out = &nd->port;
	return 0;
}

int
can_sim_inject(struct can_sim *sim, const char *bus, const struct can_msg *m)
{
	struct can_sim_bus *b;
	int rc = 0;

	pthread_mutex_lock(&sim->lock);
	b = can_sim_find(sim, bus);
	if (b == NULL)
		rc = -ENOENT;
	else if (b->busoff)
		rc = -ENETDOWN;
	else
		can_sim_deliver(sim, b, NULL, m);
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

int
can_sim_error(struct can_sim *sim, const char *bus, enum can_ev_type type)
{
	struct can_sim_bus *b;
	int rc;

	pthread_mutex_lock(&sim->lock);
	b = can_sim_find(sim, bus);
	rc = b == NULL ? -ENOENT : can_sim_bus_error(b, type);
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

int
can_sim_pause(struct can_sim *sim, const char *bus, bool on)
{
	struct can_sim_bus *b;
	int rc = 0;

	pthread_mutex_lock(&sim->lock);
	b = can_sim_find(sim, bus);
	if (b == NULL)
		rc = -ENOENT;
	else if (on)
		b->paused = true;
	else
		can_sim_resume(sim, b);
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

uint64_t
can_sim_port_dropped(struct can_port *p)
{
	struct can_sim_node *nd = can_sim_node_of(p);
	uint64_t v;

	pthread_mutex_lock(&nd->sim->lock);
	v = nd->dropped;
	pthread_mutex_unlock(&nd->sim->lock);
	return v;
}

int
can_sim_create(const char *ctl_path, struct can_sim **out)
{
	struct can_sim *sim = calloc(1, sizeof(*sim));
	int rc;

	if (sim == NULL)
		return -ENOMEM;
	pthread_mutex_init(&sim->lock, NULL);
	if (ctl_path != NULL) {
		rc = vhd_ctl_open(ctl_path, can_sim_command, sim, &sim->ctl);
		if (rc != 0) {
			pthread_mutex_destroy(&sim->lock);
			free(sim);
			return rc;
		}
	}
	*out = sim;
	return 0;
}

void
can_sim_destroy(struct can_sim *sim)
{
	struct can_sim_bus *b, *next;

	if (sim == NULL)
		return;
	vhd_ctl_close(sim->ctl);
	for (b = sim->buses; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	pthread_mutex_destroy(&sim->lock);
	free(sim);
}
