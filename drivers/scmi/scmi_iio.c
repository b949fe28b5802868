/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * IIO sensors from sysfs: DIR/CHAN_{x,y,z}_raw (a 3-axis sensor) or
 * DIR/CHAN_raw (a scalar), with the optional _scale and _offset of each
 * axis or of the channel, as Linux's IIO core lays them out. The
 * description is read once at creation; a missing or unparsable attribute
 * is an error for this sensor (creation fails with a reason, a later read
 * fails with an SCMI error), never a crash. Reads are plain file reads,
 * which may block on real hardware: the device runs them through the
 * host's offload.
 */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>

#include "scmi_sensor.h"

/* Read a small sysfs attribute into @p buf. @return length, or a negative errno. */
static int
read_attr(const char *dir, const char *file, char *buf, size_t len)
{
	char p[SCMI_PATH_MAX + 96];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p))
		return -ENAMETOOLONG;
	fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return (int)n;
}

static int
parse_ll(const char *s, int64_t *v)
{
	char *end;
	long long x;

	if (*s == '\0')
		return -EINVAL;
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*v = x;
	return 0;
}

static int
parse_d(const char *s, double *v)
{
	char *end;
	double x;

	if (*s == '\0')
		return -EINVAL;
	errno = 0;
	x = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(x))
		return -EINVAL;
	*v = x;
	return 0;
}

/* The IIO channel type of @p chan ("in_accel" -> "accel", "in_voltage0" -> "voltage"). */
static void
chan_type(const char *chan, char *type, size_t len)
{
	size_t n;

	if (strncmp(chan, "in_", 3) == 0)
		chan += 3;
	snprintf(type, len, "%s", chan);
	n = strlen(type);
	while (n > 0 && type[n - 1] >= '0' && type[n - 1] <= '9')
		type[--n] = '\0';
}

/* SCMI unit of an IIO channel type and the factor from IIO's unit to it. */
static int
chan_unit(const char *chan, uint8_t *unit, double *factor)
{
	static const struct {
		const char *type;
		uint8_t unit;
		double factor;
	} t[] = {
		{"accel", SCMI_UNIT_METERS_SEC_SQUARED, 1.0},
		{"anglvel", SCMI_UNIT_RADIANS_SEC, 1.0},
		{"temp", SCMI_UNIT_DEGREES_C, 1e-3},
		{"voltage", SCMI_UNIT_VOLTS, 1e-3},
		{"current", SCMI_UNIT_AMPS, 1e-3},
	};
	char type[64];
	unsigned int i;

	chan_type(chan, type, sizeof(type));
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(type, t[i].type) == 0) {
			*unit = t[i].unit;
			*factor = t[i].factor;
			return 0;
		}
	}
	return -ENOTSUP;
}

int64_t
scmi_iio_convert(const struct scmi_axis *a, const char *chan, int64_t raw)
{
	uint8_t unit;
	double f = 1.0, v;

	if (chan_unit(chan, &unit, &f) != 0)
		f = 1.0;
	v = ((double)raw + a->iio_offset) * a->iio_scale * f * pow(10.0, -(double)a->scale);
	if (v >= 9.2e18)
		return INT64_MAX;
	if (v <= -9.2e18)
		return INT64_MIN;
	return llround(v);
}

/* Attribute CHAN[_AX]_WHAT: the axis's own, else the channel's. */
static int
axis_attr(const struct scmi_sensor *s, const char *ax, const char *what, char *buf, size_t len)
{
	char f[160];
	int rc = -ENOENT;

	if (ax != NULL) {
		snprintf(f, sizeof(f), "%s_%s_%s", s->chan, ax, what);
		rc = read_attr(s->path, f, buf, len);
	}
	if (rc == -ENOENT) {
		snprintf(f, sizeof(f), "%s_%s", s->chan, what);
		rc = read_attr(s->path, f, buf, len);
	}
	return rc;
}

static int
iio_read(struct scmi_sensor *s, int64_t *v)
{
	static const char *const ax[] = {"x", "y", "z"};
	unsigned int i, n = s->naxes != 0 ? s->naxes : 1;
	char f[160], buf[64];
	int64_t raw;
	int rc;

	for (i = 0; i < n; i++) {
		if (s->naxes != 0)
			snprintf(f, sizeof(f), "%s_%s_raw", s->chan, ax[i]);
		else
			snprintf(f, sizeof(f), "%s_raw", s->chan);
		rc = read_attr(s->path, f, buf, sizeof(buf));
		if (rc < 0)
			return rc;
		if (parse_ll(buf, &raw) != 0)
			return -EINVAL;
		v[i] = scmi_iio_convert(&s->axis[i], s->chan, raw);
	}
	return 0;
}

static void
iio_destroy(struct scmi_sensor *s)
{
	free(s);
}

static const struct scmi_sensor_ops iio_ops = {
	.read = iio_read,
	.destroy = iio_destroy,
};

/* Scale, offset and exponent of axis @p i (@p ax NULL: the scalar). */
static int
axis_init(struct scmi_sensor *s, unsigned int i, const char *ax, uint8_t unit, double factor,
	  char *err, size_t err_len)
{
	struct scmi_axis *a = &s->axis[i];
	char buf[64];
	double lsb;
	int rc, e;

	a->unit = unit;
	a->iio_scale = 1.0;
	a->iio_offset = 0.0;
	rc = axis_attr(s, ax, "scale", buf, sizeof(buf));
	if (rc >= 0 && (parse_d(buf, &a->iio_scale) != 0 || a->iio_scale == 0.0)) {
		snprintf(err, err_len, "%s: odd %s%s%s_scale '%s'", s->path, s->chan,
			 ax ? "_" : "", ax ? ax : "", buf);
		return -EINVAL;
	}
	if (rc < 0 && rc != -ENOENT) {
		snprintf(err, err_len, "%s: cannot read %s scale: %s", s->path, s->chan,
			 strerror(-rc));
		return rc;
	}
	rc = axis_attr(s, ax, "offset", buf, sizeof(buf));
	if (rc >= 0 && parse_d(buf, &a->iio_offset) != 0) {
		snprintf(err, err_len, "%s: odd %s offset '%s'", s->path, s->chan, buf);
		return -EINVAL;
	}
	if (rc < 0 && rc != -ENOENT) {
		snprintf(err, err_len, "%s: cannot read %s offset: %s", s->path, s->chan,
			 strerror(-rc));
		return rc;
	}
	/* the exponent keeps one SCMI step no larger than one raw step */
	lsb = fabs(a->iio_scale) * factor;
	e = (int)floor(log10(lsb) + 1e-9); /* 0.001 is 10^-3, not 10^-4 */
	if (e < -16)
		e = -16;
	if (e > 15)
		e = 15;
	a->scale = (int8_t)e;
	a->min = INT32_MIN;
	a->max = INT32_MAX;
	/* axis names: NAME_X..., cut so that the suffix always fits */
	if (ax != NULL) {
		size_t l = strlen(s->name);

		if (l > sizeof(a->name) - 3)
			l = sizeof(a->name) - 3;
		memcpy(a->name, s->name, l);
		a->name[l] = '_';
		a->name[l + 1] = (char)(ax[0] - 'a' + 'A');
		a->name[l + 2] = '\0';
	} else {
		memcpy(a->name, s->name, sizeof(a->name));
	}
	return 0;
}

int
scmi_iio_create(const char *path, const char *chan, const char *name, struct scmi_sensor **out,
		char *err, size_t err_len)
{
	static const char *const ax[] = {"x", "y", "z"};
	struct scmi_sensor *s;
	char f[160], buf[64];
	unsigned int i, n = 0;
	uint8_t unit;
	double factor;
	int rc;

	if (strlen(path) >= SCMI_PATH_MAX || strlen(chan) >= sizeof(s->chan) - 16 ||
	    strchr(chan, '/') != NULL || chan[0] == '\0') {
		snprintf(err, err_len, "iio path or channel too long or malformed");
		return -EINVAL;
	}
	if (name != NULL && (name[0] == '\0' || strlen(name) > SCMI_NAME_MAX)) {
		snprintf(err, err_len, "sensor name must be 1..%d characters", SCMI_NAME_MAX);
		return -EINVAL;
	}
	if (chan_unit(chan, &unit, &factor) != 0) {
		snprintf(err, err_len, "iio channel '%s': type not supported (accel, anglvel, "
			 "temp, voltage, current)", chan);
		return -ENOTSUP;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->ops = &iio_ops;
	s->kind = "iio";
	strcpy(s->path, path);
	strcpy(s->chan, chan);
	if (name != NULL) {
		strcpy(s->name, name);
	} else if (read_attr(path, "name", buf, sizeof(buf)) > 0) {
		snprintf(s->name, sizeof(s->name), "%s", buf);
	} else {
		strcpy(s->name, "iio");
	}
	for (i = 0; i < SCMI_MAX_AXES; i++) {
		snprintf(f, sizeof(f), "%s_%s_raw", chan, ax[i]);
		if (read_attr(path, f, buf, sizeof(buf)) < 0)
			break;
		n++;
	}
	if (n > 0) {
		s->naxes = n;
		for (i = 0; i < n; i++) {
			rc = axis_init(s, i, ax[i], unit, factor, err, err_len);
			if (rc != 0)
				goto fail;
		}
	} else {
		snprintf(f, sizeof(f), "%s_raw", chan);
		rc = read_attr(path, f, buf, sizeof(buf));
		if (rc < 0) {
			snprintf(err, err_len, "%s: no %s_raw nor %s_x_raw: %s", path, chan, chan,
				 strerror(-rc));
			goto fail;
		}
		rc = axis_init(s, 0, NULL, unit, factor, err, err_len);
		if (rc != 0)
			goto fail;
	}
	/* one read now: a raw value that does not parse is this sensor's error */
	{
		int64_t v[SCMI_MAX_AXES];

		rc = iio_read(s, v);
		if (rc != 0) {
			snprintf(err, err_len, "%s: %s raw value unreadable or not a number", path,
				 chan);
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	free(s);
	return rc < 0 ? rc : -EINVAL;
}

/* ---- buffered readings from the IIO character device ---- */

static const char *const axis_sfx[] = {"x", "y", "z"};

/* scan_elements/CHAN[_AX]_WHAT of axis @p i. */
static int
scan_attr(const struct scmi_sensor *s, unsigned int i, const char *what, char *buf, size_t len)
{
	char f[200];

	if (s->naxes != 0)
		snprintf(f, sizeof(f), "scan_elements/%s_%s_%s", s->chan, axis_sfx[i], what);
	else
		snprintf(f, sizeof(f), "scan_elements/%s_%s", s->chan, what);
	return read_attr(s->path, f, buf, len);
}

static int
write_attr(const char *dir, const char *file, const char *val)
{
	char p[SCMI_PATH_MAX + 96];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(p, sizeof(p), "%s/%s", dir, file) >= sizeof(p))
		return -ENAMETOOLONG;
	fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_TRUNC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -EIO;
}

int
scmi_iio_set_cdev(struct scmi_sensor *s, const char *dev)
{
	const char *base = strrchr(s->path, '/');
	unsigned int i, n = s->naxes != 0 ? s->naxes : 1;
	char buf[64];

	base = base != NULL ? base + 1 : s->path;
	if (dev == NULL && strncmp(base, "iio:device", 10) != 0)
		return 0;
	if ((size_t)snprintf(s->cdev, sizeof(s->cdev), "%s%s", dev != NULL ? "" : "/dev/",
			     dev != NULL ? dev : base) >= sizeof(s->cdev))
		return -EINVAL;
	s->buffered = read_attr(s->path, "buffer/enable", buf, sizeof(buf)) >= 0;
	for (i = 0; i < n && s->buffered; i++)
		s->buffered = scan_attr(s, i, "en", buf, sizeof(buf)) >= 0 &&
			      scan_attr(s, i, "type", buf, sizeof(buf)) >= 0 &&
			      scan_attr(s, i, "index", buf, sizeof(buf)) >= 0;
	return 0;
}

/* "le:s12/16>>4", "be:u16/16X2>>0": endianness, sign, bits, storage, shift. */
static int
parse_type(const char *t, struct scmi_scan *sc)
{
	char e[3], sg;
	unsigned int bits, store, rep = 1, shift;

	if (sscanf(t, "%2[lbe]:%c%u/%uX%u>>%u", e, &sg, &bits, &store, &rep, &shift) != 6 &&
	    sscanf(t, "%2[lbe]:%c%u/%u>>%u", e, &sg, &bits, &store, &shift) != 5)
		return -EINVAL;
	if ((strcmp(e, "le") != 0 && strcmp(e, "be") != 0) || (sg != 's' && sg != 'u') ||
	    bits == 0 || bits > 64 || store % 8 != 0 || store == 0 || store > 64 ||
	    bits + shift > store || rep == 0 || rep * store > 64)
		return -EINVAL;
	sc->be = e[0] == 'b';
	sc->sgn = sg == 's';
	sc->bits = (uint8_t)bits;
	sc->bytes = (uint8_t)(store / 8 * rep);
	sc->shift = (uint8_t)shift;
	return 0;
}

/*
 * The scan: every enabled element in index order, each aligned to its own
 * size, as Linux's IIO core lays out the buffer. Other enabled channels
 * (a timestamp...) are skipped over: their type and index are read too.
 */
static int
layout(struct scmi_sensor *s)
{
	struct {
		int index;
		struct scmi_scan sc;
		int axis;
	} el[16];
	unsigned int i, j, n = 0, naxes = s->naxes != 0 ? s->naxes : 1, off = 0, maxa = 1;
	char buf[64], f[SCMI_PATH_MAX + 200];
	DIR *d;
	struct dirent *de;

	snprintf(f, sizeof(f), "%s/scan_elements", s->path);
	d = opendir(f);
	if (d == NULL)
		return -errno;
	while ((de = readdir(d)) != NULL && n < 16) {
		size_t l = strlen(de->d_name);
		char stem[160], t[64];
		int64_t en, idx;

		if (l < 4 || strcmp(de->d_name + l - 3, "_en") != 0 || l - 3 >= sizeof(stem))
			continue;
		memcpy(stem, de->d_name, l - 3);
		stem[l - 3] = '\0';
		snprintf(f, sizeof(f), "scan_elements/%s_en", stem);
		if (read_attr(s->path, f, buf, sizeof(buf)) < 0 || parse_ll(buf, &en) != 0 ||
		    en != 1)
			continue;
		snprintf(f, sizeof(f), "scan_elements/%s_type", stem);
		if (read_attr(s->path, f, t, sizeof(t)) < 0 || parse_type(t, &el[n].sc) != 0)
			goto bad;
		snprintf(f, sizeof(f), "scan_elements/%s_index", stem);
		if (read_attr(s->path, f, buf, sizeof(buf)) < 0 || parse_ll(buf, &idx) != 0 ||
		    idx < 0 || idx > 1024)
			goto bad;
		el[n].index = (int)idx;
		el[n].axis = -1;
		for (i = 0; i < naxes; i++) {
			char want[160];

			if (s->naxes != 0)
				snprintf(want, sizeof(want), "%s_%s", s->chan, axis_sfx[i]);
			else
				snprintf(want, sizeof(want), "%s", s->chan);
			if (strcmp(stem, want) == 0)
				el[n].axis = (int)i;
		}
		n++;
	}
	closedir(d);
	/* insertion sort by index */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && el[j - 1].index > el[j].index; j--) {
			typeof(el[0]) t = el[j];

			el[j] = el[j - 1];
			el[j - 1] = t;
		}
	for (i = 0; i < naxes; i++)
		s->scan[i].bytes = 0;
	for (i = 0; i < n; i++) {
		unsigned int a = el[i].sc.bytes;

		off = (off + a - 1) / a * a;
		el[i].sc.off = (uint16_t)off;
		if (el[i].axis >= 0)
			s->scan[el[i].axis] = el[i].sc;
		off += a;
		if (a > maxa)
			maxa = a;
	}
	s->scan_bytes = (off + maxa - 1) / maxa * maxa;
	for (i = 0; i < naxes; i++)
		if (s->scan[i].bytes == 0)
			return -EINVAL; /* one of ours is not enabled */
	return s->scan_bytes <= 256 ? 0 : -EINVAL;
bad:
	closedir(d);
	return -EINVAL;
}

int
scmi_iio_stream_start(struct scmi_sensor *s)
{
	unsigned int i, n = s->naxes != 0 ? s->naxes : 1;
	char f[200];
	int rc, fd;

	if (!s->buffered)
		return -ENOTSUP;
	write_attr(s->path, "buffer/enable", "0"); /* scan elements change only when off */
	for (i = 0; i < n; i++) {
		if (s->naxes != 0)
			snprintf(f, sizeof(f), "scan_elements/%s_%s_en", s->chan, axis_sfx[i]);
		else
			snprintf(f, sizeof(f), "scan_elements/%s_en", s->chan);
		rc = write_attr(s->path, f, "1");
		if (rc != 0)
			return rc;
	}
	rc = layout(s);
	if (rc != 0)
		return rc;
	rc = write_attr(s->path, "buffer/enable", "1");
	if (rc != 0)
		return rc;
	fd = open(s->cdev, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		write_attr(s->path, "buffer/enable", "0");
		return rc;
	}
	return fd;
}

static int64_t
scan_value(const struct scmi_scan *sc, const uint8_t *p)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < sc->bytes && i < 8; i++)
		v |= (uint64_t)p[sc->be ? sc->bytes - 1 - i : i] << (8 * i);
	v >>= sc->shift;
	if (sc->bits < 64) {
		v &= (1ull << sc->bits) - 1;
		if (sc->sgn && (v & (1ull << (sc->bits - 1))))
			v |= ~((1ull << sc->bits) - 1);
	}
	return (int64_t)v;
}

int
scmi_iio_stream_read(struct scmi_sensor *s, int fd, int64_t *v)
{
	uint8_t buf[256];
	unsigned int i, n = s->naxes != 0 ? s->naxes : 1;
	ssize_t r = read(fd, buf, s->scan_bytes);

	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	if (r == 0)
		return -ENODATA;
	if ((size_t)r != s->scan_bytes)
		return -EIO; /* the char device returns whole scans */
	for (i = 0; i < n; i++)
		v[i] = scmi_iio_convert(&s->axis[i], s->chan,
					scan_value(&s->scan[i], buf + s->scan[i].off));
	return 1;
}

void
scmi_iio_stream_stop(struct scmi_sensor *s, int fd)
{
	if (fd >= 0)
		close(fd);
	write_attr(s->path, "buffer/enable", "0");
}
