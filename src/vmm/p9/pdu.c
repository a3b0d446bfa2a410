// SPDX-License-Identifier: MIT
/*
 * 9P2000.L messages read and written: little-endian fields and
 * length-prefixed strings, each bounds-checked, a short or malformed one
 * marking the message bad (p9int.h).
 */
#include "p9int.h"

static bool need(struct pdu *m, uint32_t n)
{
	if (m->bad || m->len - m->off < n) {
		m->bad = true;
		return false;
	}
	return true;
}

uint8_t pdu_get8(struct pdu *m)
{
	return need(m, 1) ? m->p[m->off++] : 0;
}

uint16_t pdu_get16(struct pdu *m)
{
	uint16_t v = 0;

	if (need(m, 2)) {
		v = (uint16_t)(m->p[m->off] | m->p[m->off + 1] << 8);
		m->off += 2;
	}
	return v;
}

uint32_t pdu_get32(struct pdu *m)
{
	uint32_t lo = pdu_get16(m);

	return lo | (uint32_t)pdu_get16(m) << 16;
}

uint64_t pdu_get64(struct pdu *m)
{
	uint64_t lo = pdu_get32(m);

	return lo | (uint64_t)pdu_get32(m) << 32;
}

/* A string into a NUL-terminated copy of at most max bytes; one with a
 * NUL inside is malformed (it would end early on the host). */
const char *pdu_getstr(struct pdu *m, char *dst, size_t max)
{
	uint16_t n = pdu_get16(m);

	if (!need(m, n))
		return "";
	if (n >= max || memchr(m->p + m->off, '\0', n)) {
		m->bad = true;
		return "";
	}
	memcpy(dst, m->p + m->off, n);
	dst[n] = '\0';
	m->off += n;
	return dst;
}

void pdu_put8(struct pdu *m, uint8_t v)
{
	if (need(m, 1))
		m->p[m->off++] = v;
}

void pdu_put16(struct pdu *m, uint16_t v)
{
	pdu_put8(m, (uint8_t)v);
	pdu_put8(m, (uint8_t)(v >> 8));
}

void pdu_put32(struct pdu *m, uint32_t v)
{
	pdu_put16(m, (uint16_t)v);
	pdu_put16(m, (uint16_t)(v >> 16));
}

void pdu_put64(struct pdu *m, uint64_t v)
{
	pdu_put32(m, (uint32_t)v);
	pdu_put32(m, (uint32_t)(v >> 32));
}

void pdu_putstr(struct pdu *m, const char *s, size_t n)
{
	if (n > UINT16_MAX) {
		m->bad = true;
		return;
	}
	pdu_put16(m, (uint16_t)n);
	if (need(m, (uint32_t)n)) {
		memcpy(m->p + m->off, s, n);
		m->off += (uint32_t)n;
	}
}

void pdu_putqid(struct pdu *m, const struct p9_qid *q)
{
	pdu_put8(m, q->type);
	pdu_put32(m, q->version);
	pdu_put64(m, q->path);
}

bool p9_parsed(const struct pdu *m)
{
	return !m->bad && m->off == m->len;
}
