/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/* The command line every device app shares (see vhd_app_parse()). */

#include <ctype.h>
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
	{"version", no_argument, NULL, VHD_OPT_VERSION},
	{"print-man", no_argument, NULL, VHD_OPT_PRINT_MAN},
	{"print-completion", no_argument, NULL, VHD_OPT_PRINT_COMPLETION},
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

/*
 * The getopt tables of @p desc: the framework's options, then the app's
 * (from its help table when it has one, else its own tables).
 */
static int
make_opts(const struct vhd_app_desc *desc, struct option *longopts, char *shortopts,
	  size_t slen)
{
	unsigned int n = 0, i;
	size_t sl;

	for (i = 0; i < sizeof(base_longopts) / sizeof(base_longopts[0]); i++) {
		longopts[n] = base_longopts[i];
		if (desc->own_short_c && longopts[n].val == 'c')
			longopts[n].val = VHD_OPT_SOCKET_COUNT;
		n++;
	}
	snprintf(shortopts, slen, "%s%s", desc->own_short_c ? ":s:h" : ":s:c:h",
		 desc->help == NULL && desc->shortopts != NULL ? desc->shortopts : "");
	if (desc->help != NULL) {
		const struct vhd_opt_doc *d;

		for (d = desc->help->opts; d->name != NULL; d++) {
			if (d->val == 's' || (d->val == 'c' && !desc->own_short_c) ||
			    d->val == VHD_OPT_SOCKET_FD || d->val == VHD_OPT_SOCKET_COUNT)
				continue; /* in base_longopts */
			if (n == MAX_LONGOPTS)
				return -1;
			longopts[n].name = d->name;
			longopts[n].has_arg = d->arg != NULL ? required_argument : no_argument;
			longopts[n].flag = NULL;
			longopts[n].val = d->val;
			n++;
			sl = strlen(shortopts);
			if (d->val > 0 && d->val < 128 && isalnum(d->val) &&
			    strchr(shortopts + 1, d->val) == NULL && sl + 3 < slen) {
				shortopts[sl++] = (char)d->val;
				if (d->arg != NULL)
					shortopts[sl++] = ':';
				shortopts[sl] = '\0';
			}
		}
	}
	for (i = 0; desc->help == NULL && desc->longopts != NULL &&
		    desc->longopts[i].name != NULL && n < MAX_LONGOPTS; i++)
		longopts[n++] = desc->longopts[i];
	memset(&longopts[n], 0, sizeof(longopts[n]));
	return 0;
}

static void
print_help(const char *prog, const struct vhd_app_desc *desc)
{
	if (desc->help != NULL)
		vhd_help_print(stdout, prog, desc->help);
	else
		desc->usage(prog);
}

int
vhd_app_info(int argc, char **argv, const char *name, const struct vhd_app_desc *desc)
{
	struct option longopts[MAX_LONGOPTS + 1];
	char shortopts[128];
	char **args;
	int i, first = 1, n, c, rc = 0;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			first = i + 1;
			break;
		}
	if (make_opts(desc, longopts, shortopts, sizeof(shortopts)) != 0)
		return -1;
	/* getopt_long() permutes what it scans: scan a copy, program name first. */
	n = argc - first + 1;
	args = calloc((size_t)n + 1, sizeof(*args));
	if (args == NULL)
		return -1;
	args[0] = argv[0];
	for (i = first; i < argc; i++)
		args[i - first + 1] = argv[i];
	opterr = 0;
	optind = 0;
	while (rc == 0 && (c = getopt_long(n, args, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(argv[0], desc);
			rc = 1;
			break;
		case VHD_OPT_VERSION:
			vhd_version_print(stdout, argv[0]);
			rc = 1;
			break;
		case VHD_OPT_PRINT_MAN:
		case VHD_OPT_PRINT_COMPLETION:
			if (desc->help == NULL) {
				fprintf(stderr, "error: this app has no help table for %s\n",
					c == VHD_OPT_PRINT_MAN ? "--print-man" :
					"--print-completion");
				rc = -1;
			} else if (c == VHD_OPT_PRINT_MAN) {
				rc = vhd_help_man(stdout, name, desc->help) == 0 ? 1 : -1;
			} else {
				vhd_help_completion(stdout, name, desc->help);
				rc = 1;
			}
			break;
		default: /* the real parse reports errors, after EAL */
			break;
		}
	}
	free(args);
	optind = 0;
	if (rc > 0 && fflush(stdout) != 0)
		rc = -1;
	return rc;
}

int
vhd_app_parse(int argc, char **argv, const struct vhd_app_desc *desc, struct vhd_app_opts *out)
{
	struct option longopts[MAX_LONGOPTS + 1];
	char shortopts[128];
	uint64_t v;
	int c, shift;

	memset(out, 0, sizeof(*out));
	shift = vhd_eal_init(argc, argv);
	argc -= shift;
	argv += shift;
	vhd_common_opts_init(&out->common, desc->mode);
	out->socket_count = 1;
	if (make_opts(desc, longopts, shortopts, sizeof(shortopts)) != 0) {
		fprintf(stderr, "error: too many options\n");
		return -1;
	}
	opterr = 0;
	optind = 0; /* glibc: start over, even after an earlier scan */
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			out->socket_path = optarg;
			break;
		case 'c':
			if (desc->own_short_c) {
				if (desc->opt(desc->ctx, c, optarg) != 0)
					return -1;
				break;
			}
			/* fall through */
		case VHD_OPT_SOCKET_COUNT:
			if (vhd_parse_u64(optarg, 1, VHD_APP_MAX_SOCKETS, &v) != 0) {
				fprintf(stderr, "error: --socket-count takes 1..%d, not '%s'\n",
					VHD_APP_MAX_SOCKETS, optarg);
				return -1;
			}
			out->socket_count = (unsigned int)v;
			break;
		case 'h':
			print_help(argv[0], desc);
			return 1;
		case VHD_OPT_VERSION:
			vhd_version_print(stdout, argv[0]);
			return 1;
		case VHD_OPT_PRINT_MAN:
		case VHD_OPT_PRINT_COMPLETION:
			fprintf(stderr, "error: %s needs the app's help table\n", argv[optind - 1]);
			return -1;
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

	rc = vhd_app_info(argc, argv, app->name, &app->desc);
	if (rc != 0)
		return rc > 0 ? 0 : 1;
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
