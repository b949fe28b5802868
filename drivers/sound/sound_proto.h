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
	SND_R_JACK_INFO = 1,
	SND_R_JACK_REMAP,
	SND_R_PCM_INFO = 0x0100,
	SND_R_PCM_SET_PARAMS,
	SND_R_PCM_PREPARE,
	SND_R_PCM_RELEASE,
	SND_R_PCM_START,
	SND_R_PCM_STOP,
	SND_R_CHMAP_INFO = 0x0200,
	SND_R_CTL_INFO = 0x0300,
	SND_R_CTL_ENUM_ITEMS,
	SND_R_CTL_READ,
	SND_R_CTL_WRITE,
	SND_R_CTL_TLV_READ,
	SND_R_CTL_TLV_WRITE,
	SND_R_CTL_TLV_COMMAND,
	SND_EVT_JACK_CONNECTED = 0x1000,
	SND_EVT_JACK_DISCONNECTED,
	SND_EVT_PCM_PERIOD_ELAPSED = 0x1100,
	SND_EVT_PCM_XRUN,
	SND_EVT_CTL_NOTIFY = 0x1200,
	SND_S_OK = 0x8000,
	SND_S_BAD_MSG,
	SND_S_NOT_SUPP,
	SND_S_IO_ERR,
};

/** Data flow directions. */
enum { SND_D_OUTPUT = 0, SND_D_INPUT };

/** PCM stream features (pcm_info.features, set_params.features). */
enum {
	SND_PCM_F_SHMEM_HOST = 0,
	SND_PCM_F_SHMEM_GUEST,
	SND_PCM_F_MSG_POLLING,
	SND_PCM_F_EVT_SHMEM_PERIODS,
	SND_PCM_F_EVT_XRUNS,
};

/** Sample formats. */
enum {
	SND_PCM_FMT_IMA_ADPCM = 0,
	SND_PCM_FMT_MU_LAW,
	SND_PCM_FMT_A_LAW,
	SND_PCM_FMT_S8,
	SND_PCM_FMT_U8,
	SND_PCM_FMT_S16,
	SND_PCM_FMT_U16,
	SND_PCM_FMT_S18_3,
	SND_PCM_FMT_U18_3,
	SND_PCM_FMT_S20_3,
	SND_PCM_FMT_U20_3,
	SND_PCM_FMT_S24_3,
	SND_PCM_FMT_U24_3,
	SND_PCM_FMT_S20,
	SND_PCM_FMT_U20,
	SND_PCM_FMT_S24,
	SND_PCM_FMT_U24,
	SND_PCM_FMT_S32,
	SND_PCM_FMT_U32,
	SND_PCM_FMT_FLOAT,
	SND_PCM_FMT_FLOAT64,
	SND_PCM_FMT_DSD_U8,
	SND_PCM_FMT_DSD_U16,
	SND_PCM_FMT_DSD_U32,
	SND_PCM_FMT_IEC958_SUBFRAME,
	SND_PCM_FMT_COUNT
};

/** Frame rates (indices, not Hz). */
enum {
	SND_PCM_RATE_5512 = 0,
	SND_PCM_RATE_8000,
	SND_PCM_RATE_11025,
	SND_PCM_RATE_16000,
	SND_PCM_RATE_22050,
	SND_PCM_RATE_32000,
	SND_PCM_RATE_44100,
	SND_PCM_RATE_48000,
	SND_PCM_RATE_64000,
	SND_PCM_RATE_88200,
	SND_PCM_RATE_96000,
	SND_PCM_RATE_176400,
	SND_PCM_RATE_192000,
	SND_PCM_RATE_384000,
	SND_PCM_RATE_12000,
	SND_PCM_RATE_24000,
	SND_PCM_RATE_COUNT
};

/** Jack features. */
#define SND_JACK_F_REMAP 0

/** Channel positions used by our channel maps. */
enum {
	SND_CHMAP_NONE = 0,
	SND_CHMAP_NA,
	SND_CHMAP_MONO,
	SND_CHMAP_FL,
	SND_CHMAP_FR,
	SND_CHMAP_RL,
	SND_CHMAP_RR,
	SND_CHMAP_FC,
	SND_CHMAP_LFE,
	SND_CHMAP_SL,
	SND_CHMAP_SR,
};

/** Most positions of a channel map. */
#define SND_CHMAP_MAX_SIZE 18

/** Control element roles, types, access bits. */
enum { SND_CTL_ROLE_UNDEFINED = 0, SND_CTL_ROLE_VOLUME, SND_CTL_ROLE_MUTE, SND_CTL_ROLE_GAIN };
enum {
	SND_CTL_TYPE_BOOLEAN = 0,
	SND_CTL_TYPE_INTEGER,
	SND_CTL_TYPE_INTEGER64,
	SND_CTL_TYPE_ENUMERATED,
	SND_CTL_TYPE_BYTES,
	SND_CTL_TYPE_IEC958,
};
enum {
	SND_CTL_ACCESS_READ = 0,
	SND_CTL_ACCESS_WRITE,
	SND_CTL_ACCESS_VOLATILE,
	SND_CTL_ACCESS_INACTIVE,
	SND_CTL_ACCESS_TLV_READ,
	SND_CTL_ACCESS_TLV_WRITE,
	SND_CTL_ACCESS_TLV_COMMAND,
};
/** Control notification mask bits. */
enum { SND_CTL_EVT_MASK_VALUE = 0, SND_CTL_EVT_MASK_INFO, SND_CTL_EVT_MASK_TLV };

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
	uint8_t positions[SND_CHMAP_MAX_SIZE];
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

/** struct virtio_snd_ctl_value: the largest member is 512 bytes. */
#define SND_CTL_VALUE_SIZE 512

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
