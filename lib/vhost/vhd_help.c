/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * An app's help table (struct vhd_help) rendered three ways: --help, the
 * manual page (roff) and a bash completion script. The build runs
 * `APP --print-man` and `APP --print-completion`, so the three never drift
 * apart, and vhd_app.c makes the getopt tables from the same entries.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_version.h>

#include "vhd_internal.h"
#include "vhd_version.h"

#define TEXT_COL 29 /* --help: descriptions start here (0-based) */

const struct vhd_opt_doc vhd_common_docs[] = {
	{VHD_OPT_CLIENT, "client", NULL,
	 "connect to the socket (frontend listens), reconnect"},
	{VHD_OPT_MODE, "mode", "MODE", "poll | interrupt | hybrid"},
	{VHD_OPT_HYBRID_US, "hybrid-poll-us", "US",
	 "hybrid: poll this long after the last request (200)"},
	{VHD_OPT_LCORE, "worker-lcore", "ID[,ID]",
	 "service socket i on the i-th listed lcore (cycling);\n"
	 "default: round robin over EAL worker lcores"},
	{VHD_OPT_NO_PACKED, "no-packed", NULL,
	 "offer split rings only: QEMU's devices built on\n"
	 "vhost-user-base (rng, gpio, i2c, input, snd, the\n"
	 "generic device) ignore packed=off"},
	{'h', "help", NULL, "this text"},
	{VHD_OPT_VERSION, "version", NULL, "version of the program and of DPDK"},
	{VHD_OPT_PRINT_MAN, "print-man", NULL, "the manual page, in roff (the build uses it)"},
	{VHD_OPT_PRINT_COMPLETION, "print-completion", NULL, "the bash completion script"},
	{0, NULL, NULL, NULL},
};

void
vhd_version_print(FILE *fp, const char *prog)
{
	const char *p = strrchr(prog, '/');

	p = p != NULL ? p + 1 : prog;
	/* meson's vcs_tag() falls back to the project version outside git */
	if (VHD_GIT_DESCRIBE[0] != '\0' && strcmp(VHD_GIT_DESCRIBE, VHD_VERSION) != 0)
		fprintf(fp, "%s %s (git %s)\n", p, VHD_VERSION, VHD_GIT_DESCRIBE);
	else
		fprintf(fp, "%s %s\n", p, VHD_VERSION);
	fprintf(fp, "%s (built with %d.%02d.%d)\n", rte_version(), RTE_VER_YEAR, RTE_VER_MONTH,
		RTE_VER_MINOR);
}

static const char *
alias_of(const struct vhd_opt_doc *o, const struct vhd_opt_doc *first)
{
	while (o > first && o->text == NULL)
		o--;
	return o->name;
}

/* "-f, --filename FILE" or "    --io-uring". */
static bool
has_short(const struct vhd_opt_doc *o)
{
	return o->val > 0 && o->val < 128 && isalnum(o->val) && o->text != NULL;
}

static int
opt_head(char *buf, size_t len, const struct vhd_opt_doc *o)
{
	bool shrt = has_short(o);

	return snprintf(buf, len, "%c%c%c --%s%s%s", shrt ? '-' : ' ', shrt ? o->val : ' ',
			shrt ? ',' : ' ', o->name, o->arg != NULL ? " " : "",
			o->arg != NULL ? o->arg : "");
}

static void
help_opts(FILE *fp, const struct vhd_opt_doc *opts)
{
	const struct vhd_opt_doc *o;
	char head[96];

	for (o = opts; o->name != NULL; o++) {
		const char *t = o->text, *nl;
		int n = opt_head(head, sizeof(head), o);
		char alias[96];

		if (t == NULL) {
			snprintf(alias, sizeof(alias), "same as --%s", alias_of(o, opts));
			t = alias;
		}
		fprintf(fp, "  %s", head);
		n += 2;
		if (n >= TEXT_COL) { /* a long head: its text on the next line */
			fputc('\n', fp);
			n = 0;
		}
		for (;;) {
			nl = strchr(t, '\n');
			fprintf(fp, "%*s%.*s\n", TEXT_COL - n, "",
				(int)(nl != NULL ? nl - t : (long)strlen(t)), t);
			n = 0;
			if (nl == NULL || nl[1] == '\0')
				break;
			t = nl + 1;
		}
	}
}

/* Each line of @p s (a '\n'-separated list) prefixed with @p indent. */
static void
put_lines(FILE *fp, const char *indent, const char *s)
{
	while (s != NULL && *s != '\0') {
		const char *nl = strchr(s, '\n');
		int n = nl != NULL ? (int)(nl - s) : (int)strlen(s);

		fprintf(fp, "%s%.*s\n", indent, n, s);
		s = nl != NULL ? nl + 1 : NULL;
	}
}

void
vhd_help_print(FILE *fp, const char *prog, const struct vhd_help *h)
{
	const char *s = h->synopsis, *base = strrchr(prog, '/');
	bool first = true;

	base = base != NULL ? base + 1 : prog;
	while (s != NULL && *s != '\0') {
		const char *nl = strchr(s, '\n');
		int n = nl != NULL ? (int)(nl - s) : (int)strlen(s);

		fprintf(fp, "%s %s [EAL options --] %.*s\n", first ? "Usage:" : "      ", prog, n,
			s);
		first = false;
		s = nl != NULL ? nl + 1 : NULL;
	}
	fprintf(fp, "%s.\n", h->summary);
	help_opts(fp, h->opts);
	help_opts(fp, vhd_common_docs);
	if (h->notes != NULL)
		put_lines(fp, "", h->notes);
	if (h->examples != NULL) {
		char indent[160];

		fprintf(fp, "Example%s:\n", strchr(h->examples, '\n') != NULL &&
			strchr(h->examples, '\n')[1] != '\0' ? "s" : "");
		snprintf(indent, sizeof(indent), "  %s ", base);
		put_lines(fp, indent, h->examples);
	}
	fprintf(fp, "Without \"--\" every argument is a device option and EAL runs with\n"
		"--no-huge -m 64 --no-pci --no-shconf -l 0. See %s(1).\n", base);
}

/* roff text: escape what troff would interpret. */
static void
roff_text(FILE *fp, const char *s, size_t n, bool line_start)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (line_start && (c == '.' || c == '\''))
			fputs("\\&", fp);
		line_start = false;
		if (c == '\\')
			fputs("\\e", fp);
		else if (c == '-' && (i == 0 || s[i - 1] == '-' || s[i - 1] == ' ' ||
				      s[i - 1] == '[' || s[i - 1] == '(' || s[i - 1] == '"' ||
				      s[i - 1] == '|'))
			fputs("\\-", fp); /* an option's dash, not a hyphen */
		else
			fputc(c, fp);
	}
}

/* A '\n'-separated text: filled lines, verbatim (space-led) lines in .nf. */
static void
roff_block(FILE *fp, const char *s)
{
	bool nf = false;

	while (s != NULL && *s != '\0') {
		const char *nl = strchr(s, '\n');
		size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);
		bool verb = s[0] == ' ';

		if (verb != nf) {
			fputs(verb ? ".nf\n" : ".fi\n", fp);
			nf = verb;
		}
		if (n == 0)
			fputs(".sp\n", fp);
		else {
			roff_text(fp, s, n, true);
			fputc('\n', fp);
		}
		s = nl != NULL ? nl + 1 : NULL;
	}
	if (nf)
		fputs(".fi\n", fp);
}

static void
roff_opts(FILE *fp, const struct vhd_opt_doc *opts)
{
	const struct vhd_opt_doc *o;

	for (o = opts; o->name != NULL; o++) {
		bool shrt = has_short(o);

		fputs(".TP\n", fp);
		if (shrt)
			fprintf(fp, "\\fB\\-%c\\fR, ", o->val);
		fputs("\\fB\\-\\-", fp);
		roff_text(fp, o->name, strlen(o->name), false);
		fputs("\\fR", fp);
		if (o->arg != NULL) {
			fputs(" \\fI", fp);
			roff_text(fp, o->arg, strlen(o->arg), false);
			fputs("\\fR", fp);
		}
		fputc('\n', fp);
		if (o->text == NULL)
			fprintf(fp, "Same as \\fB\\-\\-%s\\fR.\n", alias_of(o, opts));
		else
			roff_block(fp, o->text);
	}
}

static void
upper(char *out, size_t len, const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		out[i] = (char)toupper((unsigned char)s[i]);
	out[i] = '\0';
}

static const char eal_text[] =
	"Arguments before \\fB\\-\\-\\fR go to DPDK's EAL; everything after it is for the "
	"device. Without \\fB\\-\\-\\fR every argument is a device option (the command "
	"lines of rust-vmm's vhost-device work unchanged) and EAL starts with "
	"\\fB\\-\\-no\\-huge \\-m 64 \\-\\-no\\-pci \\-\\-no\\-shconf \\-l 0\\fR: one "
	"unpinned lcore, so the default mode is then interrupt.\n"
	".PP\n"
	"The EAL options most used with a backend:\n"
	".TP\n\\fB\\-l\\fR \\fICORELIST\\fR\n"
	"lcores to run on: the first is the main lcore, the others are workers that "
	"service the sockets (round robin, or as \\fB\\-\\-worker\\-lcore\\fR says).\n"
	".TP\n\\fB\\-\\-file\\-prefix\\fR \\fINAME\\fR\n"
	"a name of its own for each process that runs at the same time as others "
	"(hugepage files and the runtime directory).\n"
	".TP\n\\fB\\-\\-no\\-huge\\fR, \\fB\\-m\\fR \\fIMB\\fR\n"
	"anonymous memory instead of hugepages, and how much. The guest's memory is "
	"the VMM's (shared with a memfd or a file), not this.\n"
	".TP\n\\fB\\-\\-in\\-memory\\fR, \\fB\\-\\-no\\-shconf\\fR\n"
	"no files in the runtime directory, no secondary processes.\n"
	".TP\n\\fB\\-\\-no\\-pci\\fR\n"
	"do not scan PCI devices (a backend drives none).\n"
	".TP\n\\fB\\-\\-log\\-level\\fR \\fIlib.eal:error\\fR\n"
	"less EAL output.\n"
	".TP\n\\fB\\-\\-no\\-telemetry\\fR\n"
	"no telemetry socket (see \\fBTELEMETRY\\fR).\n"
	".PP\n"
	"\\fBdpdk\\-app \\-\\-help\\fR style EAL help: \\fBvhost\\-device\\-NAME \\-\\-help "
	"\\-\\-\\fR (\\fB\\-\\-help\\fR before \\fB\\-\\-\\fR).\n";

static const char telemetry_text[] =
	"Each backend registers DPDK telemetry commands on the EAL telemetry socket "
	"(\\fI/run/dpdk/PREFIX/dpdk_telemetry.v2\\fR as root, under "
	"\\fB$XDG_RUNTIME_DIR\\fR otherwise; \\fB\\-\\-no\\-telemetry\\fR turns it "
	"off). Read them with \\fBdpdk\\-telemetry.py\\fR (package dpdk\\-dev, "
	"\\fB\\-f\\fR \\fIPREFIX\\fR).\n"
	".TP\n\\fB/vhost_device/list\\fR\n"
	"device ids and their sockets; no parameter.\n"
	".TP\n\\fB/vhost_device/info\\fR,\\fIID\\fR\n"
	"device type, socket, mode and lcore of device \\fIID\\fR.\n"
	".TP\n\\fB/vhost_device/stats\\fR,\\fIID\\fR\n"
	"the device's and each queue's counters (requests, kicks, calls, dropped "
	"chains...) and the driver's own, under the device type's name.\n"
	".TP\n\\fB/vhost_device/queues\\fR,\\fIID\\fR\n"
	"each queue's state, our ring indexes and the guest's (avail index, flags, "
	"used event): a stalled queue shows whether a kick or an interrupt was lost.\n";

int
vhd_help_man(FILE *fp, const char *name, const struct vhd_help *h)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = sde != NULL ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	char date[32], up[64], prog[64];
	const char *s;
	struct tm tm;

	snprintf(prog, sizeof(prog), "vhost-device-%s", name);
	upper(up, sizeof(up), prog);
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	fprintf(fp, ".\\\" Generated by %s --print-man from its help table: do not edit.\n", prog);
	fprintf(fp, ".TH %s 1 \"%s\" \"vhost-device %s\" \"User Commands\"\n", up, date,
		VHD_VERSION);
	fputs(".SH NAME\n", fp);
	roff_text(fp, prog, strlen(prog), true);
	fputs(" \\- ", fp);
	roff_text(fp, h->summary, strlen(h->summary), false);
	fputs("\n.SH SYNOPSIS\n", fp);
	for (s = h->synopsis; s != NULL && *s != '\0';) {
		const char *nl = strchr(s, '\n');
		size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);

		fprintf(fp, ".B %s\n[\\fIEAL options\\fR \\fB\\-\\-\\fR]\n", prog);
		roff_text(fp, s, n, true);
		fputs("\n.br\n", fp);
		s = nl != NULL ? nl + 1 : NULL;
	}
	fputs(".SH DESCRIPTION\n", fp);
	fprintf(fp, "\\fB%s\\fR is a vhost-user backend: a virtual machine monitor such as "
		"QEMU is the vhost-user frontend, and the guest's ordinary virtio driver "
		"talks to this process through the socket. It serves its virtqueues from "
		"DPDK worker lcores in poll, interrupt or hybrid mode and stops cleanly on "
		"SIGINT or SIGTERM, removing its sockets.\n", prog);
	if (h->notes != NULL) {
		fputs(".PP\n", fp);
		roff_block(fp, h->notes);
	}
	fputs(".SH EAL OPTIONS\n", fp);
	fputs(eal_text, fp);
	fputs(".SH OPTIONS\n", fp);
	roff_opts(fp, h->opts);
	fputs(".SH COMMON OPTIONS\n", fp);
	fputs("Every vhost-device backend takes these.\n", fp);
	roff_opts(fp, vhd_common_docs);
	fputs(".SH EXAMPLES\n", fp);
	for (s = h->examples; s != NULL && *s != '\0';) {
		const char *nl = strchr(s, '\n');
		size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);

		fputs(".PP\n.nf\n", fp);
		roff_text(fp, prog, strlen(prog), true);
		fputc(' ', fp);
		roff_text(fp, s, n, false);
		fputs("\n.fi\n", fp);
		s = nl != NULL ? nl + 1 : NULL;
	}
	if (h->qemu != NULL) {
		fputs(".PP\nA QEMU guest on socket 0 of the first example; vhost-user needs the "
		      "guest memory shared (memfd, share=on):\n.PP\n.nf\n", fp);
		fputs("qemu\\-system\\-x86_64 \\-machine q35 \\-m 1G \\e\n"
		      "  \\-object memory\\-backend\\-memfd,id=mem,size=1G,share=on \\e\n"
		      "  \\-numa node,memdev=mem \\e\n", fp);
		for (s = h->qemu; s != NULL && *s != '\0';) {
			const char *nl = strchr(s, '\n');
			size_t n = nl != NULL ? (size_t)(nl - s) : strlen(s);

			fputs("  ", fp);
			roff_text(fp, s, n, false);
			fputs(" \\e\n", fp);
			s = nl != NULL ? nl + 1 : NULL;
		}
		fputs("  ...\n.fi\n", fp);
	}
	fputs(".PP\nUnder systemd, with the options in "
	      "\\fI/etc/vhost-device/", fp);
	roff_text(fp, name, strlen(name), false);
	fputs("\\-vm1.conf\\fR:\n.PP\n.nf\nsystemctl start ", fp);
	roff_text(fp, prog, strlen(prog), false);
	fputs("@vm1\n.fi\n", fp);
	fputs(".SH EXIT STATUS\n"
	      ".TP\n0\nstopped by SIGINT or SIGTERM (sockets removed), or "
	      "\\fB\\-\\-help\\fR, \\fB\\-\\-version\\fR and the other printing options.\n"
	      ".TP\n1\na bad command line (one error line on standard error), EAL or a "
	      "device could not start, or serving failed.\n", fp);
	fputs(".SH TELEMETRY\n", fp);
	fputs(telemetry_text, fp);
	if (h->counters != NULL) {
		fputs(".PP\nThis device's counters: ", fp);
		roff_text(fp, h->counters, strlen(h->counters), false);
		fputs(".\n", fp);
	}
	fputs(".SH FILES\n"
	      ".TP\n\\fI/etc/vhost\\-device/", fp);
	roff_text(fp, name, strlen(name), false);
	fputs("\\-INSTANCE.conf\\fR\n"
	      "EAL_ARGS and DEVICE_ARGS of the systemd unit \\fB", fp);
	roff_text(fp, prog, strlen(prog), false);
	fputs("@INSTANCE.service\\fR, whose socket is \\fI/run/vhost\\-device/", fp);
	roff_text(fp, name, strlen(name), false);
	fputs("\\-INSTANCE.sock\\fR (the app's suffix appended: "
	      "\\fIINSTANCE.sock0\\fR for an app that numbers its sockets).\n", fp);
	fputs(".SH SEE ALSO\n\\fBqemu\\-system\\-x86_64\\fR(1), \\fBsystemd.exec\\fR(5), "
	      "\\fI/usr/share/doc/vhost\\-device/README.md\\fR, "
	      "\\fI/usr/share/doc/vhost\\-device/docs/libvirt.md\\fR\n", fp);
	return ferror(fp) ? -1 : 0;
}

/* Words of the options of @p opts that take an argument named like a path. */
static void
comp_words(FILE *fp, const struct vhd_opt_doc *opts, int kind)
{
	const struct vhd_opt_doc *o;

	for (o = opts; o->name != NULL; o++) {
		bool shrt = has_short(o);
		bool path = o->arg != NULL && (strstr(o->arg, "PATH") != NULL ||
					       strstr(o->arg, "FILE") != NULL);

		if ((kind == 0 && o->arg == NULL) || (kind == 1 && path) ||
		    (kind == 2 && o->arg != NULL && !path) || kind == 3) {
			char sep = kind == 3 ? ' ' : '|';

			if (shrt)
				fprintf(fp, "%c-%c", sep, o->val);
			fprintf(fp, "%c--%s", sep, o->name);
		}
	}
}

void
vhd_help_completion(FILE *fp, const char *name, const struct vhd_help *h)
{
	char fn[64];
	size_t i;

	snprintf(fn, sizeof(fn), "_vhost_device_%s", name);
	for (i = 0; fn[i] != '\0'; i++)
		if (!isalnum((unsigned char)fn[i]))
			fn[i] = '_';
	fprintf(fp, "# bash completion for vhost-device-%s\n"
		"# Generated by vhost-device-%s --print-completion: do not edit.\n"
		"%s()\n{\n"
		"\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
		"\tlocal i dev=0\n"
		"\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
		"\t\t[[ ${COMP_WORDS[i]} == -- ]] && dev=1\n"
		"\tdone\n"
		"\tcase $prev in\n"
		"\t--mode) COMPREPLY=($(compgen -W 'poll interrupt hybrid' -- \"$cur\")); "
		"return ;;\n", name, name, fn);
	fputs("\t--file-prefix|-l|-m|--log-level|--socket-mem|-n) [[ $dev == 1 ]] || "
	      "return ;;\n", fp);
	fputs("\t--huge-dir) [[ $dev == 1 ]] || { COMPREPLY=($(compgen -d -- \"$cur\")); "
	      "return; } ;;\n", fp);
	fputs("\tesac\n\tcase $prev in\n\t", fp);
	fputs("__none", fp);
	comp_words(fp, h->opts, 1);
	comp_words(fp, vhd_common_docs, 1);
	fputs(")\n\t\tCOMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n\t__none", fp);
	comp_words(fp, h->opts, 2);
	comp_words(fp, vhd_common_docs, 2);
	fputs(")\n\t\treturn ;;\n\tesac\n", fp);
	fputs("\t[[ $cur == -* ]] || return\n\tlocal opts='", fp);
	comp_words(fp, h->opts, 3);
	comp_words(fp, vhd_common_docs, 3);
	fputs("'\n\t[[ $dev == 1 ]] || opts+=' -- -l --file-prefix --no-huge -m --in-memory "
	      "--no-shconf --no-pci --huge-dir --socket-mem --log-level --no-telemetry'\n", fp);
	fprintf(fp, "\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n}\n"
		"complete -F %s vhost-device-%s\n", fn, name);
}
