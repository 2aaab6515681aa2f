/*
 * nd_policy.c - a unit's policy file: `key = value` lines.
 *
 *   capabilities = log time        granted capabilities (default: log)
 *   activation = manual|auto|canary                     (default: manual)
 *   canary.percent = 10            share of calls a canary serves, 0..100
 *   canary.min_calls = 100         canary calls before it is judged, >= 1
 *   canary.max_error_rate = 0.05   error rate above which it rolls back, 0..1
 *   keep_loaded = 2                earlier versions kept loaded, 0..1000
 *   gas = 100000000                instructions per call, >= 1
 *   memory = 67108864              bytes per call, >= 1
 *
 * Blank lines and lines starting with # are ignored.  The file is
 * replaced whole: a key it does not name takes its default.  A line that
 * does not parse, an unknown key or a key given twice refuses the whole
 * file (EINVAL, with the line number).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nd_internal.h"

static const struct { uint32_t bit; const char *name; } caps[] = {
#define X(id, name) { NBC_CAP_##id, name },
	NBC_CAPS(X)
#undef X
};
#define NCAPS (sizeof(caps) / sizeof(caps[0]))

void nd_policy_default(nd_policy *p)
{
	p->caps = NBC_CAP_LOG;
	p->activation = ND_ACT_MANUAL;
	p->canary_percent = 10;
	p->canary_min_calls = 100;
	p->canary_max_error_rate = 0.05;
	p->keep_loaded = 2;
	p->gas = NBC_DEFAULT_GAS;
	p->memory = NBC_DEFAULT_MEMORY;
}

const char *nd_cap_name(uint32_t bit)
{
	size_t i;

	for (i = 0; i < NCAPS; i++)
		if (caps[i].bit == bit)
			return caps[i].name;
	return "?";
}

void nd_caps_words(uint32_t mask, char *buf, size_t size)
{
	size_t i;

	buf[0] = '\0';
	for (i = 0; i < NCAPS; i++) {
		if (!(mask & caps[i].bit))
			continue;
		if (buf[0])
			strlcat(buf, " ", size);
		strlcat(buf, caps[i].name, size);
	}
}

cJSON *nd_caps_json(uint32_t mask)
{
	cJSON *a = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < NCAPS; i++)
		if (mask & caps[i].bit)
			cJSON_AddItemToArray(a, cJSON_CreateString(caps[i].name));
	return a;
}

uint32_t nd_caps_from_json(const cJSON *a)
{
	const cJSON *it;
	uint32_t mask = 0;
	size_t i;

	cJSON_ArrayForEach(it, a) {
		for (i = 0; cJSON_IsString(it) && i < NCAPS; i++)
			if (strcmp(it->valuestring, caps[i].name) == 0)
				mask |= caps[i].bit;
	}
	return mask;
}

static bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = v;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

enum { K_CAPS, K_ACT, K_PCT, K_MIN, K_RATE, K_KEEP, K_GAS, K_MEM, K__N };
static const char *const keys[K__N] = {
	"capabilities", "activation", "canary.percent", "canary.min_calls",
	"canary.max_error_rate", "keep_loaded", "gas", "memory",
};

/* One `key = value` line into p; false with a message in err. */
static bool parse_line(char *line, int lineno, nd_policy *p, bool seen[K__N],
    nd_err *err)
{
	char *eq = strchr(line, '='), *key, *val;
	uint64_t u;
	int k;

	if (!eq) {
		nd_seterr(err, EINVAL, "policy line %d: expected 'key = value'",
		    lineno);
		return false;
	}
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	for (k = 0; k < K__N && strcmp(key, keys[k]) != 0; k++)
		;
	if (k == K__N) {
		nd_seterr(err, EINVAL, "policy line %d: unknown key '%s'", lineno,
		    key);
		return false;
	}
	if (seen[k]) {
		nd_seterr(err, EINVAL, "policy line %d: '%s' given twice", lineno,
		    key);
		return false;
	}
	seen[k] = true;
	switch (k) {
	case K_CAPS: {
		char *save = NULL, *w;

		p->caps = 0;
		for (w = strtok_r(val, " \t,", &save); w;
		    w = strtok_r(NULL, " \t,", &save)) {
			size_t i;

			for (i = 0; i < NCAPS && strcmp(w, caps[i].name); i++)
				;
			if (i == NCAPS) {
				nd_seterr(err, EINVAL, "policy line %d: unknown "
				    "capability '%s' (log, time, random, fs)",
				    lineno, w);
				return false;
			}
			p->caps |= caps[i].bit;
		}
		return true;
	}
	case K_ACT:
		if (!strcmp(val, "manual"))
			p->activation = ND_ACT_MANUAL;
		else if (!strcmp(val, "auto"))
			p->activation = ND_ACT_AUTO;
		else if (!strcmp(val, "canary"))
			p->activation = ND_ACT_CANARY;
		else
			break;
		return true;
	case K_PCT:
		if (!parse_u64(val, 0, 100, &u))
			break;
		p->canary_percent = (int)u;
		return true;
	case K_MIN:
		if (!parse_u64(val, 1, UINT32_MAX, &u))
			break;
		p->canary_min_calls = u;
		return true;
	case K_RATE: {
		char *end;
		double d;

		errno = 0;
		d = strtod(val, &end);
		if (!*val || *end || errno || !isfinite(d) || d < 0 || d > 1)
			break;
		p->canary_max_error_rate = d;
		return true;
	}
	case K_KEEP:
		if (!parse_u64(val, 0, 1000, &u))
			break;
		p->keep_loaded = (int)u;
		return true;
	case K_GAS:
		if (!parse_u64(val, 1, UINT64_MAX / 2, &u))
			break;
		p->gas = u;
		return true;
	case K_MEM:
		if (!parse_u64(val, 1, UINT64_MAX / 2, &u))
			break;
		p->memory = u;
		return true;
	}
	nd_seterr(err, EINVAL, "policy line %d: bad value '%s' for %s", lineno,
	    val, key);
	return false;
}

int nd_policy_parse(const char *text, size_t len, nd_policy *out, nd_err *err)
{
	bool seen[K__N] = { false };
	nd_policy p;
	size_t i = 0;
	int lineno = 0;

	nd_policy_default(&p);
	if (memchr(text, '\0', len))
		return nd_seterr(err, EINVAL, "policy: NUL byte in text");
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		char *line = strndup(text + i, n), *t;
		bool ok = true;

		if (!line)
			return nd_seterr(err, ENOMEM, "out of memory");
		lineno++;
		t = trim(line);
		if (*t && *t != '#')
			ok = parse_line(t, lineno, &p, seen, err);
		free(line);
		if (!ok)
			return EINVAL;
		i += n + (nl ? 1 : 0);
	}
	*out = p;
	return 0;
}

char *nd_policy_render(const nd_policy *p, size_t *len)
{
	static const char *const act[] = { "manual", "auto", "canary" };
	char words[64], *s;
	int n;

	nd_caps_words(p->caps, words, sizeof(words));
	n = asprintf(&s, "capabilities = %s\nactivation = %s\n"
	    "canary.percent = %d\ncanary.min_calls = %llu\n"
	    "canary.max_error_rate = %.15g\nkeep_loaded = %d\ngas = %llu\n"
	    "memory = %llu\n", words, act[p->activation], p->canary_percent,
	    (unsigned long long)p->canary_min_calls, p->canary_max_error_rate,
	    p->keep_loaded, (unsigned long long)p->gas,
	    (unsigned long long)p->memory);
	if (n < 0)
		return NULL;
	if (len)
		*len = (size_t)n;
	return s;
}
