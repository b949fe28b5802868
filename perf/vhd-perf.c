/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * vhd-perf: latency and throughput of a vhost-user backend, measured as the
 * guest, next to the hardware floor of the same two cores. See perf/README.md.
 */

#include <ctype.h>
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_perf_floor.h"
#include "vhd_perf_gen.h"
#include "vhd_perf_console.h"
#include "vhd_perf_vsock.h"
#include "vhd_perf_gpio_irq.h"
#include "vhd_perf_gpu.h"
#include "vhd_perf_input.h"
#include "vhd_perf_sound.h"
#include "vhd_perf_report.h"
#include "vhd_perf_run.h"
#include "vhd_perf_source.h"
#include "vhd_perf_time.h"

struct opts {
	struct vhd_perf_run_cfg run;
	struct vhd_perf_irq_cfg irq;
	bool irq_mode;
	const char *peer;
	int cpu;
	int peer_cpu;
	bool floor;
	bool floor_only;
	const char *floor_file;
	uint64_t floor_iters;
	const char *source;
	bool source_only;
	double source_s;
	const char *label;
	const char *json;
	const char *tsv;
	bool quiet;
	bool size_set;
};

static void
usage(FILE *fp)
{
	fprintf(fp,
		"Usage: vhd-perf [OPTIONS]\n"
		"Act as the guest on a vhost-user backend socket; report requests/s, bytes/s\n"
		"and latency percentiles, each as a ratio to the hardware floor of the same cores.\n\n"
		"  -s, --socket PATH        backend's vhost-user socket\n"
		"  -d, --device NAME        request generator (default rng):\n");
	vhd_perf_gen_list(fp);
	fprintf(fp,
		"  -q, --qd N               requests kept in flight (1)\n"
		"  -b, --size BYTES         request size (generator default)\n"
		"      --op OP              generator operation (gpio: get | set; sound: jitter,\n"
		"                           48 kHz S16 stereo playback timed to the sample clock)\n"
		"      --target N           gpio line / i2c 7-bit address / rtc clock id,\n"
		"                           decimal or 0x hex (0)\n"
		"      --file PATH          scsi: LUN 0's image; the same I/O is done on it\n"
		"                           directly with io_uring at the same qd, as the floor\n"
		"      --irq LINE           gpio: interrupt latency of LINE instead: edges driven\n"
		"                           via --sim-control, timed to the eventq used buffer;\n"
		"                           input: latency of key LINE typed on --sim-control\n"
		"      --sim-control PATH   the simulated chip's control socket (the app's\n"
		"                           --sim-control PATH plus the socket index)\n"
		"      --irq-gap-us N       pause before each edge and each control-socket get,\n"
		"                           so an interrupt or hybrid backend is asleep (1000)\n"
		"      --peer unix:PATH|tcp:PORT\n"
		"                           console: the backend's port 0, where the tool's host\n"
		"                           client connects (echoes, discards or writes per --op);\n"
		"                           vsock: unix:UDS_PATH, the backend's --uds-path (the\n"
		"                           tool listens on UDS_PATH_5000 and connects there)\n"
		"  -n, --count N            measured requests (100000)\n"
		"  -t, --duration SEC       measure for SEC seconds instead of --count\n"
		"  -w, --warmup N           completions not measured (1000)\n"
		"  -S, --style STYLE        poll: spin on the used ring; notify: sleep on the\n"
		"                           call eventfd (poll)\n"
		"      --ring N             ring size (default: the smallest power of two, at\n"
		"                           least 8, that holds qd requests)\n"
		"      --packed             packed rings (VIRTIO_F_RING_PACKED) instead of split\n"
		"      --connect-ms MS      keep retrying the socket this long (5000)\n"
		"      --backend-pid PID    report the backend's CPU use (/proc/PID/stat)\n"
		"      --idle SEC           then stay connected, idle, SEC s and report its CPU\n"
		"  -c, --cpu N              pin the tool to CPU N\n"
		"  -p, --peer-cpu N         floor: echo thread on CPU N (the backend's core)\n"
		"      --floor-file FILE    floor from an earlier --floor-only JSON (default:\n"
		"                           measure it now, before connecting)\n"
		"      --no-floor           no floor, no ratios\n"
		"      --floor-only         measure the floor and exit\n"
		"      --floor-iters N      ping-pong round trips, eventfd gets N/10 (200000)\n"
		"      --source PATH        also time raw read()s of --size bytes from PATH\n"
		"      --source-only        only that\n"
		"      --source-seconds S   how long (1)\n"
		"  -l, --label TEXT         name of this run in reports (e.g. the backend mode)\n"
		"  -j, --json FILE          write the JSON report to FILE ('-': stdout)\n"
		"      --tsv FILE           append one tab-separated summary row to FILE\n"
		"      --quiet              no table on stdout\n"
		"  -h, --help\n\n"
		"Exit status: 0, 1 on failure, 2 when some completions were errors.\n");
}

enum {
	OPT_OP = 0x100,
	OPT_TARGET,
	OPT_RING,
	OPT_CONNECT_MS,
	OPT_FLOOR_FILE,
	OPT_NO_FLOOR,
	OPT_FLOOR_ONLY,
	OPT_FLOOR_ITERS,
	OPT_SOURCE,
	OPT_SOURCE_ONLY,
	OPT_SOURCE_S,
	OPT_TSV,
	OPT_QUIET,
	OPT_BACKEND_PID,
	OPT_IDLE,
	OPT_IRQ,
	OPT_SIM_CONTROL,
	OPT_IRQ_GAP,
	OPT_PACKED,
	OPT_PEER,
	OPT_FILE,
};

static const struct option longopts[] = {
	{"socket", required_argument, NULL, 's'},
	{"device", required_argument, NULL, 'd'},
	{"qd", required_argument, NULL, 'q'},
	{"size", required_argument, NULL, 'b'},
	{"op", required_argument, NULL, OPT_OP},
	{"target", required_argument, NULL, OPT_TARGET},
	{"file", required_argument, NULL, OPT_FILE},
	{"count", required_argument, NULL, 'n'},
	{"duration", required_argument, NULL, 't'},
	{"warmup", required_argument, NULL, 'w'},
	{"style", required_argument, NULL, 'S'},
	{"ring", required_argument, NULL, OPT_RING},
	{"connect-ms", required_argument, NULL, OPT_CONNECT_MS},
	{"cpu", required_argument, NULL, 'c'},
	{"peer-cpu", required_argument, NULL, 'p'},
	{"floor-file", required_argument, NULL, OPT_FLOOR_FILE},
	{"no-floor", no_argument, NULL, OPT_NO_FLOOR},
	{"floor-only", no_argument, NULL, OPT_FLOOR_ONLY},
	{"floor-iters", required_argument, NULL, OPT_FLOOR_ITERS},
	{"source", required_argument, NULL, OPT_SOURCE},
	{"source-only", no_argument, NULL, OPT_SOURCE_ONLY},
	{"source-seconds", required_argument, NULL, OPT_SOURCE_S},
	{"label", required_argument, NULL, 'l'},
	{"json", required_argument, NULL, 'j'},
	{"tsv", required_argument, NULL, OPT_TSV},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"backend-pid", required_argument, NULL, OPT_BACKEND_PID},
	{"idle", required_argument, NULL, OPT_IDLE},
	{"irq", required_argument, NULL, OPT_IRQ},
	{"sim-control", required_argument, NULL, OPT_SIM_CONTROL},
	{"irq-gap-us", required_argument, NULL, OPT_IRQ_GAP},
	{"packed", no_argument, NULL, OPT_PACKED},
	{"peer", required_argument, NULL, OPT_PEER},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/*
 * Unsigned decimal, or hexadecimal with 0x (i2c addresses are written so),
 * in [min, max]; one error line naming the option otherwise.
 */
static int
parse_u64(const char *opt, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	int base = strncmp(arg, "0x", 2) == 0 ? 16 : 10;
	const char *s = arg;
	unsigned long long v;
	char *end;

	if (base == 16)
		s += 2;
	if (!isxdigit((unsigned char)s[0]) || (base == 10 && !isdigit((unsigned char)s[0])))
		goto bad;
	v = strtoull(s, &end, base);
	if (*end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	fprintf(stderr, "vhd-perf: --%s must be an integer in [%lu, %lu], not '%s'\n", opt,
		(unsigned long)min, (unsigned long)max, arg);
	return -1;
}

static int
parse_secs(const char *opt, const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v > 0.0) || v > 86400.0) {
		fprintf(stderr, "vhd-perf: --%s must be seconds in (0, 86400], not '%s'\n", opt, s);
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->run.gen = &vhd_perf_gen_rng;
	o->run.qd = 1;
	o->run.count = 100000;
	o->run.warmup = 1000;
	o->run.connect_ms = 5000;
	o->run.style = VHD_PERF_POLL;
	o->cpu = -1;
	o->peer_cpu = -1;
	o->floor = true;
	o->floor_iters = 200000;
	o->source_s = 1.0;
	o->label = "run";
	o->irq.gap_us = 1000;

	while ((c = getopt_long(argc, argv, "s:d:q:b:n:t:w:S:c:p:l:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->run.socket = optarg;
			break;
		case 'd':
			o->run.gen = vhd_perf_gen_find(optarg);
			if (o->run.gen == NULL) {
				fprintf(stderr, "vhd-perf: unknown --device '%s' (see --help)\n",
					optarg);
				return -1;
			}
			break;
		case 'q':
			if (parse_u64("qd", optarg, 1, 32768, &v) != 0)
				return -1;
			o->run.qd = (uint32_t)v;
			break;
		case 'b':
			if (parse_u64("size", optarg, 1, UINT32_MAX, &v) != 0)
				return -1;
			o->run.gen_cfg.size = (uint32_t)v;
			o->size_set = true;
			break;
		case OPT_OP:
			o->run.gen_cfg.op = optarg;
			break;
		case OPT_FILE:
			o->run.gen_cfg.file = optarg;
			break;
		case OPT_TARGET:
			if (parse_u64("target", optarg, 0, UINT16_MAX, &v) != 0)
				return -1;
			o->run.gen_cfg.target = (uint32_t)v;
			break;
		case 'n':
			if (parse_u64("count", optarg, 1, UINT64_MAX / 2, &o->run.count) != 0)
				return -1;
			break;
		case 't':
			if (parse_secs("duration", optarg, &o->run.duration_s) != 0)
				return -1;
			break;
		case 'w':
			if (parse_u64("warmup", optarg, 0, UINT64_MAX / 2, &o->run.warmup) != 0)
				return -1;
			break;
		case 'S':
			if (strcmp(optarg, "poll") == 0) {
				o->run.style = VHD_PERF_POLL;
			} else if (strcmp(optarg, "notify") == 0) {
				o->run.style = VHD_PERF_NOTIFY;
			} else {
				fprintf(stderr, "vhd-perf: --style must be poll or notify\n");
				return -1;
			}
			break;
		case OPT_RING:
			if (parse_u64("ring", optarg, 1, 32768, &v) != 0)
				return -1;
			if ((v & (v - 1)) != 0) {
				fprintf(stderr, "vhd-perf: --ring must be a power of two\n");
				return -1;
			}
			o->run.ring_size = (uint16_t)v;
			break;
		case OPT_CONNECT_MS:
			if (parse_u64("connect-ms", optarg, 0, 600000, &v) != 0)
				return -1;
			o->run.connect_ms = (uint32_t)v;
			break;
		case 'c':
			if (parse_u64("cpu", optarg, 0, CPU_SETSIZE - 1, &v) != 0)
				return -1;
			o->cpu = (int)v;
			break;
		case 'p':
			if (parse_u64("peer-cpu", optarg, 0, CPU_SETSIZE - 1, &v) != 0)
				return -1;
			o->peer_cpu = (int)v;
			break;
		case OPT_FLOOR_FILE:
			o->floor_file = optarg;
			break;
		case OPT_NO_FLOOR:
			o->floor = false;
			break;
		case OPT_FLOOR_ONLY:
			o->floor_only = true;
			break;
		case OPT_FLOOR_ITERS:
			if (parse_u64("floor-iters", optarg, 10, 1000000000, &o->floor_iters) != 0)
				return -1;
			break;
		case OPT_SOURCE:
			o->source = optarg;
			break;
		case OPT_SOURCE_ONLY:
			o->source_only = true;
			break;
		case OPT_SOURCE_S:
			if (parse_secs("source-seconds", optarg, &o->source_s) != 0)
				return -1;
			break;
		case 'l':
			o->label = optarg;
			break;
		case 'j':
			o->json = optarg;
			break;
		case OPT_TSV:
			o->tsv = optarg;
			break;
		case OPT_QUIET:
			o->quiet = true;
			break;
		case OPT_BACKEND_PID:
			if (parse_u64("backend-pid", optarg, 1, INT32_MAX, &v) != 0)
				return -1;
			o->run.backend_pid = (int)v;
			break;
		case OPT_IDLE:
			if (parse_secs("idle", optarg, &o->run.idle_s) != 0)
				return -1;
			break;
		case OPT_IRQ:
			if (parse_u64("irq", optarg, 0, UINT16_MAX, &v) != 0)
				return -1;
			o->irq.line = (uint16_t)v;
			o->irq_mode = true;
			break;
		case OPT_SIM_CONTROL:
			o->irq.sim_control = optarg;
			break;
		case OPT_IRQ_GAP:
			if (parse_u64("irq-gap-us", optarg, 0, 1000000, &v) != 0)
				return -1;
			o->irq.gap_us = (uint32_t)v;
			break;
		case OPT_PACKED:
			o->run.packed = true;
			break;
		case OPT_PEER:
			o->peer = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "vhd-perf: bad option (see --help)\n");
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vhd-perf: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!o->size_set)
		o->run.gen_cfg.size = o->run.gen->default_size;
	o->run.gen_cfg.qd = o->run.qd;
	if (o->run.gen->check(&o->run.gen_cfg) != 0)
		return -1;
	if (o->irq_mode && (o->irq.sim_control == NULL || o->run.qd != 1 ||
			    (strcmp(o->run.gen->name, "gpio") != 0 &&
			     strcmp(o->run.gen->name, "input") != 0))) {
		fprintf(stderr, "vhd-perf: --irq needs --device gpio or input, --sim-control PATH "
			"and --qd 1\n");
		return -1;
	}
	/* Input events come from the control socket: requests alone never complete. */
	if (!o->irq_mode && strcmp(o->run.gen->name, "input") == 0 && !o->floor_only &&
	    !o->source_only) {
		fprintf(stderr, "vhd-perf: --device input needs --irq CODE --sim-control PATH\n");
		return -1;
	}
	if (strcmp(o->run.gen->name, "vsock") == 0 && o->peer == NULL) {
		fprintf(stderr, "vhd-perf: --device vsock needs --peer unix:UDS_PATH\n");
		return -1;
	}
	if (strcmp(o->run.gen->name, "console") == 0 && o->peer == NULL) {
		fprintf(stderr, "vhd-perf: --device console needs --peer unix:PATH|tcp:PORT\n");
		return -1;
	}
	if (o->source_only && o->source == NULL) {
		fprintf(stderr, "vhd-perf: --source-only needs --source PATH\n");
		return -1;
	}
	if (!o->floor_only && !o->source_only && o->run.socket == NULL) {
		fprintf(stderr, "vhd-perf: --socket is required (or --floor-only/--source-only)\n");
		return -1;
	}
	if (o->floor && o->floor_file == NULL && (o->cpu < 0 || o->peer_cpu < 0) &&
	    !o->source_only)
		fprintf(stderr, "vhd-perf: warning: floor measured without --cpu and --peer-cpu: "
			"the scheduler picks the cores\n");
	return 0;
}

static int
write_json(const char *path, const struct vhd_perf_report *rep)
{
	FILE *fp;

	if (strcmp(path, "-") == 0) {
		vhd_perf_report_json(stdout, rep);
		return 0;
	}
	fp = fopen(path, "w");
	if (fp == NULL) {
		fprintf(stderr, "vhd-perf: cannot write %s\n", path);
		return -1;
	}
	vhd_perf_report_json(fp, rep);
	return fclose(fp) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct vhd_perf_report rep = { NULL, NULL, NULL, NULL };
	struct vhd_perf_floor floor;
	struct vhd_perf_result run;
	struct vhd_perf_source src;
	struct opts o;
	int rc = 0;

	if (parse_args(argc, argv, &o) != 0)
		return 1;
	rep.label = o.label;
	if (vhd_perf_pin(o.cpu) != 0) {
		fprintf(stderr, "vhd-perf: cannot pin to CPU %d\n", o.cpu);
		return 1;
	}
	/* Floor first: before connecting, so no backend thread of ours is around yet. */
	if (o.floor && !o.source_only) {
		if (o.floor_file != NULL && !o.floor_only) {
			if (vhd_perf_floor_load(&floor, o.floor_file) != 0)
				return 1;
		} else if (vhd_perf_floor_measure(&floor, o.cpu, o.peer_cpu, o.floor_iters,
						  o.floor_iters / 10) != 0) {
			fprintf(stderr, "vhd-perf: floor measurement failed (CPUs %d, %d)\n",
				o.cpu, o.peer_cpu);
			return 1;
		}
		rep.floor = &floor;
	}
	if (o.source != NULL) {
		if (vhd_perf_source_measure(o.source, o.run.gen_cfg.size, o.source_s, &src) != 0)
			return 1;
		rep.source = &src;
	}
	if (!o.floor_only && !o.source_only) {
		if (strcmp(o.run.gen->name, "sound") == 0 && o.run.gen_cfg.op != NULL &&
		    strcmp(o.run.gen_cfg.op, "jitter") == 0 ?
			    vhd_perf_sound_jitter(&o.run, &run) != 0 :
		    strcmp(o.run.gen->name, "console") == 0 ?
			    vhd_perf_console(&o.run, o.peer, &run) != 0 :
		    strcmp(o.run.gen->name, "gpu") == 0 ?
			    vhd_perf_gpu_frames(&o.run, &run) != 0 :
		    strcmp(o.run.gen->name, "vsock") == 0 ?
			    vhd_perf_vsock(&o.run, o.peer, &run, &src) != 0 :
		    o.irq_mode && strcmp(o.run.gen->name, "input") == 0 ?
			    vhd_perf_input_key(&o.run, &o.irq, &run) != 0 :
		    o.irq_mode ? vhd_perf_gpio_irq(&o.run, &o.irq, &run) != 0 :
				 vhd_perf_run(&o.run, &run) != 0)
			rc = 1;
		else
			rep.run = &run;
		run.label = o.label;
		/* vsock bulk: its socket-pair ceiling is reported as the source. */
		if (rep.run != NULL && strcmp(o.run.gen->name, "vsock") == 0 && src.bytes > 0)
			rep.source = &src;
	}
	if (!o.quiet)
		vhd_perf_report_table(stdout, &rep);
	if (o.json != NULL && write_json(o.json, &rep) != 0)
		rc = 1;
	if (o.tsv != NULL && vhd_perf_report_tsv(o.tsv, &rep) != 0)
		rc = 1;
	/* Figures over error completions would flatter a broken backend: say so. */
	if (rc == 0 && rep.run != NULL && run.errors > 0) {
		fprintf(stderr, "vhd-perf: %lu of %lu completions were errors\n", run.errors,
			run.reqs);
		rc = 2;
	}
	return rc;
}
