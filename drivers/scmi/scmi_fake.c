/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Fake sensors: values held in memory, moved by the control socket
 * ("set SENSOR AXIS VALUE"). The accelerometer follows upstream's fake
 * device: axis i reads value + 100 * i and every read adds 1 to the value.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "scmi_sensor.h"

static int
fake_read(struct scmi_sensor *s, int64_t *v)
{
	unsigned int i, n = s->naxes != 0 ? s->naxes : 1;

	for (i = 0; i < n; i++)
		v[i] = s->fake[i];
	if (s->step)
		for (i = 0; i < n; i++)
			s->fake[i]++;
	return 0;
}

static int
fake_set(struct scmi_sensor *s, unsigned int axis, int64_t v)
{
	unsigned int n = s->naxes != 0 ? s->naxes : 1;

	if (axis >= n)
		return -EINVAL;
	s->fake[axis] = v;
	return 0;
}

static void
fake_destroy(struct scmi_sensor *s)
{
	free(s);
}

static const struct scmi_sensor_ops fake_ops = {
	.read = fake_read,
	.set = fake_set,
	.destroy = fake_destroy,
};

static void
scalar(struct scmi_sensor *s, const char *name, uint8_t unit, int64_t v, int64_t min, int64_t max)
{
	s->naxes = 0;
	strcpy(s->name, name);
	strcpy(s->axis[0].name, name);
	s->axis[0].unit = unit;
	s->axis[0].scale = -3;
	s->axis[0].min = min;
	s->axis[0].max = max;
	s->fake[0] = v;
}

int
scmi_fake_create(enum scmi_fake_kind kind, const char *name, struct scmi_sensor **out)
{
	struct scmi_sensor *s;
	unsigned int i;

	if (name != NULL && (name[0] == '\0' || strlen(name) > SCMI_NAME_MAX))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	s->ops = &fake_ops;
	s->fast = true;
	switch (kind) {
	case SCMI_FAKE_ACCEL:
		s->kind = "fake";
		strcpy(s->name, "fake");
		s->naxes = 3;
		s->step = true;
		for (i = 0; i < 3; i++) {
			/* upstream's axis names: acc_X, acc_Y, acc_Z */
			strcpy(s->axis[i].name, "acc_X");
			s->axis[i].name[4] = (char)('X' + i);
			s->axis[i].unit = SCMI_UNIT_METERS_SEC_SQUARED;
			s->axis[i].scale = 0;
			s->axis[i].min = -1000000;
			s->axis[i].max = 1000000;
			s->fake[i] = 100 * (int64_t)i;
		}
		break;
	case SCMI_FAKE_TEMP:
		s->kind = "temperature";
		scalar(s, "temperature", SCMI_UNIT_DEGREES_C, 25000, -40000, 125000);
		break;
	case SCMI_FAKE_VOLTAGE:
		s->kind = "voltage";
		scalar(s, "voltage", SCMI_UNIT_VOLTS, 3300, 0, 48000);
		break;
	case SCMI_FAKE_CURRENT:
		s->kind = "current";
		scalar(s, "current", SCMI_UNIT_AMPS, 500, -20000, 20000);
		break;
	default:
		free(s);
		return -EINVAL;
	}
	if (name != NULL)
		strcpy(s->name, name);
	*out = s;
	return 0;
}

void
scmi_sensor_destroy(struct scmi_sensor *s)
{
	if (s != NULL)
		s->ops->destroy(s);
}
