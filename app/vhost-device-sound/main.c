/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-sound [EAL options --] --socket PATH | --socket-fd FD
 *                    --backend null|file|alsa|pipewire|gstreamer [options]
 * Upstream's options (rust-vmm vhost-device-sound): one device, the socket
 * path used as given, or an inherited listening socket; ours: --streams,
 * --file-out/--file-in (the file backend), --alsa-device, --jacks with
 * --sim-control, --controls.
 */

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sound_alsa.h"
#include "sound_ctl.h"
#include "sound_dev.h"
#include "sound_file.h"
#include "vhd_vhost.h"

enum {
	OPT_SOCKET = 0x2000,
	OPT_BACKEND,
	OPT_STREAMS,
	OPT_FILE_OUT,
	OPT_FILE_IN,
	OPT_ALSA_DEVICE,
	OPT_JACKS,
	OPT_SIM_CONTROL,
	OPT_CONTROLS,
};

struct sound_args {
	const char *socket;
	const char *backend;
	uint32_t n_out, n_in;
	const char *file_out, *file_in;
	const char *alsa_out, *alsa_in;
	bool jacks, controls;
	const char *sim_control;
	struct sound_dev *dev;
};

static int
parse_streams(struct sound_args *a, const char *arg)
{
	char buf[64], *tok, *save = NULL;
	bool seen_out = false, seen_in = false;

	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	a->n_out = a->n_in = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		uint64_t v;
		bool out = strncmp(tok, "out:", 4) == 0;

		if (!out && strncmp(tok, "in:", 3) != 0)
			goto bad;
		if ((out && seen_out) || (!out && seen_in))
			goto bad;
		if (vhd_parse_u64(tok + (out ? 4 : 3), 0, SOUND_MAX_STREAMS, &v) != 0)
			goto bad;
		if (out) {
			a->n_out = (uint32_t)v;
			seen_out = true;
		} else {
			a->n_in = (uint32_t)v;
			seen_in = true;
		}
	}
	if (a->n_out + a->n_in == 0 || a->n_out + a->n_in > SOUND_MAX_STREAMS)
		goto bad;
	return 0;
bad:
	fprintf(stderr, "error: --streams takes out:N,in:M with 1..%d streams in all, not '%s'\n",
		SOUND_MAX_STREAMS, arg);
	return -1;
}

static int
sound_opt(void *ctx, int c, const char *arg)
{
	struct sound_args *a = ctx;

	switch (c) {
	case OPT_SOCKET:
		a->socket = arg;
		return 0;
	case OPT_BACKEND:
		if (strcmp(arg, "pipewire") == 0 || strcmp(arg, "gstreamer") == 0) {
			fprintf(stderr, "error: --backend %s is not built in this "
				"vhost-device-sound (available: null, file, alsa)\n", arg);
			return -1;
		}
		if (strcmp(arg, "null") != 0 && strcmp(arg, "file") != 0 &&
		    strcmp(arg, "alsa") != 0) {
			fprintf(stderr, "error: --backend takes null, file, alsa, pipewire or "
				"gstreamer, not '%s'\n", arg);
			return -1;
		}
		a->backend = arg;
		return 0;
	case OPT_STREAMS:
		return parse_streams(a, arg);
	case OPT_FILE_OUT:
		a->file_out = arg;
		return 0;
	case OPT_FILE_IN:
		a->file_in = arg;
		return 0;
	case OPT_ALSA_DEVICE:
		if (strncmp(arg, "out:", 4) == 0) {
			a->alsa_out = arg + 4;
		} else if (strncmp(arg, "in:", 3) == 0) {
			a->alsa_in = arg + 3;
		} else {
			a->alsa_out = a->alsa_in = arg;
		}
		if ((a->alsa_out != NULL && a->alsa_out[0] == '\0') ||
		    (a->alsa_in != NULL && a->alsa_in[0] == '\0')) {
			fprintf(stderr, "error: --alsa-device takes [out:|in:]NAME, not '%s'\n",
				arg);
			return -1;
		}
		return 0;
	case OPT_JACKS:
		a->jacks = true;
		return 0;
	case OPT_SIM_CONTROL:
		a->sim_control = arg;
		return 0;
	case OPT_CONTROLS:
		a->controls = true;
		return 0;
	default:
		return -1;
	}
}

/* Output stream j > 0 records to PATH-j.wav (the index before the extension). */
static int
out_path(char *buf, size_t len, const char *path, uint32_t j)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (j == 0)
		return snprintf(buf, len, "%s", path) < (int)len ? 0 : -1;
	if (dot == NULL || (slash != NULL && dot < slash))
		dot = path + strlen(path);
	return snprintf(buf, len, "%.*s-%u%s", (int)(dot - path), path, j, dot) < (int)len ? 0
											       : -1;
}

static int
sound_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct sound_args *a = ctx;
	struct sound_dev_config cfg = {0};
	struct sound_wav_info wi;
	char err[256], p[4096];
	uint32_t i;
	bool file;

	if (a->socket != NULL && (o->common.has_listen_fd || o->socket_path != NULL)) {
		fprintf(stderr, "error: --socket excludes --socket-fd and --socket-path\n");
		return -1;
	}
	if (a->socket == NULL && o->socket_path == NULL && !o->common.has_listen_fd) {
		fprintf(stderr, "error: --socket or --socket-fd is required (see --help)\n");
		return -1;
	}
	if (a->backend == NULL) {
		fprintf(stderr, "error: --backend is required (null, file or alsa)\n");
		return -1;
	}
	file = strcmp(a->backend, "file") == 0;
	if (!file && (a->file_out != NULL || a->file_in != NULL)) {
		fprintf(stderr, "error: --file-out and --file-in need --backend file\n");
		return -1;
	}
	if (strcmp(a->backend, "alsa") != 0 && (a->alsa_out != NULL || a->alsa_in != NULL)) {
		fprintf(stderr, "error: --alsa-device needs --backend alsa\n");
		return -1;
	}
	if (a->sim_control != NULL && !a->jacks) {
		fprintf(stderr, "error: --sim-control needs --jacks (it connects and disconnects "
			"them)\n");
		return -1;
	}
	cfg.n_out = a->n_out;
	cfg.n_in = a->n_in;
	cfg.jacks = a->jacks;
	cfg.controls = a->controls;
	if (file) {
		if (a->file_out != NULL && a->n_out > 0)
			cfg.be_out = &sound_file_backend;
		if (a->file_in != NULL && a->n_in > 0)
			cfg.be_in = &sound_file_backend;
		for (i = 0; i < a->n_out && a->file_out != NULL; i++) {
			if (out_path(p, sizeof(p), a->file_out, i) != 0) {
				fprintf(stderr, "error: --file-out path too long\n");
				goto fail;
			}
			cfg.be_arg[i] = sound_file_open_out(p, err, sizeof(err));
			if (cfg.be_arg[i] == NULL) {
				fprintf(stderr, "error: --file-out %s\n", err);
				goto fail;
			}
		}
		for (i = 0; i < a->n_in && a->file_in != NULL; i++) {
			cfg.be_arg[a->n_out + i] = sound_file_open_in(a->file_in, &wi, err,
								      sizeof(err));
			if (cfg.be_arg[a->n_out + i] == NULL) {
				fprintf(stderr, "error: --file-in %s\n", err);
				goto fail;
			}
		}
	}
	if (strcmp(a->backend, "alsa") == 0) {
		cfg.be_out = cfg.be_in = &sound_alsa_backend;
		for (i = 0; i < a->n_out + a->n_in; i++) {
			const char *name = i < a->n_out ? a->alsa_out : a->alsa_in;

			cfg.be_arg[i] = sound_alsa_new(name != NULL ? name : "default");
			if (cfg.be_arg[i] == NULL) {
				fprintf(stderr, "error: --alsa-device name too long\n");
				goto fail;
			}
		}
	}
	a->dev = calloc(1, sizeof(*a->dev));
	if (a->dev == NULL || sound_dev_init(a->dev, &cfg) != 0) {
		fprintf(stderr, "error: cannot create the device\n");
		goto fail;
	}
	for (i = 0; i < a->n_in && a->file_in != NULL; i++)
		sound_file_limit(&a->dev->stream[a->n_out + i], &wi);
	if (a->sim_control != NULL &&
	    sound_ctl_open(a->dev, a->sim_control, err, sizeof(err)) != 0) {
		fprintf(stderr, "error: %s\n", err);
		sound_dev_fini(a->dev);
		free(a->dev);
		a->dev = NULL;
		return -1;
	}
	return 1;
fail:
	free(a->dev);
	a->dev = NULL;
	for (i = 0; i < SOUND_MAX_STREAMS; i++) {
		if (file)
			sound_file_close(cfg.be_arg[i]);
		else
			free(cfg.be_arg[i]);
	}
	return -1;
}

static int
sound_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	     size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct sound_args *a = ctx;
	const char *sock = a->socket != NULL ? a->socket : o->socket_path;

	(void)idx;
	/* upstream's socket is the path itself; none with --socket-fd */
	if (sock != NULL && (size_t)snprintf(path, path_len, "%s", sock) >= path_len) {
		fprintf(stderr, "error: socket path too long: %s\n", sock);
		return -1;
	}
	*ops = sound_dev_ops(a->dev);
	*priv = a->dev;
	return 0;
}

static void
sound_cleanup(void *ctx)
{
	struct sound_args *a = ctx;

	if (a->dev == NULL)
		return;
	sound_ctl_close(a->dev);
	sound_dev_fini(a->dev); /* WAV headers get their final sizes */
	free(a->dev);
	a->dev = NULL;
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{OPT_SOCKET, "socket", "PATH", "vhost-user socket (used as given)"},
		{VHD_OPT_SOCKET_FD, "socket-fd", "FD", "serve this inherited listening unix socket instead\n"
		 "(systemd socket activation); excludes --socket"},
		{OPT_BACKEND, "backend", "NAME", "null: plays into nothing, captures silence, in real\n"
		 "time; file: WAV files (--file-out, --file-in);\n"
		 "alsa: an ALSA PCM (--alsa-device); pipewire and\n"
		 "gstreamer are not built"},
		{OPT_STREAMS, "streams", "out:N,in:M", "N output and M input streams (out:1,in:1);\n"
		 "1.." VHD_STR(SOUND_MAX_STREAMS) " in all; either part may be left out or 0"},
		{OPT_FILE_OUT, "file-out", "PATH.wav", "file backend: record playback to this WAV (output\n"
		 "stream j > 0: PATH-j.wav); without it, null"},
		{OPT_FILE_IN, "file-in", "PATH.wav", "file backend: capture plays this WAV, looping; the\n"
		 "input streams offer its format only; without it,\n"
		 "null"},
		{OPT_ALSA_DEVICE, "alsa-device", "[out:|in:]NAME", "alsa backend: the PCM (default \"default\")"},
		{OPT_JACKS, "jacks", NULL, "a jack per stream (headphone out, mic in)"},
		{OPT_SIM_CONTROL, "sim-control", "PATH", "control socket: \"jack ID connect|disconnect\",\n"
		 "\"jacks\"; a change sends the guest a jack event"},
		{OPT_CONTROLS, "controls", NULL, "offer VIRTIO_SND_F_CTLS: volume and switch per\n"
		 "stream (QEMU: vhost-user-snd-pci,controls=on)"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "--socket PATH --backend NAME [options]\n--socket-fd FD --backend NAME [options]",
		.summary = "virtio-snd vhost-user backend",
		.opts = opts,
		.notes = "PCM playback and capture paced by the sample clock (framework timers with\n"
			 "absolute deadlines), jacks, channel maps and volume controls.",
		.examples = "--socket /tmp/snd.sock --backend null\n"
			    "--socket /tmp/snd.sock --backend file --file-out /tmp/out.wav --file-in /tmp/in.wav\n"
			    "--socket /tmp/snd.sock --backend alsa --alsa-device out:hw:0 --controls --jacks",
		.qemu = "-chardev socket,id=snd0,path=/tmp/snd.sock\n"
			"-device vhost-user-snd-pci,chardev=snd0",
		.counters = "ctl_requests, ctl_bad, ctl_not_supp, pcm_buffers, pcm_bytes, xruns, "
			    "io_errors, io_bad, dropped, events, events_dropped, evt_bad, ctl_lines "
			    "(under sound)",
	};
	static struct sound_args a = {.n_out = 1, .n_in = 1};
	/* audio is a few buffers per period: sleep between them, timers wake the worker */
	static const struct vhd_app app = {
		.name = "sound",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = sound_opt, .ctx = &a, .socket_fd = true,
			 .own_sockets = true, .help = &help},
		.prepare = sound_prepare,
		.create = sound_create,
		.cleanup = sound_cleanup,
	};

	return vhd_app_main(argc, argv, &app);
}
