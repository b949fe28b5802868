/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/**
 * @file
 * A sensor behind the SCMI device: what it is (name, unit, decimal
 * exponent, axes, range) and how to read it. Two kinds: fake sensors held in
 * memory (scmi_fake.c: an accelerometer as upstream's, and temperature,
 * voltage and current sensors whose values a control socket sets), and IIO
 * sysfs devices (scmi_iio.c). Readings are signed 64-bit values in the
 * sensor's unit times 10^scale.
 */

#ifndef SCMI_SENSOR_H
#define SCMI_SENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scmi_proto.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most axes a sensor has (3 for accelerometers and gyroscopes). */
#define SCMI_MAX_AXES 3
/** Longest name kept (SCMI's extended names: 63 bytes and a NUL). */
#define SCMI_NAME_MAX (SCMI_LONG_NAME - 1)
/** Longest sysfs path an IIO sensor keeps. */
#define SCMI_PATH_MAX 256

/** One axis (or the only value of a scalar sensor). */
struct scmi_axis {
	char name[SCMI_NAME_MAX + 1];
	uint8_t unit;  /**< SCMI_UNIT_* */
	int8_t scale;  /**< readings are value * 10^scale units, -16..15 */
	int64_t min, max;
	/** IIO: raw + offset, times mul / 10^div_exp, gives value * 10^scale. */
	double iio_scale, iio_offset;
};

struct scmi_sensor;

/** Operations of one kind of sensor. */
struct scmi_sensor_ops {
	/**
	 * Read every axis (one value for a scalar sensor) into @p v.
	 * May block (sysfs) when the sensor is not @c fast: the device then
	 * calls it through the host's offload, touching only the sensor.
	 * @return 0 or a negative errno.
	 */
	int (*read)(struct scmi_sensor *s, int64_t *v);
	/** Set axis @p axis to @p v (fake sensors only; NULL otherwise). */
	int (*set)(struct scmi_sensor *s, unsigned int axis, int64_t v);
	/** Free the sensor. */
	void (*destroy)(struct scmi_sensor *s);
};

/** A sensor: the description is fixed once created. */
struct scmi_sensor {
	const struct scmi_sensor_ops *ops;
	const char *kind;          /**< "fake", "temperature", "iio" ... */
	char name[SCMI_NAME_MAX + 1];
	unsigned int naxes;        /**< 0: a scalar sensor, its value in axis[0] */
	struct scmi_axis axis[SCMI_MAX_AXES];
	bool fast;                 /**< read() never blocks: call it on the worker */
	char path[SCMI_PATH_MAX];  /**< IIO device directory */
	char chan[64];             /**< IIO channel prefix (in_accel) */
	int64_t fake[SCMI_MAX_AXES]; /**< fake sensors' current values */
	bool step;                 /**< fake accelerometer: each read adds 1, as upstream */
	/** IIO buffer: the character device and the scan layout (set by stream_start()). */
	bool buffered;             /**< scan_elements and buffer/enable exist for every axis */
	char cdev[SCMI_PATH_MAX];  /**< /dev/iio:deviceN (or the dev= property) */
	unsigned int scan_bytes;   /**< one scan of every enabled channel */
	struct scmi_scan {
		uint16_t off;
		uint8_t bytes, bits, shift;
		bool sgn, be;
	} scan[SCMI_MAX_AXES];
};

/**
 * IIO buffered readings (a sensor with @c buffered): enable the axes' scan
 * elements and the buffer, learn the scan layout, open the character device
 * non-blocking. Blocking sysfs writes: run it through the host's offload.
 * @return the fd to watch for EPOLLIN, or a negative errno.
 */
int scmi_iio_stream_start(struct scmi_sensor *s);

/**
 * Read one scan from @p fd into @p v (converted like read()), without
 * blocking. @return 1 with a scan, 0 when none is there, a negative errno
 * (-ENODATA at end of file) when the stream is broken.
 */
int scmi_iio_stream_read(struct scmi_sensor *s, int fd, int64_t *v);

/** Close @p fd and disable the buffer (blocking: through the offload). */
void scmi_iio_stream_stop(struct scmi_sensor *s, int fd);

/** Kinds of fake sensors. */
enum scmi_fake_kind {
	SCMI_FAKE_ACCEL,   /**< upstream's "fake": 3 axes, m/s^2 */
	SCMI_FAKE_TEMP,    /**< degrees C, scale -3 (millidegrees) */
	SCMI_FAKE_VOLTAGE, /**< volts, scale -3 */
	SCMI_FAKE_CURRENT, /**< amps, scale -3 */
};

/**
 * Create a fake sensor named @p name (NULL: the kind's default name).
 * @return 0 with @p out set, or a negative errno (-EINVAL: name too long).
 */
int scmi_fake_create(enum scmi_fake_kind kind, const char *name, struct scmi_sensor **out);

/**
 * Create an IIO sensor from sysfs directory @p path and channel prefix
 * @p chan ("in_accel", "in_temp", "in_voltage0" ...): axes are found from
 * CHAN_{x,y,z}_raw (else CHAN_raw, a scalar), each with optional
 * CHAN[_axis]_scale / _offset (or the channel-wide CHAN_scale, CHAN_offset).
 * The unit comes from the channel type. @p err gets a one-line reason on
 * failure.
 * @return 0 with @p out set, or a negative errno.
 */
int scmi_iio_create(const char *path, const char *chan, const char *name,
		    struct scmi_sensor **out, char *err, size_t err_len);

/**
 * The IIO character device of sensor @p s for buffered readings: @p dev,
 * or /dev/BASENAME when @p dev is NULL and the path ends in iio:deviceN.
 * Sets @c buffered when the scan elements of every axis and buffer/enable
 * exist. @return 0 or -EINVAL (path too long).
 */
int scmi_iio_set_cdev(struct scmi_sensor *s, const char *dev);

/**
 * Convert an IIO reading to the axis's SCMI value: (raw + offset) * scale
 * is in the IIO unit (m/s^2, millidegrees C, millivolts, milliamps, rad/s),
 * the SCMI value is that in the SCMI unit times 10^-axis->scale.
 */
int64_t scmi_iio_convert(const struct scmi_axis *a, const char *chan, int64_t raw);

/** Free @p s (NULL is fine). */
void scmi_sensor_destroy(struct scmi_sensor *s);

#ifdef __cplusplus
}
#endif

#endif /* SCMI_SENSOR_H */
