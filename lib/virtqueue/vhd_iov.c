/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 the vhost-device authors
 */

#include <string.h>

#include "vhd_vq.h"

size_t
vhd_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off, void *buf, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len, chunk;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		chunk = seg - off;
		if (chunk > len - done)
			chunk = len - done;
		memcpy((uint8_t *)buf + done, (const uint8_t *)iov[i].iov_base + off, chunk);
		done += chunk;
		off = 0;
	}
	return done;
}

size_t
vhd_iov_from_buf(const struct iovec *iov, unsigned int n, size_t off, const void *buf,
		 size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t seg = iov[i].iov_len, chunk;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		chunk = seg - off;
		if (chunk > len - done)
			chunk = len - done;
		memcpy((uint8_t *)iov[i].iov_base + off, (const uint8_t *)buf + done, chunk);
		done += chunk;
		off = 0;
	}
	return done;
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
