/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

/*
 * Frame validation and the cansend/candump text form.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "can_msg.h"

int
can_fd_len_valid(unsigned int len)
{
	switch (len) {
	case 12: case 16: case 20: case 24: case 32: case 48: case 64:
		return 1;
	default:
		return len <= 8;
	}
}

int
can_msg_check(const struct can_msg *m, uint64_t features)
{
	uint32_t max = (m->flags & CAN_FLAG_EXTENDED) ? CAN_EFF_ID_MAX : CAN_SFF_ID_MAX;

	if ((m->flags & ~CAN_FLAGS_KNOWN) != 0 || m->id > max)
		return -EINVAL;
	if (m->flags & CAN_FLAG_FD) {
		/* RTR frames exist in classic CAN only. */
		if (!(features & (1ULL << CAN_F_FD)) || (m->flags & CAN_FLAG_RTR) ||
		    !can_fd_len_valid(m->len))
			return -EINVAL;
		return 0;
	}
	if (!(features & (1ULL << CAN_F_CLASSIC)) || m->len > CAN_CLASSIC_MAX_LEN)
		return -EINVAL;
	if ((m->flags & CAN_FLAG_RTR) && !(features & (1ULL << CAN_F_RTR_FRAMES)))
		return -EINVAL;
	return 0;
}

int
can_msg_equal(const struct can_msg *a, const struct can_msg *b)
{
	return a->id == b->id && a->flags == b->flags && a->len == b->len &&
	       memcmp(a->data, b->data, can_msg_payload(a)) == 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
can_msg_parse(const char *s, struct can_msg *m)
{
	unsigned int digits = 0;
	uint32_t id = 0;
	int v, hi;

	memset(m, 0, sizeof(*m));
	for (; *s != '#'; s++, digits++) {
		v = hexval(*s);
		if (v < 0 || digits >= 8)
			return -EINVAL;
		id = id << 4 | (uint32_t)v;
	}
	if (digits == 0)
		return -EINVAL;
	if (digits > 3)
		m->flags |= CAN_FLAG_EXTENDED;
	if ((m->flags & CAN_FLAG_EXTENDED) ? id > CAN_EFF_ID_MAX : id > CAN_SFF_ID_MAX)
		return -EINVAL;
	m->id = id;
	s++;
	if (*s == 'R' || *s == 'r') {
		m->flags |= CAN_FLAG_RTR;
		s++;
		if (*s != '\0') {
			v = hexval(*s);
			if (v < 0 || v > CAN_CLASSIC_MAX_LEN || s[1] != '\0')
				return -EINVAL;
			m->len = (uint8_t)v;
		}
		return 0;
	}
	if (*s == '#') {
		/* FD: one hex digit of BRS/ESI flags, which virtio does not carry. */
		m->flags |= CAN_FLAG_FD;
		if (hexval(s[1]) < 0)
			return -EINVAL;
		s += 2;
	}
	while (*s != '\0') {
		if (*s == '.') {
			s++;
			continue;
		}
		hi = hexval(s[0]);
		v = s[1] != '\0' ? hexval(s[1]) : -1;
		if (hi < 0 || v < 0)
			return -EINVAL;
		if (m->len >= ((m->flags & CAN_FLAG_FD) ? CAN_FD_MAX_LEN : CAN_CLASSIC_MAX_LEN))
			return -EINVAL;
		m->data[m->len++] = (uint8_t)(hi << 4 | v);
		s += 2;
	}
	if ((m->flags & CAN_FLAG_FD) && !can_fd_len_valid(m->len))
		return -EINVAL;
	return 0;
}

size_t
can_msg_format(const struct can_msg *m, char *buf, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n;
	unsigned int i;

	if (m->flags & CAN_FLAG_EXTENDED)
		n = (size_t)snprintf(buf, len, "%08X#", (unsigned int)m->id);
	else
		n = (size_t)snprintf(buf, len, "%03X#", (unsigned int)m->id);
	if (m->flags & CAN_FLAG_RTR) {
		buf[n++] = 'R';
		if (m->len > 0)
			buf[n++] = hex[m->len & 0xf];
	} else {
		if (m->flags & CAN_FLAG_FD) {
			buf[n++] = '#';
			buf[n++] = '0';
		}
		for (i = 0; i < m->len && n + 3 < len; i++) {
			buf[n++] = hex[m->data[i] >> 4];
			buf[n++] = hex[m->data[i] & 0xf];
		}
	}
	buf[n] = '\0';
	return n;
}
