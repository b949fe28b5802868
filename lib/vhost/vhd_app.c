/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* The command line every device app shares (see vhd_app_parse()). */

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "vhd_internal.h"

#define MAX_LONGOPTS 64

static const struct option base_longopts[] = {
	{"socket-path", required_argument, NULL, 's'},
	{"socket-count", required_argument, NULL, 'c'},
	{"help", no_argument, NULL, 'h'},
	{"socket-fd", required_argument, NULL, VHD_OPT_SOCKET_FD},
	VHD_COMMON_LONGOPTS,
};

/* The directory a socket goes in must exist: say so before any device
 * (or host hardware) is set up, rather than failing at bind().
 */
static int
check_socket_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	struct stat st;
	size_t n;

	if (slash == NULL)
		return 0;
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= sizeof(dir)) {
		fprintf(stderr, "error: --socket-path too long\n");
		return -1;
	}
	memcpy(dir, path, n);
	dir[n] = '\0';
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "error: --socket-path %s: directory %s does not exist\n", path, dir);
		return -1;
	}
	return 0;
}

int
vhd_app_parse(int argc, char **argv, const struct vhd_app_desc *desc, struct vhd_app_opts *out)
{
	struct option longopts[MAX_LONGOPTS + 1];
	char shortopts[128];
	unsigned int n = 0, i;
	uint64_t v;
	int c, shift;

	memset(out, 0, sizeof(*out));
	shift = vhd_eal_init(argc, argv);
	argc -= shift;
	argv += shift;
	vhd_common_opts_init(&out->common, desc->mode);
	out->socket_count = 1;
	for (i = 0; i < sizeof(base_longopts) / sizeof(base_longopts[0]); i++)
		longopts[n++] = base_longopts[i];
	for (i = 0; desc->longopts != NULL && desc->longopts[i].name != NULL &&
		    n < MAX_LONGOPTS; i++)
		longopts[n++] = desc->longopts[i];
	memset(&longopts[n], 0, sizeof(longopts[n]));
	snprintf(shortopts, sizeof(shortopts), ":s:c:h%s",
		 desc->shortopts != NULL ? desc->shortopts : "");
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			out->socket_path = optarg;
			break;
		case 'c':
			if (vhd_parse_u64(optarg, 1, VHD_APP_MAX_SOCKETS, &v) != 0) {
				fprintf(stderr, "error: --socket-count takes 1..%d, not '%s'\n",
					VHD_APP_MAX_SOCKETS, optarg);
				return -1;
			}
			out->socket_count = (unsigned int)v;
			break;
		case 'h':
			desc->usage(argv[0]);
			return 1;
		case VHD_OPT_SOCKET_FD: {
			char err[160];

			if (!desc->socket_fd) {
				fprintf(stderr, "error: unknown option --socket-fd (see --help)\n");
				return -1;
			}
			if (vhd_parse_u64(optarg, 0, INT32_MAX, &v) != 0) {
				fprintf(stderr, "error: --socket-fd takes a file descriptor number, "
					"not '%s'\n", optarg);
				return -1;
			}
			if (vhd_sockfd_check((int)v, err, sizeof(err)) != 0) {
				fprintf(stderr, "error: %s\n", err);
				return -1;
			}
			out->common.has_listen_fd = true;
			out->common.listen_fd = (int)v;
			break;
		}
		case ':':
			fprintf(stderr, "error: option %s needs a value\n", argv[optind - 1]);
			return -1;
		case '?':
			fprintf(stderr, "error: unknown option %s (see --help)\n", argv[optind - 1]);
			return -1;
		default:
			switch (vhd_common_opt(c, optarg, &out->common)) {
			case 1:
				break;
			case 0:
				if (desc->opt(desc->ctx, c, optarg) != 0)
					return -1;
				break;
			default:
				return -1;
			}
		}
	}
	for (; optind < argc && desc->arg != NULL; optind++)
		if (desc->arg(desc->ctx, argv[optind]) != 0)
			return -1;
	if (optind < argc) {
		fprintf(stderr, "error: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	if (out->common.has_listen_fd) {
		if (out->socket_path != NULL || out->common.client || out->socket_count != 1) {
			fprintf(stderr, "error: --socket-fd excludes --socket-path, --client and "
				"--socket-count\n");
			return -1;
		}
		return 0;
	}
	if (out->socket_path == NULL && desc->own_sockets)
		return 0;
	if (out->socket_path == NULL) {
		fprintf(stderr, "error: --socket-path is required (see --help)\n");
		return -1;
	}
	return check_socket_dir(out->socket_path);
}

int
vhd_app_main(int argc, char **argv, const struct vhd_app *app)
{
	static void *privs[VHD_APP_MAX_SOCKETS];
	void *ctx = app->desc.ctx;
	struct vhd_app_opts o;
	int rc, n, i, made = 0;

	rc = vhd_app_parse(argc, argv, &app->desc, &o);
	if (rc != 0)
		return rc > 0 ? 0 : 1;
	n = app->prepare != NULL ? app->prepare(ctx, &o) : (int)o.socket_count;
	if (n < 0 || n > VHD_APP_MAX_SOCKETS) {
		if (n > VHD_APP_MAX_SOCKETS)
			fprintf(stderr, "error: at most %d devices per process\n",
				VHD_APP_MAX_SOCKETS);
		goto fail;
	}
	for (made = 0; made < n; made++) {
		const struct vhd_device_ops *ops = NULL;
		char path[PATH_MAX];
		struct vhd_common_opts co = o.common;

		path[0] = '\0'; /* --socket-fd: vhd_dev_create() picks its own */
		if (!o.common.has_listen_fd && o.socket_path != NULL &&
		    vhd_socket_name(path, sizeof(path), o.socket_path, (unsigned int)made) != 0) {
			fprintf(stderr, "error: socket path too long: %s\n", o.socket_path);
			goto fail;
		}
		privs[made] = NULL;
		if (app->create(ctx, (unsigned int)made, &o, path, sizeof(path), &ops,
				&privs[made]) != 0)
			goto fail;
		if (co.n_lcores != 0) {
			co.lcores[0] = o.common.lcores[made % o.common.n_lcores];
			co.n_lcores = 1;
		}
		if (vhd_dev_create(path, ops, privs[made], &co) == NULL) {
			made++; /* its state exists: destroy it below */
			goto fail;
		}
	}
	rc = vhd_run();
	/* Workers are joined: driver state can go. */
	for (i = 0; i < made; i++)
		if (app->destroy != NULL)
			app->destroy(ctx, (unsigned int)i, privs[i]);
	if (app->cleanup != NULL)
		app->cleanup(ctx);
	return rc;
fail:
	/* Sockets of the devices created so far go first, then their state. */
	vhd_abort();
	for (i = 0; i < made; i++)
		if (app->destroy != NULL && privs[i] != NULL)
			app->destroy(ctx, (unsigned int)i, privs[i]);
	if (app->cleanup != NULL)
		app->cleanup(ctx);
	return 1;
}
