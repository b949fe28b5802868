/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-snd wire format (VIRTIO 1.3, "Sound Device"): device id 25, queues
 * controlq, eventq, txq, rxq. Every field is little endian.
 */

#ifndef SOUND_PROTO_H
#define SOUND_PROTO_H

#include <stdint.h>

/** Device id of virtio-snd. */
#define SOUND_VIRTIO_ID 25

/** Queues. */
enum { SOUND_Q_CTL = 0, SOUND_Q_EVT, SOUND_Q_TX, SOUND_Q_RX, SOUND_NUM_QUEUES };

/** Device feature: control elements. */
#define SOUND_F_CTLS 0

/** Request codes, event codes, status codes. */
enum {
	VSND_R_JACK_INFO = 1,
	VSND_R_JACK_REMAP,
	VSND_R_PCM_INFO = 0x0100,
	VSND_R_PCM_SET_PARAMS,
	VSND_R_PCM_PREPARE,
	VSND_R_PCM_RELEASE,
	VSND_R_PCM_START,
	VSND_R_PCM_STOP,
	VSND_R_CHMAP_INFO = 0x0200,
	VSND_R_CTL_INFO = 0x0300,
	VSND_R_CTL_ENUM_ITEMS,
	VSND_R_CTL_READ,
	VSND_R_CTL_WRITE,
	VSND_R_CTL_TLV_READ,
	VSND_R_CTL_TLV_WRITE,
	VSND_R_CTL_TLV_COMMAND,
	VSND_EVT_JACK_CONNECTED = 0x1000,
	VSND_EVT_JACK_DISCONNECTED,
	VSND_EVT_PCM_PERIOD_ELAPSED = 0x1100,
	VSND_EVT_PCM_XRUN,
	VSND_EVT_CTL_NOTIFY = 0x1200,
	VSND_S_OK = 0x8000,
	VSND_S_BAD_MSG,
	VSND_S_NOT_SUPP,
	VSND_S_IO_ERR,
};

/** Data flow directions. */
enum { VSND_D_OUTPUT = 0, VSND_D_INPUT };

/** PCM stream features (pcm_info.features, set_params.features). */
enum {
	VSND_PCM_F_SHMEM_HOST = 0,
	VSND_PCM_F_SHMEM_GUEST,
	VSND_PCM_F_MSG_POLLING,
	VSND_PCM_F_EVT_SHMEM_PERIODS,
	VSND_PCM_F_EVT_XRUNS,
};

/** Sample formats. */
enum {
	VSND_PCM_FMT_IMA_ADPCM = 0,
	VSND_PCM_FMT_MU_LAW,
	VSND_PCM_FMT_A_LAW,
	VSND_PCM_FMT_S8,
	VSND_PCM_FMT_U8,
	VSND_PCM_FMT_S16,
	VSND_PCM_FMT_U16,
	VSND_PCM_FMT_S18_3,
	VSND_PCM_FMT_U18_3,
	VSND_PCM_FMT_S20_3,
	VSND_PCM_FMT_U20_3,
	VSND_PCM_FMT_S24_3,
	VSND_PCM_FMT_U24_3,
	VSND_PCM_FMT_S20,
	VSND_PCM_FMT_U20,
	VSND_PCM_FMT_S24,
	VSND_PCM_FMT_U24,
	VSND_PCM_FMT_S32,
	VSND_PCM_FMT_U32,
	VSND_PCM_FMT_FLOAT,
	VSND_PCM_FMT_FLOAT64,
	VSND_PCM_FMT_DSD_U8,
	VSND_PCM_FMT_DSD_U16,
	VSND_PCM_FMT_DSD_U32,
	VSND_PCM_FMT_IEC958_SUBFRAME,
	VSND_PCM_FMT_COUNT
};

/** Frame rates (indices, not Hz). */
enum {
	VSND_PCM_RATE_5512 = 0,
	VSND_PCM_RATE_8000,
	VSND_PCM_RATE_11025,
	VSND_PCM_RATE_16000,
	VSND_PCM_RATE_22050,
	VSND_PCM_RATE_32000,
	VSND_PCM_RATE_44100,
	VSND_PCM_RATE_48000,
	VSND_PCM_RATE_64000,
	VSND_PCM_RATE_88200,
	VSND_PCM_RATE_96000,
	VSND_PCM_RATE_176400,
	VSND_PCM_RATE_192000,
	VSND_PCM_RATE_384000,
	VSND_PCM_RATE_12000,
	VSND_PCM_RATE_24000,
	VSND_PCM_RATE_COUNT
};

/** Jack features. */
#define VSND_JACK_F_REMAP 0

/** Channel positions used by our channel maps. */
enum {
	VSND_CHMAP_NONE = 0,
	VSND_CHMAP_NA,
	VSND_CHMAP_MONO,
	VSND_CHMAP_FL,
	VSND_CHMAP_FR,
	VSND_CHMAP_RL,
	VSND_CHMAP_RR,
	VSND_CHMAP_FC,
	VSND_CHMAP_LFE,
	VSND_CHMAP_SL,
	VSND_CHMAP_SR,
};

/** Most positions of a channel map. */
#define VSND_CHMAP_MAX_SIZE 18

/** Control element roles, types, access bits. */
enum { VSND_CTL_ROLE_UNDEFINED = 0, VSND_CTL_ROLE_VOLUME, VSND_CTL_ROLE_MUTE, VSND_CTL_ROLE_GAIN };
enum {
	VSND_CTL_TYPE_BOOLEAN = 0,
	VSND_CTL_TYPE_INTEGER,
	VSND_CTL_TYPE_INTEGER64,
	VSND_CTL_TYPE_ENUMERATED,
	VSND_CTL_TYPE_BYTES,
	VSND_CTL_TYPE_IEC958,
};
enum {
	VSND_CTL_ACCESS_READ = 0,
	VSND_CTL_ACCESS_WRITE,
	VSND_CTL_ACCESS_VOLATILE,
	VSND_CTL_ACCESS_INACTIVE,
	VSND_CTL_ACCESS_TLV_READ,
	VSND_CTL_ACCESS_TLV_WRITE,
	VSND_CTL_ACCESS_TLV_COMMAND,
};
/** Control notification mask bits. */
enum { VSND_CTL_EVT_MASK_VALUE = 0, VSND_CTL_EVT_MASK_INFO, VSND_CTL_EVT_MASK_TLV };

/** Config space. */
struct snd_config {
	uint32_t jacks;
	uint32_t streams;
	uint32_t chmaps;
	uint32_t controls; /**< only with SOUND_F_CTLS (QEMU exposes 12 bytes without it) */
} __attribute__((packed));

struct snd_hdr {
	uint32_t code;
} __attribute__((packed));

struct snd_event {
	struct snd_hdr hdr;
	uint32_t data;
} __attribute__((packed));

struct snd_query_info {
	struct snd_hdr hdr;
	uint32_t start_id;
	uint32_t count;
	uint32_t size;
} __attribute__((packed));

struct snd_jack_hdr {
	struct snd_hdr hdr;
	uint32_t jack_id;
} __attribute__((packed));

struct snd_jack_info {
	uint32_t hda_fn_nid;
	uint32_t features;
	uint32_t hda_reg_defconf;
	uint32_t hda_reg_caps;
	uint8_t connected;
	uint8_t padding[7];
} __attribute__((packed));

struct snd_jack_remap {
	struct snd_jack_hdr hdr;
	uint32_t association;
	uint32_t sequence;
} __attribute__((packed));

struct snd_pcm_hdr {
	struct snd_hdr hdr;
	uint32_t stream_id;
} __attribute__((packed));

struct snd_pcm_info {
	uint32_t hda_fn_nid;
	uint32_t features;
	uint64_t formats;
	uint64_t rates;
	uint8_t direction;
	uint8_t channels_min;
	uint8_t channels_max;
	uint8_t padding[5];
} __attribute__((packed));

struct snd_pcm_set_params {
	struct snd_pcm_hdr hdr;
	uint32_t buffer_bytes;
	uint32_t period_bytes;
	uint32_t features;
	uint8_t channels;
	uint8_t format;
	uint8_t rate;
	uint8_t padding;
} __attribute__((packed));

struct snd_pcm_xfer {
	uint32_t stream_id;
} __attribute__((packed));

struct snd_pcm_status {
	uint32_t status;
	uint32_t latency_bytes;
} __attribute__((packed));

struct snd_chmap_info {
	uint32_t hda_fn_nid;
	uint8_t direction;
	uint8_t channels;
	uint8_t positions[VSND_CHMAP_MAX_SIZE];
} __attribute__((packed));

struct snd_ctl_hdr {
	struct snd_hdr hdr;
	uint32_t control_id;
} __attribute__((packed));

struct snd_ctl_info {
	uint32_t hda_fn_nid;
	uint32_t role;
	uint32_t type;
	uint32_t access;
	uint32_t count;
	uint32_t index;
	uint8_t name[44];
	/* the union holds le64 members: naturally aligned at 72 (Linux's layout, 96 bytes) */
	uint32_t padding;
	union {
		struct {
			uint32_t min, max, step;
		} integer;
		struct {
			uint64_t min, max, step;
		} integer64;
		struct {
			uint32_t items;
		} enumerated;
	} value;
} __attribute__((packed));

_Static_assert(sizeof(struct snd_ctl_info) == 96, "virtio_snd_ctl_info is 96 bytes");

/** struct virtio_snd_ctl_value: the largest member is 512 bytes. */
#define VSND_CTL_VALUE_SIZE 512

struct snd_ctl_event {
	struct snd_hdr hdr;
	uint16_t control_id;
	uint16_t mask;
} __attribute__((packed));

struct snd_ctl_tlv {
	uint32_t type;
	uint32_t length;
} __attribute__((packed));

#endif /* SOUND_PROTO_H */
