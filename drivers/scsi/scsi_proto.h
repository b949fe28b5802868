/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-scsi wire format (VIRTIO 1.3, "SCSI Host Device") and the SCSI
 * constants (SPC-4, SBC-3) the target uses. All multi-byte virtio fields
 * are little endian; SCSI CDB and parameter data are big endian.
 */

#ifndef SCSI_PROTO_H
#define SCSI_PROTO_H

#include <stdint.h>

/** virtio device id. */
#define SCSI_VIRTIO_ID 8

/* Feature bits. */
#define VIRTIO_SCSI_F_INOUT 0
#define VIRTIO_SCSI_F_HOTPLUG 1
#define VIRTIO_SCSI_F_CHANGE 2
#define VIRTIO_SCSI_F_T10_PI 3

/* Queues. */
#define SCSI_Q_CTRL 0
#define SCSI_Q_EVENT 1
#define SCSI_Q_REQ0 2

/** CDB and sense sizes: QEMU's vhost-user-scsi refuses any other. */
#define SCSI_CDB_SIZE 32
#define SCSI_SENSE_SIZE 96

/** Command request header (readable). */
struct virtio_scsi_cmd_req {
	uint8_t lun[8];
	uint64_t tag; /**< le64 */
	uint8_t task_attr;
	uint8_t prio;
	uint8_t crn;
	uint8_t cdb[SCSI_CDB_SIZE];
} __attribute__((packed));

/** Command response header (writable). */
struct virtio_scsi_cmd_resp {
	uint32_t sense_len;
	uint32_t resid;
	uint16_t status_qualifier;
	uint8_t status;
	uint8_t response;
	uint8_t sense[SCSI_SENSE_SIZE];
} __attribute__((packed));

#define SCSI_REQ_HDR ((uint32_t)sizeof(struct virtio_scsi_cmd_req))   /* 51 */
#define SCSI_RESP_HDR ((uint32_t)sizeof(struct virtio_scsi_cmd_resp)) /* 108 */

/* response values */
#define VIRTIO_SCSI_S_OK 0
#define VIRTIO_SCSI_S_FUNCTION_COMPLETE 0
#define VIRTIO_SCSI_S_OVERRUN 1
#define VIRTIO_SCSI_S_ABORTED 2
#define VIRTIO_SCSI_S_BAD_TARGET 3
#define VIRTIO_SCSI_S_RESET 4
#define VIRTIO_SCSI_S_BUSY 5
#define VIRTIO_SCSI_S_TRANSPORT_FAILURE 6
#define VIRTIO_SCSI_S_TARGET_FAILURE 7
#define VIRTIO_SCSI_S_NEXUS_FAILURE 8
#define VIRTIO_SCSI_S_FAILURE 9
#define VIRTIO_SCSI_S_FUNCTION_SUCCEEDED 10
#define VIRTIO_SCSI_S_FUNCTION_REJECTED 11
#define VIRTIO_SCSI_S_INCORRECT_LUN 12

/* control queue */
#define VIRTIO_SCSI_T_TMF 0
#define VIRTIO_SCSI_T_AN_QUERY 1
#define VIRTIO_SCSI_T_AN_SUBSCRIBE 2

#define VIRTIO_SCSI_T_TMF_ABORT_TASK 0
#define VIRTIO_SCSI_T_TMF_ABORT_TASK_SET 1
#define VIRTIO_SCSI_T_TMF_CLEAR_ACA 2
#define VIRTIO_SCSI_T_TMF_CLEAR_TASK_SET 3
#define VIRTIO_SCSI_T_TMF_I_T_NEXUS_RESET 4
#define VIRTIO_SCSI_T_TMF_LOGICAL_UNIT_RESET 5
#define VIRTIO_SCSI_T_TMF_QUERY_TASK 6
#define VIRTIO_SCSI_T_TMF_QUERY_TASK_SET 7

/** TMF request (readable); the writable part is one response byte. */
struct virtio_scsi_ctrl_tmf {
	uint32_t type;
	uint32_t subtype;
	uint8_t lun[8];
	uint64_t tag;
} __attribute__((packed));

/** AN query/subscribe (readable). */
struct virtio_scsi_ctrl_an {
	uint32_t type;
	uint8_t lun[8];
	uint32_t event_requested;
} __attribute__((packed));

/** AN reply (writable). */
struct virtio_scsi_ctrl_an_resp {
	uint32_t event_actual;
	uint8_t response;
} __attribute__((packed));

/* event queue */
#define VIRTIO_SCSI_T_NO_EVENT 0
#define VIRTIO_SCSI_T_TRANSPORT_RESET 1
#define VIRTIO_SCSI_T_ASYNC_NOTIFY 2
#define VIRTIO_SCSI_T_PARAM_CHANGE 3
#define VIRTIO_SCSI_T_EVENTS_MISSED 0x80000000u

#define VIRTIO_SCSI_EVT_RESET_HARD 0
#define VIRTIO_SCSI_EVT_RESET_RESCAN 1
#define VIRTIO_SCSI_EVT_RESET_REMOVED 2

/** One event (writable). */
struct virtio_scsi_event {
	uint32_t event;
	uint8_t lun[8];
	uint32_t reason;
} __attribute__((packed));

/** Config space. */
struct virtio_scsi_config {
	uint32_t num_queues;
	uint32_t seg_max;
	uint32_t max_sectors;
	uint32_t cmd_per_lun;
	uint32_t event_info_size;
	uint32_t sense_size;
	uint32_t cdb_size;
	uint16_t max_channel;
	uint16_t max_target;
	uint32_t max_lun;
} __attribute__((packed));

/* SAM status */
#define SAM_GOOD 0x00
#define SAM_CHECK_CONDITION 0x02
#define SAM_BUSY 0x08
#define SAM_TASK_ABORTED 0x40

/* sense keys */
#define SK_NO_SENSE 0x0
#define SK_NOT_READY 0x2
#define SK_MEDIUM_ERROR 0x3
#define SK_HARDWARE_ERROR 0x4
#define SK_ILLEGAL_REQUEST 0x5
#define SK_UNIT_ATTENTION 0x6
#define SK_DATA_PROTECT 0x7
#define SK_ABORTED_COMMAND 0xb
#define SK_MISCOMPARE 0xe

/** A sense triple: key, additional sense code, qualifier. */
struct scsi_sense {
	uint8_t key, asc, ascq;
};

#define SENSE_NONE ((struct scsi_sense){SK_NO_SENSE, 0x00, 0x00})
#define SENSE_INVALID_OPCODE ((struct scsi_sense){SK_ILLEGAL_REQUEST, 0x20, 0x00})
#define SENSE_LBA_OUT_OF_RANGE ((struct scsi_sense){SK_ILLEGAL_REQUEST, 0x21, 0x00})
#define SENSE_INVALID_FIELD_CDB ((struct scsi_sense){SK_ILLEGAL_REQUEST, 0x24, 0x00})
#define SENSE_LUN_NOT_SUPPORTED ((struct scsi_sense){SK_ILLEGAL_REQUEST, 0x25, 0x00})
#define SENSE_INVALID_FIELD_PARAM ((struct scsi_sense){SK_ILLEGAL_REQUEST, 0x26, 0x00})
#define SENSE_PARAM_LIST_LENGTH ((struct scsi_sense){SK_ILLEGAL_REQUEST, 0x1a, 0x00})
#define SENSE_SAVING_NOT_SUPPORTED ((struct scsi_sense){SK_ILLEGAL_REQUEST, 0x39, 0x00})
#define SENSE_WRITE_PROTECTED ((struct scsi_sense){SK_DATA_PROTECT, 0x27, 0x00})
#define SENSE_READ_ERROR ((struct scsi_sense){SK_MEDIUM_ERROR, 0x11, 0x00})
#define SENSE_WRITE_ERROR ((struct scsi_sense){SK_MEDIUM_ERROR, 0x0c, 0x00})
#define SENSE_SPACE_ALLOC_FAILED ((struct scsi_sense){SK_DATA_PROTECT, 0x27, 0x07})
#define SENSE_INTERNAL_FAILURE ((struct scsi_sense){SK_HARDWARE_ERROR, 0x44, 0x00})
#define SENSE_LUNS_CHANGED ((struct scsi_sense){SK_UNIT_ATTENTION, 0x3f, 0x0e})
#define SENSE_POWER_ON_RESET ((struct scsi_sense){SK_UNIT_ATTENTION, 0x29, 0x00})
#define SENSE_NEXUS_LOSS ((struct scsi_sense){SK_UNIT_ATTENTION, 0x29, 0x07})

/* opcodes */
#define OP_TEST_UNIT_READY 0x00
#define OP_REQUEST_SENSE 0x03
#define OP_READ_6 0x08
#define OP_WRITE_6 0x0a
#define OP_INQUIRY 0x12
#define OP_MODE_SELECT_6 0x15
#define OP_MODE_SENSE_6 0x1a
#define OP_START_STOP_UNIT 0x1b
#define OP_PREVENT_ALLOW 0x1e
#define OP_READ_CAPACITY_10 0x25
#define OP_READ_10 0x28
#define OP_WRITE_10 0x2a
#define OP_VERIFY_10 0x2f
#define OP_SYNC_CACHE_10 0x35
#define OP_WRITE_SAME_10 0x41
#define OP_UNMAP 0x42
#define OP_MODE_SELECT_10 0x55
#define OP_MODE_SENSE_10 0x5a
#define OP_READ_16 0x88
#define OP_WRITE_16 0x8a
#define OP_VERIFY_16 0x8f
#define OP_SYNC_CACHE_16 0x91
#define OP_WRITE_SAME_16 0x93
#define OP_SERVICE_ACTION_IN_16 0x9e
#define OP_REPORT_LUNS 0xa0
#define OP_MAINTENANCE_IN 0xa3
#define OP_READ_12 0xa8
#define OP_WRITE_12 0xaa
#define OP_VERIFY_12 0xaf

#define SAI_READ_CAPACITY_16 0x10
#define MI_REPORT_SUPPORTED_OPCODES 0x0c

#endif /* SCSI_PROTO_H */
