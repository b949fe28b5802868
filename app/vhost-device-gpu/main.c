/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhost-device-gpu [EAL options --] -s PATH [-g MODE] [options]
 * Upstream's options (-s, -g, -c/--capset, --use-*, --headless,
 * --gpu-device) plus ours (--mode-2d, --max-outputs, --edid). Upstream uses
 * -s PATH as given (one device); so do we with one socket, and
 * --socket-count N (long only: -c is upstream's --capset) suffixes 0..N-1.
 */

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu.h"
#include "gpu_virgl.h"
#include "vhd_vhost.h"

enum {
	OPT_USE_EGL = 0x2000,
	OPT_USE_GLX,
	OPT_USE_GLES,
	OPT_USE_SURFACELESS,
	OPT_HEADLESS,
	OPT_GPU_DEVICE,
	OPT_MODE_2D,
	OPT_MAX_OUTPUTS,
	OPT_EDID,
};

enum gpu_mode { MODE_2D, MODE_VIRGL, MODE_GFXSTREAM, MODE_NULL };

struct gpu_args {
	enum gpu_mode mode;
	bool mode_set, mode_2d;
	const char *capset;
	const char *gpu_device;
	bool headless;
	bool use_egl, use_glx, use_gles, use_surfaceless;
	uint64_t max_outputs;
	bool edid;
	struct gpu_virgl_opts virgl; /**< virgl mode: filled by gpu_prepare() */
};

static int
parse_bool(const char *opt, const char *arg, bool *out)
{
	if (strcmp(arg, "true") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(arg, "false") == 0) {
		*out = false;
		return 0;
	}
	fprintf(stderr, "error: %s takes true or false, not '%s'\n", opt, arg);
	return -1;
}

/* Upstream's capset names; which mode each belongs to. The virgl ones
 * chosen go to @p a->virgl.capsets (none named: both).
 */
static int
check_capsets(struct gpu_args *a)
{
	char buf[256], *tok, *save = NULL;

	a->virgl.capsets = (1u << GPU_CAPSET_VIRGL) | (1u << GPU_CAPSET_VIRGL2);
	if (a->capset == NULL)
		return 0;
	a->virgl.capsets = 0;
	if (strlen(a->capset) >= sizeof(buf) || a->capset[0] == '\0') {
		fprintf(stderr, "error: --capset: bad list '%s'\n", a->capset);
		return -1;
	}
	strcpy(buf, a->capset);
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		bool virgl = strcmp(tok, "virgl") == 0 || strcmp(tok, "virgl2") == 0;
		bool gfx = strcmp(tok, "gfxstream-vulkan") == 0 ||
			   strcmp(tok, "gfxstream-gles") == 0;

		if (!virgl && !gfx) {
			fprintf(stderr, "error: --capset: unknown capset '%s' (virgl, virgl2, "
				"gfxstream-vulkan, gfxstream-gles)\n", tok);
			return -1;
		}
		if ((virgl && a->mode != MODE_VIRGL) || (gfx && a->mode != MODE_GFXSTREAM)) {
			fprintf(stderr, "error: --capset %s is not valid for this --gpu-mode\n", tok);
			return -1;
		}
		a->virgl.capsets |= 1u << (strcmp(tok, "virgl") == 0 ? GPU_CAPSET_VIRGL :
								      GPU_CAPSET_VIRGL2);
	}
	return 0;
}

static int
gpu_opt(void *ctx, int c, const char *arg)
{
	struct gpu_args *a = ctx;

	switch (c) {
	case 'g':
		if (strcmp(arg, "virglrenderer") == 0 || strcmp(arg, "virgl-renderer") == 0)
			a->mode = MODE_VIRGL;
		else if (strcmp(arg, "gfxstream") == 0)
			a->mode = MODE_GFXSTREAM;
		else if (strcmp(arg, "null") == 0)
			a->mode = MODE_NULL;
		else {
			fprintf(stderr, "error: --gpu-mode takes virglrenderer, gfxstream or null, "
				"not '%s'\n", arg);
			return -1;
		}
		a->mode_set = true;
		return 0;
	case 'c':
		a->capset = arg;
		return 0;
	case OPT_USE_EGL:
		return parse_bool("--use-egl", arg, &a->use_egl);
	case OPT_USE_GLX:
		return parse_bool("--use-glx", arg, &a->use_glx);
	case OPT_USE_GLES:
		return parse_bool("--use-gles", arg, &a->use_gles);
	case OPT_USE_SURFACELESS:
		return parse_bool("--use-surfaceless", arg, &a->use_surfaceless);
	case OPT_HEADLESS:
		a->headless = true;
		return 0;
	case OPT_GPU_DEVICE:
		a->gpu_device = arg;
		return 0;
	case OPT_MODE_2D:
		a->mode_2d = true;
		return 0;
	case OPT_MAX_OUTPUTS:
		if (vhd_parse_u64(arg, 1, GPU_MAX_SCANOUTS, &a->max_outputs) == 0)
			return 0;
		fprintf(stderr, "error: --max-outputs takes 1..%d, not '%s'\n", GPU_MAX_SCANOUTS,
			arg);
		return -1;
	case OPT_EDID:
		if (strcmp(arg, "on") == 0 || strcmp(arg, "off") == 0) {
			a->edid = strcmp(arg, "on") == 0;
			return 0;
		}
		fprintf(stderr, "error: --edid takes on or off, not '%s'\n", arg);
		return -1;
	default:
		return -1;
	}
}

static int
gpu_prepare(void *ctx, const struct vhd_app_opts *o)
{
	struct gpu_args *a = ctx;

	if (a->mode_2d && a->mode_set && a->mode != MODE_NULL) {
		fprintf(stderr, "error: --mode-2d excludes --gpu-mode %s\n",
			a->mode == MODE_VIRGL ? "virglrenderer" : "gfxstream");
		return -1;
	}
	if (a->mode_2d && a->mode == MODE_NULL) {
		fprintf(stderr, "error: --mode-2d excludes --gpu-mode null\n");
		return -1;
	}
	if (a->mode == MODE_GFXSTREAM) {
		fprintf(stderr, "error: --gpu-mode gfxstream is not supported: Debian has no "
			"gfxstream (use virglrenderer, null or --mode-2d)\n");
		return -1;
	}
	if (a->gpu_device != NULL && a->mode != MODE_VIRGL) {
		fprintf(stderr, "error: --gpu-device is for --gpu-mode virglrenderer only\n");
		return -1;
	}
	if (check_capsets(a) != 0)
		return -1;
	if (a->mode == MODE_VIRGL) {
		if (o->socket_count > 1) {
			fprintf(stderr, "error: --gpu-mode virglrenderer serves one device per "
				"process (virglrenderer has one renderer): --socket-count 1\n");
			return -1;
		}
		if (!a->use_egl && !a->use_glx) {
			fprintf(stderr, "error: --gpu-mode virglrenderer needs --use-egl true or "
				"--use-glx true\n");
			return -1;
		}
		a->virgl.egl = a->use_egl;
		a->virgl.glx = a->use_glx;
		a->virgl.gles = a->use_gles;
		a->virgl.surfaceless = a->use_surfaceless;
		a->virgl.render_node = a->gpu_device;
		if (gpu_virgl_probe(&a->virgl) != 0)
			return -1;
	}
	return (int)o->socket_count;
}

static int
gpu_create(void *ctx, unsigned int idx, const struct vhd_app_opts *o, char *path,
	   size_t path_len, const struct vhd_device_ops **ops, void **priv)
{
	struct gpu_args *a = ctx;
	struct gpu_opts go = {
		.max_outputs = (uint32_t)a->max_outputs,
		.edid = a->edid && !a->headless,
		.null_mode = a->mode == MODE_NULL,
		.headless = a->headless,
		.virgl = a->mode == MODE_VIRGL ? &a->virgl : NULL,
	};
	struct gpu_dev *d;

	(void)idx;
	/* one socket: the path as given, like upstream */
	if (o->socket_count == 1 && (size_t)snprintf(path, path_len, "%s", o->socket_path) >=
	    path_len) {
		fprintf(stderr, "error: socket path too long: %s\n", o->socket_path);
		return -1;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	if (gpu_dev_init(d, &go) != 0) {
		free(d);
		return -1;
	}
	*ops = &d->ops;
	*priv = d;
	return 0;
}

static void
gpu_destroy(void *ctx, unsigned int idx, void *priv)
{
	(void)ctx;
	(void)idx;
	gpu_dev_fini(priv);
	free(priv);
}

int
main(int argc, char **argv)
{
	static const struct vhd_opt_doc opts[] = {
		{'s', "socket-path", "PATH", "vhost-user socket"},
		{'g', "gpu-mode", "MODE", "virglrenderer: virgl 3D (EGL surfaceless,\n"
		 "Mesa; one device per process); null: every\ncheck, no pixels; gfxstream: refused "
		 "(not\nin Debian); default: our 2D renderer"},
		{'c', "capset", "LIST", "virgl,virgl2,gfxstream-vulkan,gfxstream-gles:\n"
		 "3D modes only (virgl: both by default)"},
		{OPT_USE_EGL, "use-egl", "BOOL", "virgl: EGL (true)"},
		{OPT_USE_GLX, "use-glx", "BOOL", "virgl: GLX (false)"},
		{OPT_USE_GLES, "use-gles", "BOOL", "virgl: GLES (true)"},
		{OPT_USE_SURFACELESS, "use-surfaceless", "BOOL", "virgl: surfaceless EGL (true)"},
		{OPT_HEADLESS, "headless", NULL, "no display: EDID not offered, display socket\n"
		 "unused"},
		{OPT_GPU_DEVICE, "gpu-device", "PATH", "virgl: DRM render node"},
		{OPT_MODE_2D, "mode-2d", NULL, "ours: our CPU 2D renderer (the default without -g)"},
		{OPT_MAX_OUTPUTS, "max-outputs", "N", "ours: scanouts 1..16 (1); match QEMU's\n"
		 "max_outputs"},
		{OPT_EDID, "edid", "on|off", "ours: offer VIRTIO_GPU_F_EDID (on)"},
		{VHD_OPT_SOCKET_COUNT, "socket-count", "N", "ours: N devices on sockets\n"
		 "PATH0..PATH<N-1> (1: PATH); long only, -c is --capset"},
		{0, NULL, NULL, NULL},
	};
	static const struct vhd_help help = {
		.synopsis = "-s PATH [-g null] [options]",
		.summary = "virtio-gpu (virtio id " VHD_STR(GPU_VIRTIO_ID) ") with our 2D renderer or virgl 3D "
			   "and QEMU's vhost-user-gpu display protocol",
		.opts = opts,
		.notes = "See the README's GPU device section.",
		.examples = "-s /tmp/gpu.sock\n-s /tmp/gpu.sock -g null\n"
			    "-s /tmp/gpu.sock -g virglrenderer",
		.qemu = "-chardev socket,id=gpu0,path=/tmp/gpu.sock\n"
			"-device vhost-user-gpu-pci,chardev=gpu0",
	};
	static struct gpu_args a = {
		.mode = MODE_2D, .use_egl = true, .use_gles = true, .use_surfaceless = true,
		.max_outputs = 1, .edid = true,
	};
	static const struct vhd_app app = {
		.name = "gpu",
		.desc = {.mode = VHD_MODE_INTERRUPT, .opt = gpu_opt, .ctx = &a, .help = &help,
			 .own_short_c = true},
		.prepare = gpu_prepare,
		.create = gpu_create,
		.destroy = gpu_destroy,
	};

	return vhd_app_main(argc, argv, &app);
}
