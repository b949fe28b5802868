/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <errno.h>
#include <string.h>

#include "vhd_perf_report.h"

static double
per_s(uint64_t n, uint64_t ns)
{
	return ns == 0 ? 0.0 : (double)n * 1e9 / (double)ns;
}

/*
 * Bytes per CPU-second actually received: on a shared machine a process
 * that got half a core moves half the bytes; this shows the cost per byte.
 */
static double
per_cpu_s(uint64_t bytes, uint64_t cpu_ns)
{
	return cpu_ns == 0 ? 0.0 : (double)bytes * 1e9 / (double)cpu_ns;
}

static double
ratio(uint64_t v, uint64_t floor)
{
	return floor == 0 ? 0.0 : (double)v / (double)floor;
}

static void
lat_row(FILE *fp, const char *name, const struct vhd_perf_lat *l)
{
	fprintf(fp, "  %-26s %9lu %9lu %9lu %9lu %9lu %9lu\n", name, l->min, l->p50, l->p90,
		l->p99, l->p999, l->max);
}

static void
lat_header(FILE *fp, const char *title)
{
	fprintf(fp, "  %-26s %9s %9s %9s %9s %9s %9s\n", title, "min", "p50", "p90", "p99",
		"p99.9", "max");
}

static void
ratio_row(FILE *fp, const char *name, const struct vhd_perf_lat *l, const struct vhd_perf_lat *f)
{
	fprintf(fp, "  %-26s %9.2f %9.2f %9.2f %9.2f %9.2f %9.2f\n", name, ratio(l->min, f->min),
		ratio(l->p50, f->p50), ratio(l->p90, f->p90), ratio(l->p99, f->p99),
		ratio(l->p999, f->p999), ratio(l->max, f->max));
}

void
vhd_perf_report_table(FILE *fp, const struct vhd_perf_report *r)
{
	const struct vhd_perf_floor *f = r->floor;
	const struct vhd_perf_result *run = r->run;
	const struct vhd_perf_source *src = r->source;
	if (f != NULL && f->valid) {
		fprintf(fp, "floor: cpu %d <-> cpu %d, best round of %u\n", f->cpu_self, f->cpu_peer,
			f->rounds);
		lat_header(fp, "floor (ns)");
		lat_row(fp, "cache-line ping-pong", &f->pingpong);
		lat_row(fp, "eventfd round trip", &f->eventfd);
	}
	if (run != NULL) {
		fprintf(fp, "\nrun %s: %s, %s-style, qd %u, size %u B: %lu requests in %.3f s, "
			"%lu errors\n", run->label, run->device, run->style, run->qd, run->size,
			run->reqs, (double)run->elapsed_ns / 1e9, run->errors);
		fprintf(fp, "  %.0f requests/s, %.2f MB/s (%.0f B/s), %lu kicks, %lu waits, "
			"tool CPU %.1f%%\n", per_s(run->reqs, run->elapsed_ns),
			per_s(run->bytes, run->elapsed_ns) / 1e6, per_s(run->bytes, run->elapsed_ns),
			run->kicks, run->waits, run->tool_cpu_pct);
		if (run->backend_cpu_pct >= 0)
			fprintf(fp, "  backend CPU %.1f%% under load", run->backend_cpu_pct);
		if (run->backend_idle_cpu_pct >= 0)
			fprintf(fp, ", %.1f%% idle (connected, no requests, %.1f s)",
				run->backend_idle_cpu_pct, run->idle_s);
		if (run->backend_cpu_pct >= 0)
			fputc('\n', fp);
		if (run->backend_cpu_ns > 0)
			fprintf(fp, "  %.2f MB per backend CPU-second\n",
				per_cpu_s(run->bytes, run->backend_cpu_ns) / 1e6);
		lat_header(fp, "latency (ns)");
		lat_row(fp, "round trip", &run->lat);
		if (f != NULL && f->valid) {
			ratio_row(fp, "x ping-pong floor", &run->lat, &f->pingpong);
			ratio_row(fp, "x eventfd floor", &run->lat, &f->eventfd);
		} else {
			fprintf(fp, "  (no floor: ratios not available)\n");
		}
		if (run->path.count > 0) {
			lat_row(fp, run->path_name, &run->path);
			ratio_row(fp, "x that (path floor)", &run->lat, &run->path);
		}
	}
	if (src != NULL) {
		fprintf(fp, "\nsource %s: read() of %u B: %lu reads in %.3f s, %.2f MB/s, "
			"%.2f MB per CPU-second\n", src->path, src->size, src->reads,
			(double)src->elapsed_ns / 1e9, per_s(src->bytes, src->elapsed_ns) / 1e6,
			per_cpu_s(src->bytes, src->cpu_ns) / 1e6);
		lat_header(fp, "latency (ns)");
		lat_row(fp, "read()", &src->lat);
		if (run != NULL && src->bytes > 0)
			fprintf(fp, "  device throughput / source throughput: %.2f\n",
				per_s(run->bytes, run->elapsed_ns) /
					per_s(src->bytes, src->elapsed_ns));
	}
}

static void
lat_json(FILE *fp, const char *name, const struct vhd_perf_lat *l, const char *tail)
{
	fprintf(fp, "  \"%s\": {\"count\": %lu, \"mean_ns\": %.1f, \"min_ns\": %lu, "
		"\"p50_ns\": %lu, \"p90_ns\": %lu, \"p99_ns\": %lu, \"p999_ns\": %lu, "
		"\"max_ns\": %lu}%s\n", name, l->count, l->mean, l->min, l->p50, l->p90, l->p99,
		l->p999, l->max, tail);
}

static void
ratio_json(FILE *fp, const char *name, const struct vhd_perf_lat *l, const struct vhd_perf_lat *f)
{
	fprintf(fp, "  \"%s\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"p999\": %.3f, "
		"\"max\": %.3f},\n", name, ratio(l->p50, f->p50), ratio(l->p90, f->p90),
		ratio(l->p99, f->p99), ratio(l->p999, f->p999), ratio(l->max, f->max));
}

/* Labels come from the command line: keep the JSON valid whatever they hold. */
static void
json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(fp, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(fp, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, fp);
	}
	fputc('"', fp);
}

void
vhd_perf_report_json(FILE *fp, const struct vhd_perf_report *r)
{
	const struct vhd_perf_floor *f = r->floor;
	const struct vhd_perf_result *run = r->run;
	const struct vhd_perf_source *src = r->source;
	int have_floor = f != NULL && f->valid;

	fprintf(fp, "{\n");
	if (have_floor) {
		fprintf(fp, "  \"floor_cpus\": {\"self\": %d, \"peer\": %d, \"rounds\": %u},\n",
			f->cpu_self, f->cpu_peer, f->rounds);
		lat_json(fp, "floor_pingpong", &f->pingpong, ",");
		lat_json(fp, "floor_eventfd", &f->eventfd, ",");
	}
	if (run != NULL) {
		fprintf(fp, "  \"run\": {\"label\": ");
		json_str(fp, run->label);
		fprintf(fp, ", \"device\": ");
		json_str(fp, run->device);
		fprintf(fp, ", \"style\": ");
		json_str(fp, run->style);
		fprintf(fp, ", \"qd\": %u, \"size\": %u, \"requests\": %lu, \"bytes\": %lu, "
			"\"errors\": %lu, \"elapsed_ns\": %lu, \"requests_per_s\": %.1f, "
			"\"bytes_per_s\": %.1f, \"kicks\": %lu, \"waits\": %lu, "
			"\"tool_cpu_pct\": %.2f, \"backend_cpu_pct\": %.2f, "
			"\"backend_idle_cpu_pct\": %.2f, \"idle_s\": %.2f, \"backend_cpu_ns\": %lu},\n",
			run->qd, run->size, run->reqs, run->bytes, run->errors, run->elapsed_ns,
			per_s(run->reqs, run->elapsed_ns), per_s(run->bytes, run->elapsed_ns),
			run->kicks, run->waits, run->tool_cpu_pct, run->backend_cpu_pct,
			run->backend_idle_cpu_pct, run->idle_s, run->backend_cpu_ns);
		lat_json(fp, "run_latency", &run->lat, ",");
		if (have_floor) {
			ratio_json(fp, "ratio_to_pingpong", &run->lat, &f->pingpong);
			ratio_json(fp, "ratio_to_eventfd", &run->lat, &f->eventfd);
		}
		if (run->path.count > 0) {
			fprintf(fp, "  \"path_floor_name\": ");
			json_str(fp, run->path_name);
			fprintf(fp, ",\n");
			lat_json(fp, "path_floor", &run->path, ",");
			ratio_json(fp, "ratio_to_path_floor", &run->lat, &run->path);
		}
	}
	if (src != NULL) {
		fprintf(fp, "  \"source\": {\"path\": ");
		json_str(fp, src->path);
		fprintf(fp, ", \"size\": %u, \"reads\": %lu, \"bytes\": %lu, \"elapsed_ns\": %lu, "
			"\"bytes_per_s\": %.1f, \"cpu_ns\": %lu},\n", src->size, src->reads,
			src->bytes, src->elapsed_ns, per_s(src->bytes, src->elapsed_ns), src->cpu_ns);
		lat_json(fp, "source_latency", &src->lat, ",");
	}
	/* A last member without a trailing comma keeps every block above uniform. */
	fprintf(fp, "  \"tool\": \"vhd-perf\"\n}\n");
}

int
vhd_perf_report_tsv(const char *path, const struct vhd_perf_report *r)
{
	const struct vhd_perf_floor *f = r->floor;
	const struct vhd_perf_result *run = r->run;
	const struct vhd_perf_source *src = r->source;
	int have_floor = f != NULL && f->valid;
	const char *label = r->label != NULL ? r->label : "run";
	FILE *fp;

	fp = fopen(path, "a");
	if (fp == NULL) {
		fprintf(stderr, "vhd-perf: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (ftell(fp) == 0)
		fprintf(fp, "label\tdevice\tstyle\tqd\tsize\treqs_per_s\tmb_per_s\tp50_ns\tp90_ns\t"
			"p99_ns\tp999_ns\tmax_ns\tx_pp_p50\tx_pp_p99\tx_efd_p50\tx_efd_p99\t"
			"errors\ttool_cpu_pct\tbe_cpu_pct\tbe_idle_cpu_pct\tsrc_mb_per_s\t"
			"src_p50_ns\tfloor_pp_p50_ns\tfloor_pp_p99_ns\tfloor_efd_p50_ns\t"
			"be_mb_per_cpu_s\tsrc_mb_per_cpu_s\tpath_p50_ns\tpath_p99_ns\tx_path_p50\t"
			"x_path_p99\trequests\tkicks\n");
	fprintf(fp, "%s\t", label);
	if (run != NULL)
		fprintf(fp, "%s\t%s\t%u\t%u\t%.0f\t%.3f\t%lu\t%lu\t%lu\t%lu\t%lu\t", run->device,
			run->style, run->qd, run->size, per_s(run->reqs, run->elapsed_ns),
			per_s(run->bytes, run->elapsed_ns) / 1e6, run->lat.p50, run->lat.p90,
			run->lat.p99, run->lat.p999, run->lat.max);
	else if (src != NULL)
		fprintf(fp, "-\t-\t-\t%u\t-\t-\t-\t-\t-\t-\t-\t", src->size);
	else
		fprintf(fp, "-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t");
	if (run != NULL && have_floor)
		fprintf(fp, "%.2f\t%.2f\t%.2f\t%.2f\t", ratio(run->lat.p50, f->pingpong.p50),
			ratio(run->lat.p99, f->pingpong.p99), ratio(run->lat.p50, f->eventfd.p50),
			ratio(run->lat.p99, f->eventfd.p99));
	else
		fprintf(fp, "-\t-\t-\t-\t");
	if (run != NULL)
		fprintf(fp, "%lu\t%.1f\t%.1f\t%.1f\t", run->errors, run->tool_cpu_pct,
			run->backend_cpu_pct, run->backend_idle_cpu_pct);
	else
		fprintf(fp, "-\t-\t-\t-\t");
	if (src != NULL)
		fprintf(fp, "%.3f\t%lu\t", per_s(src->bytes, src->elapsed_ns) / 1e6, src->lat.p50);
	else
		fprintf(fp, "-\t-\t");
	if (have_floor)
		fprintf(fp, "%lu\t%lu\t%lu\t", f->pingpong.p50, f->pingpong.p99, f->eventfd.p50);
	else
		fprintf(fp, "-\t-\t-\t");
	if (run != NULL && run->backend_cpu_ns > 0)
		fprintf(fp, "%.3f\t", per_cpu_s(run->bytes, run->backend_cpu_ns) / 1e6);
	else
		fprintf(fp, "-\t");
	if (src != NULL)
		fprintf(fp, "%.3f\t", per_cpu_s(src->bytes, src->cpu_ns) / 1e6);
	else
		fprintf(fp, "-\t");
	if (run != NULL && run->path.count > 0)
		fprintf(fp, "%lu\t%lu\t%.2f\t%.2f\t", run->path.p50, run->path.p99,
			ratio(run->lat.p50, run->path.p50), ratio(run->lat.p99, run->path.p99));
	else
		fprintf(fp, "-\t-\t-\t-\t");
	if (run != NULL)
		fprintf(fp, "%lu\t%lu\n", run->reqs, run->kicks);
	else
		fprintf(fp, "-\t-\n");
	fclose(fp);
	return 0;
}
