/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * virtio-snd device: control requests with the PCM state machine, jacks,
 * channel maps and (VIRTIO_SND_F_CTLS) volume/mute controls; PCM buffers held
 * and completed at the pace of each stream's sample clock (framework timers,
 * absolute deadlines); event queue for jack, period and xrun notifications.
 * Host audio goes through a per-stream backend (sound_backend.h).
 */

#ifndef SOUND_DEV_H
#define SOUND_DEV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "sound_pcm.h"
#include "sound_proto.h"
#include "vhd_device.h"

/** Most streams one device has (--streams out:N,in:M). */
#define SOUND_MAX_STREAMS 16
/** Largest ring accepted; held buffers per stream and held event buffers at most. */
#define SOUND_MAX_QUEUE 256
/** Writable segments remembered of a held buffer; a chain with more is answered IO_ERR. */
#define SOUND_SLOT_IOV 8
/** Largest buffer_bytes accepted by SET_PARAMS. */
#define SOUND_MAX_BUFFER_BYTES (4u << 20)
/** Events kept while the guest has no event buffer posted; more are dropped (counted). */
#define SOUND_EVT_PENDING 64
/** Controls per stream with --controls: volume, switch. */
#define SOUND_CTLS_PER_STREAM 2
/** Volume control range (0..max, linear gain max/max). */
#define SOUND_VOLUME_MAX 100

/** Stream states of the spec's PCM command lifecycle. */
enum sound_state {
	SOUND_ST_PARAMS = 0, /**< parameters set (initially: the defaults) */
	SOUND_ST_PREPARED,
	SOUND_ST_RUNNING,
	SOUND_ST_STOPPED,
	SOUND_ST_RELEASED,
};

/** Parameters of a stream (from SET_PARAMS). */
struct sound_params {
	uint32_t buffer_bytes;
	uint32_t period_bytes;
	uint32_t features; /**< VSND_PCM_F_* negotiated for the stream */
	uint8_t channels;
	uint8_t format;
	uint8_t rate;
};

struct sound_stream;
struct vhd_ctl;

/** A host audio backend, per stream; every call on the device's worker, none may block. */
struct sound_backend_ops {
	const char *name;
	/** Formats it takes (1 << VSND_PCM_FMT_*). */
	uint64_t formats;
	/** Open for s->params (PREPARE). @return 0 or a negative errno. */
	int (*prepare)(struct sound_stream *s);
	/** Close (RELEASE, reset, destroy). */
	void (*release)(struct sound_stream *s);
	/** Output: @p len bytes of frames were played now. @return 0 or a negative errno. */
	int (*play)(struct sound_stream *s, const void *buf, uint32_t len);
	/** Input: fill @p len bytes of frames captured now. @return 0 or a negative errno. */
	int (*capture)(struct sound_stream *s, void *buf, uint32_t len);
	/** START (after the stream is running). Optional. */
	int (*start)(struct sound_stream *s);
	/** STOP. Optional. */
	void (*stop)(struct sound_stream *s);
	/**
	 * A clocked backend (s->clocked set by prepare()): new buffers are held
	 * or the stream started; move data as the host device can take it and
	 * complete buffers with sound_stream_complete(). Optional.
	 */
	void (*kick)(struct sound_stream *s);
	/** Free the backend's state (device destroy). */
	void (*destroy)(struct sound_stream *s);
};

/** One held PCM buffer. */
struct sound_slot {
	uint16_t id;
	uint16_t n_wr;
	uint32_t bytes;      /**< PCM payload bytes */
	uint32_t wr_len;     /**< writable bytes (status last) */
	uint64_t end_frame;  /**< stream position once this buffer is played/filled */
	uint32_t data_off;   /**< TX: payload copy in the stream's staging ring */
	uint32_t data_used;  /**< TX: staging bytes taken (with the skipped end) */
	uint32_t done;       /**< clocked backends: payload bytes moved so far */
	bool gained;         /**< TX: the controls' gain was applied to the copy */
	struct iovec wr[SOUND_SLOT_IOV];
};

/** Per-stream counters. */
struct sound_stream_stats {
	uint64_t buffers;     /**< PCM buffers completed OK */
	uint64_t bytes;       /**< PCM payload bytes played / captured */
	uint64_t xruns;       /**< underruns (output) / overruns (input) */
	uint64_t io_errors;   /**< buffers completed IO_ERR */
};

/** One PCM stream. */
struct sound_stream {
	struct sound_dev *dev;
	uint32_t id;
	uint8_t direction;    /**< VSND_D_OUTPUT / VSND_D_INPUT */
	enum sound_state state;
	struct sound_params params;
	uint32_t frame_bytes;
	/* held buffers, FIFO */
	struct sound_slot slot[SOUND_MAX_QUEUE];
	uint32_t head, count;
	uint64_t queued_frames; /**< position after the last held buffer */
	uint64_t done_frames;   /**< position after the last completed buffer */
	uint64_t period_mark;   /**< bytes since the last period event */
	struct sound_clock clock;
	bool clock_valid;       /**< running and the clock has a base */
	struct vhd_timer timer;
	/* TX staging ring (3 * buffer_bytes, allocated at PREPARE) */
	uint8_t *ring;
	uint32_t ring_size, ring_head, ring_tail, ring_used;
	/* controls */
	uint32_t volume;        /**< 0..SOUND_VOLUME_MAX */
	bool on;                /**< the switch: false mutes */
	/* what PCM_INFO offers: the backend's formats, the spec's rates, 1..8 channels,
	 * narrowed by the app for a backend with a fixed source (a WAV file)
	 */
	uint64_t formats, rates;
	uint8_t channels_min, channels_max;
	/* backend */
	const struct sound_backend_ops *be;
	void *be_priv;
	/**
	 * Set by the backend's prepare(): the host device's clock paces the
	 * stream (the backend completes buffers); else the device's timers do.
	 */
	bool clocked;
	struct sound_stream_stats stats;
};

/** A jack (one per stream with --jacks). */
struct sound_jack {
	uint32_t defconf;
	uint32_t caps;
	bool connected;         /**< written by the control socket, on the worker */
};

/** Device counters. */
struct sound_stats {
	uint64_t ctl_requests;
	uint64_t ctl_bad;       /**< BAD_MSG answers */
	uint64_t ctl_not_supp;
	uint64_t io_bad;        /**< PCM buffers answered BAD_MSG */
	uint64_t dropped;       /**< chains with no room for a status (used length 0) */
	uint64_t events;        /**< events delivered */
	uint64_t events_dropped;/**< events lost: no buffer for too long */
	uint64_t evt_bad;       /**< malformed event buffers returned empty */
	uint64_t ctl_lines;     /**< control socket commands */
};

/** How to build a device. */
struct sound_dev_config {
	uint32_t n_out, n_in;   /**< output streams first, then input streams */
	bool jacks;             /**< one jack per stream */
	bool controls;          /**< offer VIRTIO_SND_F_CTLS: volume + switch per stream */
	/** Backend of output stream i / input stream j (NULL: null backend). */
	const struct sound_backend_ops *be_out, *be_in;
	/** Backend-private argument per stream, by stream id. */
	void *be_arg[SOUND_MAX_STREAMS];
};

/** One virtio-snd device instance. */
struct sound_dev {
	struct vhd_host *host;
	struct vhd_device_ops ops;
	uint32_t n_streams, n_jacks, n_chmaps, n_ctls;
	bool ctls_ok;           /**< VIRTIO_SND_F_CTLS negotiated */
	struct sound_stream stream[SOUND_MAX_STREAMS];
	struct sound_jack jack[SOUND_MAX_STREAMS];
	struct vhd_vq *vq[SOUND_NUM_QUEUES];
	/* event queue: held buffers, pending events */
	struct {
		uint16_t id;
		uint16_t n_wr;
		struct iovec wr[2];
	} evt[SOUND_MAX_QUEUE];
	uint32_t evt_head, evt_count;
	struct snd_event pending[SOUND_EVT_PENDING];
	uint32_t pend_head, pend_count;
	struct sound_stats stats;
	struct vhd_ctl *ctl;    /**< --sim-control socket, or NULL */
	/** In sound_dev_fini(): the worker is gone, backends finish synchronously. */
	bool finishing;
	bool ctl_watched;
};

/** Serve dev->ctl on the worker (from attach()). */
void sound_ctl_attach(struct sound_dev *dev);

/** The null backend: plays into nothing, captures silence (paced by the device). */
extern const struct sound_backend_ops sound_null_backend;

/**
 * Set up @p dev from @p cfg (stream counts checked: 1..SOUND_MAX_STREAMS in
 * all). @return 0 or -EINVAL.
 */
int sound_dev_init(struct sound_dev *dev, const struct sound_dev_config *cfg);

/**
 * Free backend state. Off the worker, which no longer runs (after
 * vhd_run(), or before it started): the file backend's last writes block.
 */
void sound_dev_fini(struct sound_dev *dev);

/** Device description for the host (dev->ops, filled by sound_dev_init()). */
static inline const struct vhd_device_ops *
sound_dev_ops(struct sound_dev *dev)
{
	return &dev->ops;
}

/**
 * Jack @p id connected or not (from the control socket, on the worker): a
 * jack event is sent when it changes. @return 0, -EINVAL for a bad id.
 */
int sound_jack_set(struct sound_dev *dev, uint32_t id, bool connected);

/** Clocked backends: the oldest held buffer of a running stream, or NULL. */
struct sound_slot *sound_stream_head(struct sound_stream *s);

/** Clocked backends: where the TX payload of @p sl is (contiguous). */
uint8_t *sound_slot_tx_data(struct sound_stream *s, struct sound_slot *sl);

/** Clocked backends: complete the oldest held buffer (data moved: sl->done bytes). */
void sound_stream_complete(struct sound_stream *s, uint32_t status);

/** A backend saw an underrun/overrun: count it, tell the guest when negotiated. */
void sound_stream_xrun(struct sound_stream *s);

/** Apply the stream's volume and switch to @p len bytes of its frames in place. */
void sound_stream_gain(struct sound_stream *s, uint8_t *buf, uint32_t len);

/** Frames a stream plays per second, for its params (0 when unset). */
uint32_t sound_stream_rate(const struct sound_stream *s);

#endif /* SOUND_DEV_H */
