/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Private state of the rte_vhost host, shared by its files. Two kinds of
 * threads touch a device: its worker lcore (rings, driver callbacks) and the
 * control threads (rte_vhost's message thread, telemetry). The control side
 * never touches rings while the worker may: it first holds the device off
 * with vhd_dev_pause(), which waits until the worker is outside the device.
 */

#ifndef VHD_INTERNAL_H
#define VHD_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vhd_msg.h"
#include "vhd_services.h"
#include "vhd_spin.h"
#include "vhd_vhost.h"

#define VHD_MAX_DEVS 128
#define VHD_MAX_QUEUES 16
#define VHD_MAX_WATCH 64
#define VHD_MAX_WORKERS 64

/** What an epoll event points at. */
enum vhd_ev_kind { VHD_EV_KICK, VHD_EV_WATCH, VHD_EV_WAKE, VHD_EV_URING, VHD_EV_TIMER };

struct vhd_dev;
struct vhd_worker;

struct vhd_ev {
	enum vhd_ev_kind kind;
	struct vhd_dev *dev;
	unsigned int idx; /* queue or watch slot */
};

/** Queue life cycle, see vhd_dev.c. */
enum vhd_q_state {
	VHD_Q_STOPPED, /* no driver state: next enable starts from rte_vhost's base */
	VHD_Q_PAUSED,  /* ring not ready (fds changing): driver state kept */
	VHD_Q_RUNNING, /* serviced by the worker */
};

struct vhd_queue {
	enum vhd_q_state state;
	bool retry;     /* driver asked to retry later: do not spin on it */
	bool stale;     /* paused across a memory table change: ring pointers dead */
	int kick_fd;    /* our dup of rte_vhost's kickfd, or -1 */
	int call_fd;    /* our dup of rte_vhost's callfd, or -1 */
	struct vhd_ev ev;
	struct vhd_vq vq;
	struct vhd_vq_track track; /* in-flight hooks (vhd_inflight.c) */
	bool resubmitted;          /* this connection's in-flight list was handed over */
	/* packed rings (vhd_inflight.c) */
	uint16_t *pk_entry;        /* per buffer id: its head entry in the area, or UINT16_MAX */
	uint16_t pk_nid;           /* entries of pk_entry */
	uint64_t pk_counter;       /* order of the chains taken */
	bool pk_area_used;         /* at SET_VRING_KICK the area held an earlier backend's state */
	bool pk_kicked;            /* this connection sent a kick fd for it */
};

struct vhd_watch {
	int fd;
	uint32_t events;
	vhd_fd_cb cb;
	void *arg;
	struct vhd_ev ev;
};

struct vhd_dev {
	unsigned int id;
	char path[PATH_MAX];
	const struct vhd_device_ops *ops;
	void *priv;
	struct vhd_common_opts opts;
	int log_type;
	struct vhd_worker *worker;
	struct vhd_host host;
	pthread_mutex_t ctl;       /* serialises control-side changes */
	/* connection */
	int vid;                   /* -1 when no frontend is connected */
	uint64_t features;
	bool features_told;
	uint32_t restart_mask;     /* queues to restart after SET_MEM_TABLE */
	struct vhd_mem mem;
	struct vhd_queue q[VHD_MAX_QUEUES];
	struct vhd_watch watch[VHD_MAX_WATCH];
	/* worker/control handshake */
	int pause;                 /* >0: worker stays out */
	int busy;                  /* worker is inside */
	/* worker-only */
	uint64_t last_busy_tsc;
	bool sleeping;             /* kicks armed for sleep */
	/* The driver called wake(): its retried queues are worth another try
	 * even when the worker's wake eventfd was drained meanwhile. */
	bool woken;
	struct vhd_spin spin;      /* interrupt mode: polling window before sleeping */
	/* driver services (vhd_host_svc.c) */
	struct vhd_timer_heap timers; /* device side */
	struct vhd_ioq ioq;
	struct vhd_offq offq;
	/* counters kept outside the queues */
	uint64_t rejected_conns;
	uint64_t connections;
	uint64_t held_dropped;     /* held completions a dead ring could not take */
	bool watches_off;          /* driver fds disarmed while a queue is paused */
	struct vhd_msg_state msg;  /* message validator, vhd_msg.c */
	uint64_t config_changes;   /* backend-channel notifications sent */
	uint64_t resubmitted;      /* chains in flight before a restart, handed back */
	int inflight_fd;           /* the area we made at the last GET_INFLIGHT_FD, or -1 */
	bool state_told;           /* restart_state() called on this connection */
	uint64_t config_changes_skipped; /* not sent: the channel was full */
};

struct vhd_worker {
	unsigned int lcore;
	int epfd;
	int wake_fd;
	struct vhd_ev wake_ev;
	struct vhd_dev *devs[VHD_MAX_DEVS];
	unsigned int ndevs;
	struct vhd_req *req;
	uint64_t sleeps;
	unsigned int nwatch;       /* fds watched by its drivers */
	/* driver services (vhd_host_svc.c) */
	struct vhd_uring uring;
	struct vhd_ev uring_ev;
	int timer_fd;              /* absolute CLOCK_MONOTONIC wake-up while asleep */
	struct vhd_ev timer_ev;
	uint64_t timer_armed;      /* deadline timer_fd holds, UINT64_MAX for none */
	int asleep;                /* about to sleep or sleeping: helpers must wake it */
};

/* vhd_dev.c */
extern struct vhd_dev *vhd_devs[VHD_MAX_DEVS];
extern unsigned int vhd_ndevs;
void vhd_dev_pause(struct vhd_dev *dev);
void vhd_dev_resume(struct vhd_dev *dev);
void vhd_dev_unregister_all(void);
bool vhd_dev_must_poll(const struct vhd_dev *dev);

/* vhd_worker.c */
extern volatile int vhd_stopping;
struct vhd_worker *vhd_worker_assign(struct vhd_dev *dev, int lcore);
void vhd_worker_wake(struct vhd_worker *w);
void vhd_worker_wake_all(void);
int vhd_worker_loop(void *arg);
void vhd_workers_launch(void);
void vhd_workers_join(void);
struct vhd_worker *vhd_main_worker(void);
bool vhd_dev_enter(struct vhd_dev *dev);
void vhd_dev_leave(struct vhd_dev *dev);

/* vhd_host_svc.c: timers, async I/O, offload and config-change for drivers */
int vhd_svc_worker_init(struct vhd_worker *w);
void vhd_svc_dev_init(struct vhd_dev *dev);
void vhd_svc_host_init(struct vhd_host *host);
/** Device entered: run due timers and completions. @return callbacks run. */
unsigned int vhd_svc_run(struct vhd_dev *dev);
/** Device entered: completions wait; *deadline lowered to its earliest timer. */
bool vhd_svc_pending(struct vhd_dev *dev, uint64_t *deadline);
/** Worker: submit queued I/O, take completions. */
void vhd_svc_worker_turn(struct vhd_worker *w);
/** Worker, before sleeping: wake-up at @p deadline (UINT64_MAX: none). */
void vhd_svc_worker_sleep(struct vhd_worker *w, uint64_t deadline);
/** Worker: an event of kind VHD_EV_URING or VHD_EV_TIMER. */
void vhd_svc_worker_event(struct vhd_worker *w, enum vhd_ev_kind kind);
/** Control side, device paused: finish in-flight I/O and offloaded calls. */
void vhd_svc_drain(struct vhd_dev *dev);
/** After the workers stopped. */
void vhd_svc_shutdown(void);
uint64_t vhd_now_ns(void);

/* vhd_inflight.c: in-flight tracking for backend restart */
/** New connection: its in-flight list is still to hand over. */
void vhd_inflight_conn_reset(struct vhd_dev *dev);
/** Queue set up (device paused): track it, resubmit what a dead backend left.
 * @return 0, -1 when the queue must not run.
 */
int vhd_inflight_attach(struct vhd_dev *dev, uint16_t qi);
/** SET_VRING_KICK is about to make rte_vhost read queue @p qi's area: bound it. */
void vhd_inflight_sanitize(struct vhd_dev *dev, uint16_t qi);
/** GET_INFLIGHT_FD (checked): make the area ourselves when the driver keeps
 * restart state in it. @return an rte_vhost message result.
 */
int vhd_inflight_get(struct vhd_dev *dev, struct vhu_ctx *ctx);
/** Before the first queue_start() of a connection (device paused): the
 * driver's restart state. */
void vhd_inflight_state(struct vhd_dev *dev);
/** The connection ended (device paused): the state's memory goes away. */
void vhd_inflight_state_end(struct vhd_dev *dev);

/* vhd_telemetry.c */
void vhd_telemetry_init(void);

/*
 * --socket-fd (vhd_sockfd.c): check an inherited listening socket; a private
 * path to register the device on; then put the inherited socket in place of
 * rte_vhost's listener on that path and remove the path.
 */
int vhd_sockfd_check(int fd, char *err, size_t len);
int vhd_sockfd_private_path(char *path, size_t len);
int vhd_sockfd_adopt(const char *path, int fd);

/* vhd_help.c: the common options' help entries, {0} terminated. */
extern const struct vhd_opt_doc vhd_common_docs[];

#endif /* VHD_INTERNAL_H */
