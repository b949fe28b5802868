/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-scmi [EAL options --] -s PATH [-d NAME,PROP=VALUE,...]...
 *   [--help-devices] [--sim-control PATH]
 * Upstream's options: -s/--socket-path used as given (one device), -d/--device
 * repeatable, --help-devices. Ours: fake kinds for temperature, voltage and
 * current sensors (fake,kind=...), the --sim-control socket that moves fake
 * sensors, -c N (sockets PATH0..PATH<N-1>, each with its own sensors) and the
 * common options.
 */

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scmi_dev.h"
#include "vhd_vhost.h"

enum {
	OPT_HELP_DEVICES = 0x2000,
	OPT_SIM_CONTROL,
};

#define MAX_SPECS SCMI_MAX_SENSORS

struct scmi_args {
	const char *spec[MAX_SPECS];
	unsigned int nspec;
	const char *ctl;
};

static void
help_devices(void)
{
	printf("Available devices:\n\n"
	       "- fake: fake sensor\n"
	       "  A 3-axis accelerometer (m/s^2) as upstream's, each axis i reading\n"
	       "  value + 100 * i, the value growing by 1 on each read; with kind= (ours)\n"
	       "  a temperature (millidegrees C), voltage (mV) or current (mA) sensor\n"
	       "  whose value only --sim-control changes.\n"
	       "  Parameters:\n"
	       "  - name: an optional name of the sensor (up to %d characters; longer than\n"
	       "    15 through SCMI's extended names)\n"
	       "  - kind: (ours) accel (default), temperature, voltage, current\n\n"
	       "- iio: industrial I/O sensor\n"
	       "  Reads CHANNEL_{x,y,z}_raw (or CHANNEL_raw) with _scale and _offset.\n"
	       "  Parameters:\n"
	       "  - path: path to the device directory (e.g. /sys/bus/iio/devices/iio:device0)\n"
	       "  - channel: prefix of the device type (e.g. in_accel)\n"
	       "  - name: an optional name of the sensor\n"
	       "  - dev: (ours) its character device for buffered updates (default\n"
	       "    /dev/iio:deviceN after the path; used when scan_elements exist)\n\n"
	       "Device specification example:\n"
	       "--device iio,path=/sys/bus/iio/devices/iio:device0,channel=in_accel\n",
	       SCMI_NAME_MAX);
}

static int
scmi_opt(void *ctx, int c, const char *arg)
{
	struct scmi_args *a = ctx;

	switch (c) {
	case 'd':
		if (a->nspec == MAX_SPECS) {
			fprintf(stderr, "error: at most %d devices\n", MAX_SPECS);
			return -1;
		}
		a->spec[a->nspec++] = arg;
		return 0;
	case OPT_SIM_CONTROL:
		a->ctl = arg;
		return 0;
	case OPT_HELP_DEVICES: /* handled before EAL; here only with other options */
		help_devices();
		return 0;
	default:
		return -1;
	}
}

/* One property list "k=v,k=v": the value of @p key, NULL when absent. */
struct props {
	char buf[512];
	char *k[8], *v[8];
	unsigned int n;
};

static int
props_parse(struct props *p, const char *list, const char *spec)
{
	char *save = NULL, *t;

	p->n = 0;
	if (strlen(list) >= sizeof(p->buf)) {
		fprintf(stderr, "error: device '%s': too long\n", spec);
		return -1;
	}
	strcpy(p->buf, list);
	for (t = strtok_r(p->buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(t, '=');
		unsigned int i;

		if (eq == NULL || eq == t) {
			fprintf(stderr, "error: device '%s': property '%s' is not NAME=VALUE\n",
				spec, t);
			return -1;
		}
		*eq = '\0';
		for (i = 0; i < p->n; i++) {
			if (strcmp(p->k[i], t) == 0) {
				fprintf(stderr, "error: device '%s': property '%s' given twice\n",
					spec, t);
				return -1;
			}
		}
		if (p->n == 8) {
			fprintf(stderr, "error: device '%s': too many properties\n", spec);
			return -1;
		}
		p->k[p->n] = t;
		p->v[p->n++] = eq + 1;
	}
	return 0;
}

static const char *
props_get(const struct props *p, const char *key)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->k[i], key) == 0)
			return p->v[i];
	return NULL;
}

/* Every property is one of @p allowed (NULL-terminated). */
static int
props_check(const struct props *p, const char *const *allowed, const char *spec)
{
	unsigned int i, j;

	for (i = 0; i < p->n; i++) {
		for (j = 0; allowed[j] != NULL && strcmp(allowed[j], p->k[i]) != 0; j++)
			;
		if (allowed[j] == NULL) {
			fprintf(stderr, "error: device '%s': unexpected property '%s'\n", spec,
				p->k[i]);
			return -1;
		}
	}
	return 0;
}

static int
make_sensor(const char *spec, struct scmi_sensor **out)
{
	static const char *const fake_props[] = {"name", "kind", NULL};
	static const char *const iio_props[] = {"name", "path", "channel", "dev", NULL};
	const char *comma = strchr(spec, ',');
	char kind[16], err[256] = "";
	size_t kl = comma != NULL ? (size_t)(comma - spec) : strlen(spec);
	struct props p;
	int rc;

	if (kl == 0 || kl >= sizeof(kind)) {
		fprintf(stderr, "error: device '%s': unknown device kind (see --help-devices)\n",
			spec);
		return -1;
	}
	memcpy(kind, spec, kl);
	kind[kl] = '\0';
	if (props_parse(&p, comma != NULL ? comma + 1 : "", spec) != 0)
		return -1;
	if (strcmp(kind, "fake") == 0) {
		const char *k = props_get(&p, "kind");
		enum scmi_fake_kind fk;

		if (props_check(&p, fake_props, spec) != 0)
			return -1;
		if (k == NULL || strcmp(k, "accel") == 0) {
			fk = SCMI_FAKE_ACCEL;
		} else if (strcmp(k, "temperature") == 0) {
			fk = SCMI_FAKE_TEMP;
		} else if (strcmp(k, "voltage") == 0) {
			fk = SCMI_FAKE_VOLTAGE;
		} else if (strcmp(k, "current") == 0) {
			fk = SCMI_FAKE_CURRENT;
		} else {
			fprintf(stderr, "error: device '%s': kind must be accel, temperature, "
				"voltage or current\n", spec);
			return -1;
		}
		rc = scmi_fake_create(fk, props_get(&p, "name"), out);
		if (rc != 0) {
			fprintf(stderr, "error: device '%s': %s\n", spec, rc == -EINVAL ?
				"name must be 1..63 characters" : strerror(-rc));
			return -1;
		}
		return 0;
	}
	if (strcmp(kind, "iio") == 0) {
		const char *path = props_get(&p, "path"), *chan = props_get(&p, "channel");

		if (props_check(&p, iio_props, spec) != 0)
			return -1;
		if (path == NULL || chan == NULL) {
			fprintf(stderr, "error: device '%s': missing property %s\n", spec,
				path == NULL ? "path" : "channel");
			return -1;
		}
		rc = scmi_iio_create(path, chan, props_get(&p, "name"), out, err, sizeof(err));
		if (rc != 0) {
			fprintf(stderr, "error: device '%s': %s\n", spec,
				err[0] != '\0' ? err : strerror(-rc));
			return -1;
		}
		if (scmi_iio_set_cdev(*out, props_get(&p, "dev")) != 0) {
			fprintf(stderr, "error: device '%s': dev path too long\n", spec);
			scmi_sensor_destroy(*out);
			return -1;
		}
		return 0;
	}
	fprintf(stderr, "error: device '%s': unknown device kind '%s' (see --help-devices)\n",
		spec, kind);
	return -1;
}

static int
scmi_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	    size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct scmi_args *a = ctx;
	struct scmi_sensor *s[MAX_SPECS];
	struct scmi_dev *d;
	char ctl[4096];
	unsigned int i;
	int rc;

	/* one socket: the path as given, like upstream */
	if (o->socket_count == 1 && (size_t)snprintf(path, path_len, "%s", o->socket_path) >=
	    path_len) {
		fprintf(stderr, "error: socket path too long: %s\n", o->socket_path);
		return -1;
	}
	/* suffixed 0..N-1 always, as the other apps' --sim-control sockets */
	if (a->ctl != NULL) {
		rc = vhd_socket_name(ctl, sizeof(ctl), a->ctl, idx);
		if (rc != 0) {
			fprintf(stderr, "error: --sim-control path too long\n");
			return -1;
		}
	}
	for (i = 0; i < a->nspec; i++) {
		if (make_sensor(a->spec[i], &s[i]) != 0) {
			while (i-- > 0)
				scmi_sensor_destroy(s[i]);
			return -1;
		}
	}
	rc = scmi_dev_create(s, a->nspec, a->ctl != NULL ? ctl : NULL, 0, &d);
	if (rc != 0) {
		fprintf(stderr, "error: cannot create the device%s%s: %s\n",
			a->ctl != NULL ? ", control socket " : "", a->ctl != NULL ? ctl : "",
			strerror(-rc));
		return -1;
	}
	*ops = &scmi_ops;
	*priv = d;
	return 0;
}

static void
scmi_destroy(void *ctx, unsigned int idx, void *priv)
{
	(void)ctx;
	(void)idx;
	scmi_dev_destroy(priv);
}

/* --help-devices needs no socket and no EAL, as upstream's. */
static bool
wants_help_devices(int argc, char **argv)
{
	int i, first = 1;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			first = i + 1;
	for (i = first; i < argc; i++)
		if (strcmp(argv[i], "--help-devices") == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket (as given; with -c N: PATH0..PATH<N-1>)"},
		{'d', "device", "NAME,PROP=VALUE,...", "a sensor (repeatable; --help-devices lists the\n"
		 "kinds and their properties)"},
		{OPT_HELP_DEVICES, "help-devices", NULL, "list the device kinds and their properties"},
		{OPT_SIM_CONTROL, "sim-control", "PATH", "(ours) control sockets PATH0..PATH<N-1> moving\n"
		 "fake sensors: 'set SENSOR AXIS VALUE',\n"
		 "'get SENSOR', 'list'"},
		{'c', "socket-count", "N", "(ours) N devices on sockets PATH0..PATH<N-1>"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH [-d DEVICE]... [options]",
		.summary = "virtio-scmi vhost-user backend (SCMI Base and Sensor protocols)",
		.opts = opts,
		.notes = "Serves SCMI's Base and Sensor management protocols over fake sensors\n"
			 "(an accelerometer as upstream's, and temperature, voltage, current) and\n"
			 "IIO sysfs devices. Linux binds virtio-scmi only from a device tree\n"
			 "node (arm,scmi-virtio with a protocol@15 child): an arm64 guest.",
		.examples = "-s /tmp/scmi.sock -d fake,name=accel0\n"
			    "-s /tmp/scmi.sock -d fake,kind=temperature,name=board --sim-control /tmp/scmi.ctl\n"
			    "-s /tmp/scmi.sock -d iio,path=/sys/bus/iio/devices/iio:device0,channel=in_accel",
		.qemu = "-chardev socket,id=scmi0,path=/tmp/scmi.sock\n"
			"-device vhost-user-scmi,chardev=scmi0",
		.counters = "requests, errors, bad_msgs, dropped, readings, read_errors, "
			    "notifications, notify_dropped, trip_events, updates, bad_event_bufs, "
			    "ctl_sets, stream_scans, restored, error_reports (under scmi)",
	};
	static struct scmi_args a;
	static const struct vhd_app app = {
		.name = "scmi",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = scmi_opt, .ctx = &a, .help = &help},
		.create = scmi_create,
		.destroy = scmi_destroy,
	};

	if (wants_help_devices(argc, argv)) {
		help_devices();
		return 0;
	}
	return vhd_app_main(argc, argv, &app);
}
