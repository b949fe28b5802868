/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "vhd_vq.h"

/* Copy between @p buf and the bytes of @p iov from @p off on, either way. */
static size_t
iov_copy(const struct iovec *iov, unsigned int n, size_t off, uint8_t *buf, size_t len,
	 bool to_iov)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len, chunk;
		uint8_t *p;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		p = (uint8_t *)iov[i].iov_base + off;
		chunk = seg - off;
		if (chunk > len - done)
			chunk = len - done;
		if (to_iov)
			memcpy(p, buf + done, chunk);
		else
			memcpy(buf + done, p, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t
vhd_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *buf, size_t len)
{
	return iov_copy(iov, n, off, buf, len, false);
}

size_t
vhd_iov_from_buf(const struct iovec *iov, unsigned int n, size_t off, const void *buf,
		 size_t len)
{
	/* the buffer is only read on this way */
	return iov_copy(iov, n, off, (uint8_t *)(uintptr_t)buf, len, true);
}

bool
vhd_mem_is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

size_t
vhd_req_read(const struct vhd_req *req, size_t off, void *buf, size_t len)
{
	return vhd_iov_to_buf(req->iov, req->n_rd, off, buf, len);
}

size_t
vhd_req_write(struct vhd_req *req, size_t off, const void *buf, size_t len)
{
	return vhd_iov_from_buf(&req->iov[req->n_rd], req->n_wr, off, buf, len);
}
