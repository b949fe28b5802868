/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_dev.h"

const struct console_backend_ops *
console_backend(enum console_kind kind)
{
	switch (kind) {
	case CONSOLE_TCP:
		return &console_tcp_ops;
	case CONSOLE_UNIX:
		return &console_unix_ops;
	case CONSOLE_PTY:
		return &console_pty_ops;
	case CONSOLE_FILE:
		return &console_file_ops;
	case CONSOLE_NULL:
		return &console_null_ops;
	case CONSOLE_NESTED:
		return &console_nested_ops;
	default:
		return NULL;
	}
}

/* "I=" at the start of @p arg: the index, @p rest after '='. */
static int
parse_index(const char *arg, const char **rest, char *msg, size_t len)
{
	char *end;
	long v;

	if (arg[0] < '0' || arg[0] > '9') {
		snprintf(msg, len, "'%s': expected I=..., I the port number", arg);
		return -1;
	}
	v = strtol(arg, &end, 10);
	if (*end != '=' || v < 0 || v >= CONSOLE_MAX_PORTS) {
		snprintf(msg, len, "'%s': expected I=..., I in 0..%d", arg, CONSOLE_MAX_PORTS - 1);
		return -1;
	}
	*rest = end + 1;
	return (int)v;
}

static int
parse_tcp_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int
copy_str(char *dst, size_t dlen, const char *src, size_t slen)
{
	if (slen == 0 || slen >= dlen)
		return -1;
	memcpy(dst, src, slen);
	dst[slen] = '\0';
	return 0;
}

int
console_parse_port(const char *arg, struct console_port_spec *spec, char *msg, size_t len)
{
	const char *v, *colon;
	int idx = parse_index(arg, &v, msg, len);

	if (idx < 0)
		return -1;
	memset(spec->addr, 0, sizeof(spec->addr));
	spec->tcp_port = 0;
	if (strcmp(v, "pty") == 0) {
		spec->kind = CONSOLE_PTY;
	} else if (strcmp(v, "null") == 0) {
		spec->kind = CONSOLE_NULL;
	} else if (strcmp(v, "nested") == 0) {
		spec->kind = CONSOLE_NESTED;
	} else if (strncmp(v, "unix:", 5) == 0 || strncmp(v, "file:", 5) == 0) {
		spec->kind = v[0] == 'u' ? CONSOLE_UNIX : CONSOLE_FILE;
		if (copy_str(spec->addr, spec->kind == CONSOLE_UNIX ? 100 : sizeof(spec->addr),
			     v + 5, strlen(v + 5)) != 0) {
			snprintf(msg, len, "'%s': path empty or too long", arg);
			return -1;
		}
	} else if (strncmp(v, "tcp:", 4) == 0) {
		v += 4;
		spec->kind = CONSOLE_TCP;
		colon = strrchr(v, ':');
		if (colon == NULL) {
			strcpy(spec->addr, "127.0.0.1");
			colon = v - 1;
		} else if (v[0] == '[' && colon > v + 1 && colon[-1] == ']') {
			if (copy_str(spec->addr, 64, v + 1, (size_t)(colon - v - 2)) != 0)
				goto bad_tcp;
		} else if (copy_str(spec->addr, 64, v, (size_t)(colon - v)) != 0) {
			goto bad_tcp;
		}
		if (parse_tcp_port(colon + 1, &spec->tcp_port) != 0)
			goto bad_tcp;
	} else {
		snprintf(msg, len, "'%s': backend must be tcp:[HOST:]PORT, unix:PATH, pty, "
			 "file:PATH, null or nested", arg);
		return -1;
	}
	return idx;
bad_tcp:
	snprintf(msg, len, "'%s': expected tcp:PORT or tcp:HOST:PORT, PORT 1..65535", arg);
	return -1;
}

int
console_parse_port_name(const char *arg, char *name, size_t name_len, char *msg, size_t len)
{
	const char *v;
	int idx = parse_index(arg, &v, msg, len);
	size_t i, n;

	if (idx < 0)
		return -1;
	n = strlen(v);
	if (n == 0 || n >= name_len || n >= CONSOLE_NAME_MAX) {
		snprintf(msg, len, "'%s': name empty or longer than %d bytes", arg,
			 CONSOLE_NAME_MAX - 1);
		return -1;
	}
	/* It becomes a file name under /dev/virtio-ports in the guest. */
	for (i = 0; i < n; i++) {
		if (v[i] <= 0x20 || v[i] >= 0x7f || v[i] == '/') {
			snprintf(msg, len,
				 "'%s': name must be printable ASCII without spaces or '/'", arg);
			return -1;
		}
	}
	if (strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
		snprintf(msg, len, "'%s': not a usable name", arg);
		return -1;
	}
	memcpy(name, v, n + 1);
	return idx;
}

int
console_spec_for_socket(struct console_port_spec *spec, unsigned int sock_idx, bool suffix)
{
	size_t n = strlen(spec->addr);
	int w;

	if (spec->kind == CONSOLE_TCP) {
		if ((unsigned int)spec->tcp_port + sock_idx > 65535)
			return -1;
		spec->tcp_port = (uint16_t)(spec->tcp_port + sock_idx);
		return 0;
	}
	if (!suffix || (spec->kind != CONSOLE_UNIX && spec->kind != CONSOLE_FILE))
		return 0;
	w = snprintf(spec->addr + n, sizeof(spec->addr) - n, "%u", sock_idx);
	if (w < 0 || (size_t)w >= sizeof(spec->addr) - n ||
	    (spec->kind == CONSOLE_UNIX && n + (size_t)w >= 108))
		return -1;
	return 0;
}
