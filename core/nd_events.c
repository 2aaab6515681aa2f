/*
 * nd_events.c - the event log: events.jsonl in the state folder.
 *
 * One JSON object per line: seq (1, 2, ... never reused), time (RFC 3339
 * UTC, milliseconds), type, unit, then the event's own fields.  The file
 * only grows.  The journal (nd_journal.c) orders the appends: it numbers
 * a change's events under its mutex, keeps them in the change's record,
 * and writes them here, in one write() per change and in seq order, once
 * the record is durable; so this file needs no fsync of its own (the
 * journal's checkpoint syncs it, and a replay appends what a crash lost).
 * At open a last line cut short by a crash is cut off (and *repaired says
 * so).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nd_internal.h"

/* Find the seq of the last complete line and the end of that line. */
static int scan_tail(int fd, uint64_t size, uint64_t *seq, uint64_t *end)
{
	char buf[65536];
	uint64_t off = size > sizeof(buf) ? size - sizeof(buf) : 0;
	ssize_t n = pread(fd, buf, (size_t)(size - off), (off_t)off);
	ssize_t i, last_nl = -1, prev_nl = -1;

	*seq = 0;
	*end = 0;
	if (n <= 0)
		return 0;
	for (i = n - 1; i >= 0; i--) {
		if (buf[i] == '\n') {
			if (last_nl < 0)
				last_nl = i;
			else {
				prev_nl = i;
				break;
			}
		}
	}
	if (last_nl < 0) {
		*end = off ? size : 0;
		return 0;
	}
	*end = off + (uint64_t)last_nl + 1;
	{
		cJSON *j = cJSON_ParseWithLength(buf + prev_nl + 1,
		    (size_t)(last_nl - prev_nl - 1));
		cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "seq");

		if (cJSON_IsNumber(s))
			*seq = (uint64_t)s->valuedouble;
		cJSON_Delete(j);
	}
	return 0;
}

int nd_events_open(nd_events *ev, const char *dir, bool *repaired,
    nd_err *err)
{
	struct stat st;
	uint64_t seq, end;

	memset(ev, 0, sizeof(*ev));
	*repaired = false;
	if (asprintf(&ev->path, "%s/events.jsonl", dir) < 0)
		return nd_seterr(err, ENOMEM, "out of memory");
	ev->fd = open(ev->path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (ev->fd < 0 || fstat(ev->fd, &st) < 0) {
		nd_seterr(err, EIO, "open %s: %s", ev->path, strerror(errno));
		free(ev->path);
		return EIO;
	}
	scan_tail(ev->fd, (uint64_t)st.st_size, &seq, &end);
	if (end != (uint64_t)st.st_size) {
		if (ftruncate(ev->fd, (off_t)end) < 0) {
			nd_seterr(err, EIO, "repair %s: %s", ev->path,
			    strerror(errno));
			close(ev->fd);
			free(ev->path);
			return EIO;
		}
		*repaired = true;
	}
	ev->seq = seq;
	ev->size = end;
	return 0;
}

void nd_events_close(nd_events *ev)
{
	if (ev->fd >= 0)
		close(ev->fd);
	ev->fd = -1;
	free(ev->path);
	ev->path = NULL;
}

cJSON *nd_event_new(const char *type, const char *unit)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "type", type);
	if (unit)
		cJSON_AddStringToObject(j, "unit", unit);
	else
		cJSON_AddNullToObject(j, "unit");
	return j;
}

char *nd_events_format(nd_events *ev, cJSON *events, size_t *len)
{
	char *buf = NULL, tbuf[32];
	size_t cap = 0;
	cJSON *it;

	*len = 0;
	if (!events)
		return NULL;
	nd_time_fmt(nd_now_ms(), tbuf);
	cJSON_ArrayForEach(it, events) {
		cJSON *line = cJSON_CreateObject(), *f;
		char *s;
		size_t n;

		cJSON_AddNumberToObject(line, "seq", (double)(ev->seq + 1));
		cJSON_AddStringToObject(line, "time", tbuf);
		while ((f = it->child)) {
			cJSON_DetachItemViaPointer(it, f);
			cJSON_AddItemToObject(line, f->string, f);
		}
		s = cJSON_PrintUnformatted(line);
		cJSON_Delete(line);
		if (!s)
			continue;
		n = strlen(s);
		if (*len + n + 1 > cap) {
			char *nb = realloc(buf, (*len + n + 1) * 2);

			if (!nb) {
				free(s);
				continue;
			}
			buf = nb;
			cap = (*len + n + 1) * 2;
		}
		memcpy(buf + *len, s, n);
		buf[*len + n] = '\n';
		*len += n + 1;
		free(s);
		ev->seq++;
	}
	cJSON_Delete(events);
	return buf;
}

int nd_events_write(nd_events *ev, const char *buf, size_t len)
{
	if (nd_write_all(ev->fd, buf, len) < 0) {
		int e = errno;

		/* no partial line (the journal still holds these) */
		if (ftruncate(ev->fd, (off_t)ev->size) == 0)
			errno = e;
		return -1;
	}
	ev->size += len;
	return 0;
}

/* The seq of a line as nd_events_format writes it: {"seq":N,... */
static uint64_t line_seq(const char *s, size_t n)
{
	static const char pre[] = "{\"seq\":";
	uint64_t v = 0;
	size_t i = sizeof(pre) - 1;

	if (n < i || memcmp(s, pre, i) != 0)
		return 0;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

int nd_events_redo(nd_events *ev, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		uint64_t seq = line_seq(p, n);

		if (seq > ev->seq) {
			if (nd_events_write(ev, p, n) < 0)
				return -1;
			ev->seq = seq;
		}
		p += n;
	}
	return 0;
}

uint64_t nd_events_size(nd_engine *e)
{
	return e->ev.size;
}

ssize_t nd_events_read(nd_engine *e, char *buf, size_t len, uint64_t off)
{
	uint64_t size = e->ev.size;
	ssize_t n;

	if (off >= size)
		return 0;
	if (len > size - off)
		len = (size_t)(size - off);
	n = pread(e->ev.fd, buf, len, (off_t)off);
	return n < 0 ? -errno : n;
}
