/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * The virtio-scsi device (id 8): one target (0) with up to 256 LUNs, each
 * an image file, a block device or a RAM image (scsi_lun.h).
 *
 * Queues: control (0), event (1), request queues (2..2+N-1), all on the
 * device's worker.
 *  - request: a command header (struct virtio_scsi_cmd_req) and data-out
 *    readable, then the response header (struct virtio_scsi_cmd_resp) and
 *    data-in writable. Medium access goes through the host's io_uring
 *    service (many commands in flight per queue, completed in any order);
 *    everything else is answered on the spot. A command whose data does
 *    not fit the guest's buffers gets VIRTIO_SCSI_S_OVERRUN and moves no
 *    data; residuals are the buffer bytes not transferred.
 *  - control: task management (abort, abort/clear task set, LUN and I_T
 *    nexus reset, query task/task set): affected commands still at the
 *    host complete as VIRTIO_SCSI_S_ABORTED and the TMF is answered once
 *    they have; AN query/subscribe answered with no events supported.
 *  - event: buffers are held and filled with TRANSPORT_RESET events
 *    (RESCAN / REMOVED) when a LUN is attached or detached at run time.
 * Unit attention: a LUN attached while a driver is up reports POWER ON,
 * RESET (29h/00h) on its next command, the others REPORTED LUNS DATA HAS
 * CHANGED (3Fh/0Eh); LOGICAL UNIT RESET leaves 29h/00h, I_T NEXUS RESET
 * I_T NEXUS LOSS (29h/07h). INQUIRY, REPORT LUNS and REQUEST SENSE are
 * not failed by them; REQUEST SENSE returns and clears one, REPORT LUNS
 * clears 3Fh/0Eh.
 * Malformed chains: a response header that does not fit gets used length
 * 0 (counted as dropped); a short command header VIRTIO_SCSI_S_FAILURE;
 * a bad LUN encoding VIRTIO_SCSI_S_BAD_TARGET.
 */

#ifndef SCSI_H
#define SCSI_H

#include <stdbool.h>
#include <stdint.h>

#include "scsi_lun.h"
#include "scsi_proto.h"
#include "vhd_device.h"

/** Most request queues (QEMU num_queues). */
#define SCSI_MAX_REQ_QUEUES 16
/** Commands at the host at once, per device. */
#define SCSI_MAX_TASKS 256
/** TMFs waiting for aborted commands at once. */
#define SCSI_MAX_TMF 8
/** Event buffers held. */
#define SCSI_MAX_EVBUFS 64
/** Events kept while the guest has no event buffer posted. */
#define SCSI_MAX_PENDING_EVENTS 16

/** Driver counters (telemetry). */
struct scsi_stats {
	uint64_t commands, reads, writes, read_bytes, write_bytes;
	uint64_t write_sames, unmaps, syncs, emulated;
	uint64_t check_conditions, overruns, io_errors;
	uint64_t bad_requests;  /**< malformed headers, answered with an error response */
	uint64_t dropped;       /**< no room for any response: used length 0 */
	uint64_t retries;       /**< out of task slots or host I/O depth: left on the ring */
	uint64_t tmfs, aborted, an_queries;
	uint64_t events, events_missed;
	uint64_t unit_attentions; /**< CHECK CONDITIONs reporting a unit attention */
};

struct scsi_task;
struct vhd_ctl;

/** Where an event buffer the guest posted is. */
struct scsi_evbuf {
	struct vhd_vq *vq;
	uint16_t id;
	uint16_t n;
	struct iovec iov[16];
};

/** A TMF waiting for the commands it aborted. */
struct scsi_tmf {
	bool busy;
	struct vhd_vq *vq;
	uint16_t id;
	uint8_t *resp;   /**< the response byte in guest memory */
	uint32_t waiting;
};

/** One device instance. */
struct scsi_dev {
	/** This instance's ops (its queue count): hand &ops to the host. */
	struct vhd_device_ops ops;
	struct vhd_host *host;
	uint16_t nreq;
	uint64_t features;
	/** a driver is up (features set, no reset since): it hears of changes by unit attention */
	bool nexus;
	/** LUN i of target 0, or NULL; owned by the device. */
	struct scsi_lun *luns[SCSI_MAX_LUNS];
	struct scsi_task *tasks;
	uint16_t free_tasks[SCSI_MAX_TASKS];
	uint16_t nfree;
	struct scsi_tmf tmf[SCSI_MAX_TMF];
	struct scsi_evbuf evbufs[SCSI_MAX_EVBUFS];
	uint16_t ev_head, ev_count;
	struct virtio_scsi_event pending[SCSI_MAX_PENDING_EVENTS];
	uint16_t npending;
	bool missed;
	/* the command being handled: where its task goes back */
	struct vhd_vq *cur_vq;
	uint64_t cur_tag;
	uint16_t cur_lun;
	/** --control socket, or NULL; images it attaches start from these options */
	struct vhd_ctl *ctl;
	struct scsi_lun_spec ctl_defaults;
	struct scsi_stats stats;
};

/**
 * Set up @p dev with @p nreq request queues (1..SCSI_MAX_REQ_QUEUES) of at
 * most @p max_queue_size entries.
 * @return 0 or -ENOMEM / -EINVAL.
 */
int scsi_dev_init(struct scsi_dev *dev, uint16_t nreq, uint16_t max_queue_size);

/** Close every LUN and free what init allocated. */
void scsi_dev_fini(struct scsi_dev *dev);

/**
 * Put @p l at LUN @p idx (the device owns it from then on). While serving
 * (on the worker), the guest is told with a TRANSPORT_RESET/RESCAN event.
 * @return 0, -EINVAL for a bad index, -EEXIST when the LUN is taken.
 */
int scsi_dev_attach(struct scsi_dev *dev, unsigned int idx, struct scsi_lun *l);

/**
 * Remove LUN @p idx; commands still at the host finish first, then it is
 * closed. The guest is told with TRANSPORT_RESET/REMOVED.
 * @return 0, -EINVAL for a bad index, -ENOENT when there is none.
 */
int scsi_dev_detach(struct scsi_dev *dev, unsigned int idx);

/**
 * Serve a control socket at @p path (attach/detach/list, see scsi_ctl.c);
 * images attached through it start from @p defaults. Call before serving.
 * @return 0 or a negative errno.
 */
int scsi_dev_control(struct scsi_dev *dev, const char *path, const struct scsi_lun_spec *defaults);

/** Watch the control socket on the host's worker (from attach()). */
void scsi_dev_control_watch(struct scsi_dev *dev);

/** Close the control socket (NULL-safe). */
void scsi_dev_control_close(struct scsi_dev *dev);

/** The ops every instance starts from (num_queues is per instance). */
extern const struct vhd_device_ops scsi_ops_base;

#endif /* SCSI_H */
