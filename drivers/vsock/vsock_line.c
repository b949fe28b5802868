/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <string.h>
#include <strings.h>

#include "vsock_line.h"

void
vsock_line_init(struct vsock_line *l)
{
	memset(l, 0, sizeof(*l));
}

int
vsock_line_parse(const char *line, size_t len, uint32_t *port)
{
	uint64_t v = 0;
	size_t i = 7, digits = 0;

	if (len < 1 || line[len - 1] != '\n')
		return -1;
	len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len < 9 || strncasecmp(line, "CONNECT", 7) != 0 || line[7] != ' ')
		return -1;
	while (i < len && line[i] == ' ')
		i++;
	for (; i < len; i++, digits++) {
		if (line[i] < '0' || line[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(line[i] - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	if (digits == 0)
		return -1;
	*port = (uint32_t)v;
	return 0;
}

size_t
vsock_line_feed(struct vsock_line *l, const char *buf, size_t len)
{
	const char *nl;
	size_t take;

	if (l->state != VSOCK_LINE_MORE)
		return 0;
	nl = memchr(buf, '\n', len);
	take = nl != NULL ? (size_t)(nl - buf) + 1 : len;
	if (l->len + take > VSOCK_LINE_MAX) {
		l->state = VSOCK_LINE_ERROR;
		return 0;
	}
	memcpy(l->buf + l->len, buf, take);
	l->len += take;
	if (nl != NULL)
		l->state = vsock_line_parse(l->buf, l->len, &l->port) == 0 ? VSOCK_LINE_DONE :
									      VSOCK_LINE_ERROR;
	return take;
}
