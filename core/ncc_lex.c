/*
 * ncc_lex.c - the Noodle lexer: Python's tokens, one at a time.
 *
 * The lexer works on the source prepared by ncc_compile (valid UTF-8, no
 * NUL, '\n' line ends, common indentation removed) and gives the parser a
 * stream of tokens as Python's tokenizer does:
 *   - INDENT and DEDENT at the start of a logical line, checked for a
 *     consistent use of tabs and spaces (the indentation is measured with a
 *     tab size of 8 and of 1; the two must order the lines alike);
 *   - NEWLINE at the end of a logical line; blank and comment-only lines
 *     give nothing, newlines inside brackets and after a backslash join
 *     lines;
 *   - numbers (int64 with 0x/0o/0b and '_' separators, floats), string
 *     literals (all of Python's escapes, raw and triple-quoted strings;
 *     f-strings and bytes are flagged for the parser to refuse), names,
 *     keywords and operators.
 * An error is reported to the context and given as one T_ERROR token; the
 * lexer then goes on after it, so the parser can resynchronise.
 * Nesting of brackets and of indentation is bounded by NCC_MAX_NESTING.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc_ast.h"

static const char *const kw_text[] = {
#define NCX_X(id, s) s,
	NCX_KEYWORDS(NCX_X)
#undef NCX_X
};

static const char *const op_text[] = {
#define NCX_X(id, s) s,
	NCX_OPERATORS(NCX_X)
#undef NCX_X
};

static const unsigned char kw_len[] = {
#define NCX_X(id, s) sizeof(s) - 1,
	NCX_KEYWORDS(NCX_X)
#undef NCX_X
};

#define NKW ((int)(sizeof kw_text / sizeof kw_text[0]))

const char *
ncx_name(int type)
{
	static char buf[T__COUNT][16];

	switch (type) {
	case T_EOF: return "end of file";
	case T_NEWLINE: return "newline";
	case T_INDENT: return "indent";
	case T_DEDENT: return "dedent";
	case T_NAME: return "name";
	case T_INT: case T_FLOAT: return "number";
	case T_STR: return "string";
	case T_ERROR: return "error";
	default: break;
	}
	if (type < 0 || type >= T__COUNT)
		return "?";
	if (buf[type][0] == '\0') {
		const char *s = type < T_AND + NKW ? kw_text[type - T_AND]
		    : op_text[type - T_AND - NKW];
		snprintf(buf[type], sizeof buf[type], "'%s'", s);
	}
	return buf[type];
}

void
ncx_init(ncx_lexer *lx, ncc_ctx *ctx, const char *src, size_t len)
{
	memset(lx, 0, sizeof *lx);
	lx->ctx = ctx;
	lx->src = lx->p = lx->line_start = src;
	lx->end = src + len;
	lx->line = 1;
	lx->at_bol = true;
}

/*
 * The 1-based column of at on the current line, in characters (code
 * points), as CPython counts them.  Tokens come in order along a line, so
 * the count goes on from the last position asked for.
 */
static int
col_of(ncx_lexer *lx, const char *at)
{
	if (lx->col_at < lx->line_start || lx->col_at > at) {
		lx->col_at = lx->line_start;
		lx->col_chars = 0;
	}
	for (const char *c = lx->col_at; c < at; c++)
		if ((*c & 0xC0) != 0x80)
			lx->col_chars++;
	lx->col_at = at;
	return lx->col_chars + 1 + lx->ctx->colshift;
}

static void
lex_error(ncx_lexer *lx, ncx_token *t, int line, int col, const char *msg)
{
	ncc_error(lx->ctx, line, col, "%s", msg);
	lx->ctx->syntax_error = true;
	t->type = T_ERROR;
}

static bool
is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool
is_ident(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode one UTF-8 sequence (input is valid UTF-8); returns its length.
 * Unlike nbc_utf8_decode it never reads past end: a sequence cut short by
 * the end of the source is taken as its first byte alone. */
static int
utf8_decode(const char *s, const char *end, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	int n = u[0] < 0x80 ? 1 : u[0] < 0xE0 ? 2 : u[0] < 0xF0 ? 3 : 4;

	if (end - s < n)
		n = 1;
	*cp = n == 1 ? u[0] : n == 2 ? (u[0] & 0x1Fu)
	    : n == 3 ? (u[0] & 0x0Fu) : (u[0] & 0x07u);
	for (int i = 1; i < n; i++)
		*cp = (*cp << 6) | (u[i] & 0x3Fu);
	return n;
}

static void
newline_in_token(ncx_lexer *lx, const char *after)
{
	lx->line++;
	lx->line_start = after;
}

/* Read digits of a base with single '_' separators; false on a bad '_'. */
static bool
scan_digits(ncx_lexer *lx, int base, bool allow_leading_us)
{
	bool prev_us = !allow_leading_us, any = false;

	for (;;) {
		int c = lx->p < lx->end ? (unsigned char)*lx->p : -1;
		int v = hexval(c);
		if (c == '_') {
			if (prev_us)
				return false;
			prev_us = true;
		} else if (v >= 0 && v < base) {
			prev_us = false;
			any = true;
		} else {
			break;
		}
		lx->p++;
	}
	return any && !prev_us;
}

/* number -> int | float, Python's literal forms, with '_' separators. */
static void
lex_number(ncx_lexer *lx, ncx_token *t)
{
	const char *s = lx->p;
	int base = 10;
	bool isfloat = false;

	if (s[0] == '0' && lx->end - s > 1 && strchr("xXoObB", s[1]) != NULL
	    && s[1] != '\0') {
		base = (s[1] == 'x' || s[1] == 'X') ? 16
		    : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
		lx->p += 2;
		if (!scan_digits(lx, base, true)) {
			lex_error(lx, t, t->line, t->col, base == 16
			    ? "invalid hexadecimal literal" : base == 8
			    ? "invalid octal literal" : "invalid binary literal");
			while (lx->p < lx->end && is_ident(*lx->p))
				lx->p++;
			return;
		}
	} else {
		if (*lx->p != '.' && !scan_digits(lx, 10, false))
			goto bad;
		if (lx->p < lx->end && *lx->p == '.') {
			isfloat = true;
			lx->p++;
			if (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9'
			    && !scan_digits(lx, 10, false))
				goto bad;
		}
		if (lx->p < lx->end && (*lx->p == 'e' || *lx->p == 'E')) {
			const char *save = lx->p;
			lx->p++;
			if (lx->p < lx->end && (*lx->p == '+' || *lx->p == '-'))
				lx->p++;
			if (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
				if (!scan_digits(lx, 10, false))
					goto bad;
				isfloat = true;
			} else {
				lx->p = save;
				goto bad;
			}
		}
	}
	if (lx->p < lx->end && (*lx->p == 'j' || *lx->p == 'J') && base == 10) {
		lx->p++;
		t->imaginary = true;
	}
	if (lx->p < lx->end && is_ident(*lx->p))
		goto bad;

	t->len = (size_t)(lx->p - s);
	{
		char buf[128];
		size_t n = 0;
		const char *q = s + (base == 10 ? 0 : 2);
		for (; q < lx->p && n < sizeof buf - 1; q++)
			if (*q != '_' && *q != 'j' && *q != 'J')
				buf[n++] = *q;
		buf[n] = '\0';
		if (isfloat || t->imaginary) {
			t->type = T_FLOAT;
			t->v.f = strtod(buf, NULL);
			return;
		}
		if (base == 10 && buf[0] == '0') {
			for (size_t i = 0; i < n; i++)
				if (buf[i] != '0') {
					lex_error(lx, t, t->line, t->col,
					    "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers");
					return;
				}
		}
		uint64_t v = 0;
		for (size_t i = 0; i < n; i++) {
			uint64_t d = (uint64_t)hexval(buf[i]);
			if (v > (UINT64_MAX - d) / (uint64_t)base) {
				v = UINT64_MAX;
				break;
			}
			v = v * (uint64_t)base + d;
		}
		if (v > (uint64_t)INT64_MAX + 1) {
			lex_error(lx, t, t->line, t->col,
			    "integer literal too large (int is 64-bit)");
			return;
		}
		t->type = T_INT;
		t->v.i = v;
	}
	return;
bad:
	while (lx->p < lx->end && (is_ident(*lx->p) || *lx->p == '.'))
		lx->p++;
	lex_error(lx, t, t->line, t->col, "invalid decimal literal");
}

/* Read n hex digits at *pp into *cp; false if they are not there. */
static bool
read_hex(const char **pp, const char *end, int n, uint32_t *cp)
{
	*cp = 0;
	for (int i = 0; i < n; i++) {
		if (*pp >= end || hexval((unsigned char)**pp) < 0)
			return false;
		*cp = *cp * 16 + (uint32_t)hexval((unsigned char)**pp);
		(*pp)++;
	}
	return true;
}

/*
 * string -> [prefix] quote chars quote, with Python's escapes.  lx->p is at
 * the opening quote; flags carry the prefix.
 */
static void
lex_string(ncx_lexer *lx, ncx_token *t, bool raw, unsigned flags)
{
	char q = *lx->p;
	bool triple = lx->end - lx->p >= 3 && lx->p[1] == q && lx->p[2] == q;
	const char *bad = NULL;
	char *out, *o;

	lx->p += triple ? 3 : 1;
	/* the decoded text is never longer than the raw one: size it first */
	const char *stop = lx->p;
	while (stop < lx->end) {
		if (*stop == '\\' && stop + 1 < lx->end)
			stop += 2;
		else if (*stop == q && (!triple || (lx->end - stop >= 3
		    && stop[1] == q && stop[2] == q)))
			break;
		else if (*stop == '\n' && !triple)
			break;
		else
			stop++;
	}
	out = o = ncc_alloc(lx->ctx, (size_t)(stop - lx->p) + 1);
	t->strflags = flags;
	for (;;) {
		if (lx->p >= lx->end) {
			char msg[96];
			snprintf(msg, sizeof msg, triple
			    ? "unterminated triple-quoted string literal (detected at line %d)"
			    : "unterminated string literal (detected at line %d)",
			    lx->line);
			lex_error(lx, t, t->line, t->col, msg);
			return;
		}
		char c = *lx->p;
		if (c == q && (!triple || (lx->end - lx->p >= 3 && lx->p[1] == q
		    && lx->p[2] == q))) {
			lx->p += triple ? 3 : 1;
			break;
		}
		if (c == '\n') {
			if (!triple) {
				char msg[96];
				snprintf(msg, sizeof msg,
				    "unterminated string literal (detected at line %d)",
				    lx->line);
				lex_error(lx, t, t->line, t->col, msg);
				return;
			}
			*o++ = c;
			lx->p++;
			newline_in_token(lx, lx->p);
			continue;
		}
		if (c != '\\') {
			*o++ = c;
			lx->p++;
			continue;
		}
		/* a backslash */
		if (lx->p + 1 >= lx->end) {
			*o++ = c;
			lx->p++;
			continue;
		}
		char e = lx->p[1];
		if (raw) {
			*o++ = '\\';
			lx->p++;
			if (e == q || e == '\\' || e == '\n') {
				*o++ = e;
				lx->p++;
				if (e == '\n')
					newline_in_token(lx, lx->p);
			}
			continue;
		}
		const char *esc = lx->p;
		lx->p += 2;
		uint32_t cp;
		switch (e) {
		case '\n': newline_in_token(lx, lx->p); break;
		case '\\': *o++ = '\\'; break;
		case '\'': *o++ = '\''; break;
		case '"': *o++ = '"'; break;
		case 'a': *o++ = '\a'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case 'v': *o++ = '\v'; break;
		case '0': case '1': case '2': case '3':
		case '4': case '5': case '6': case '7':
			cp = (uint32_t)(e - '0');
			for (int i = 0; i < 2 && lx->p < lx->end && *lx->p >= '0'
			    && *lx->p <= '7'; i++)
				cp = cp * 8 + (uint32_t)(*lx->p++ - '0');
			o += nbc_utf8_encode(cp, o);
			break;
		case 'x': case 'u': case 'U':
			if (!read_hex(&lx->p, lx->end, e == 'x' ? 2 : e == 'u' ? 4 : 8,
			    &cp)) {
				if (bad == NULL)
					bad = e == 'x' ? "truncated \\xXX escape"
					    : e == 'u' ? "truncated \\uXXXX escape"
					    : "truncated \\UXXXXXXXX escape";
				break;
			}
			if (cp > 0x10FFFF) {
				if (bad == NULL)
					bad = "illegal Unicode character";
				break;
			}
			if (cp >= 0xD800 && cp <= 0xDFFF) {
				if (bad == NULL)
					bad = "surrogate code points are not supported";
				break;
			}
			o += nbc_utf8_encode(cp, o);
			break;
		case 'N':
			if (bad == NULL)
				bad = "\\N{...} escapes are not supported";
			break;
		default:
			/* an unknown escape keeps its backslash, as Python does */
			lx->p = esc + 1;
			*o++ = '\\';
			break;
		}
	}
	*o = '\0';
	t->len = (size_t)(lx->p - t->start);
	if (bad != NULL) {
		lex_error(lx, t, t->line, t->col, bad);
		return;
	}
	t->type = T_STR;
	t->v.s.s = out;
	t->v.s.len = (size_t)(o - out);
}

/* A string prefix (r, u, b, f and their pairs) directly before a quote. */
static bool
string_prefix(const char *s, size_t n, bool *raw, unsigned *flags)
{
	*raw = false;
	*flags = 0;
	if (n == 0 || n > 2)
		return false;
	for (size_t i = 0; i < n; i++) {
		switch (s[i]) {
		case 'r': case 'R':
			if (*raw)
				return false;
			*raw = true;
			break;
		case 'b': case 'B':
			if (*flags)
				return false;
			*flags |= NCX_STR_BYTES;
			break;
		case 'f': case 'F':
			if (*flags)
				return false;
			*flags |= NCX_STR_FSTRING;
			break;
		case 'u': case 'U':
			if (n != 1)
				return false;
			break;
		default:
			return false;
		}
	}
	return true;
}

static int
keyword(const char *s, size_t n)
{
	/* keywords are 2 to 8 letters; a first-letter test skips most names */
	if (n < 2 || n > 8)
		return -1;
	for (int i = 0; i < NKW; i++)
		if (kw_text[i][0] == s[0] && kw_len[i] == n
		    && memcmp(kw_text[i], s, n) == 0)
			return T_AND + i;
	return -1;
}

/* Measure the indentation at the start of a line and queue INDENT/DEDENT. */
static bool
lex_indent(ncx_lexer *lx, ncx_token *t)
{
	int c8 = 0, c1 = 0;
	const char *s = lx->p;

	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'
	    || *lx->p == '\f')) {
		if (*lx->p == '\t') {
			c8 = (c8 / 8 + 1) * 8;
			c1++;
		} else if (*lx->p == ' ') {
			c8++;
			c1++;
		} else {
			c8 = c1 = 0;
		}
		lx->p++;
	}
	if (lx->p >= lx->end || *lx->p == '\n' || *lx->p == '#'
	    || (*lx->p == '\\' && lx->p + 1 < lx->end && lx->p[1] == '\n'))
		return false;   /* blank line: no indentation change */
	lx->at_bol = false;
	lx->tok_line = lx->line;
	lx->tok_col = col_of(lx, lx->p);
	int top8 = lx->ind8[lx->nindent], top1 = lx->ind1[lx->nindent];
	if (c8 == top8) {
		if (c1 != top1)
			goto tabs;
	} else if (c8 > top8) {
		if (c1 <= top1)
			goto tabs;
		if (lx->nindent >= NCC_MAX_NESTING) {
			/* reported once; deeper lines are taken as this level */
			if (!lx->deep_reported)
				lex_error(lx, t, lx->line, col_of(lx, s),
				    "too many levels of indentation");
			else
				t->type = T_ERROR;
			lx->deep_reported = true;
			return true;
		}
		lx->nindent++;
		lx->ind8[lx->nindent] = c8;
		lx->ind1[lx->nindent] = c1;
		lx->indent_pending = true;
	} else {
		int n = 0;
		while (lx->nindent > 0 && c8 < lx->ind8[lx->nindent]) {
			lx->nindent--;
			n++;
		}
		if (c8 != lx->ind8[lx->nindent]) {
			lex_error(lx, t, lx->line, lx->tok_col,
			    "unindent does not match any outer indentation level");
			lx->ndedent = n;
			return true;
		}
		if (c1 != lx->ind1[lx->nindent])
			goto tabs;
		lx->ndedent = n;
	}
	return false;
tabs:
	lex_error(lx, t, lx->line, col_of(lx, lx->line_start),
	    "inconsistent use of tabs and spaces in indentation");
	return true;
}

/* The operator extended by '=' when c is '=' (n grows by one). */
static int
with_eq(char c, size_t *n, int with, int without)
{
	if (c != '=')
		return without;
	(*n)++;
	return with;
}

/* The longest operator at p (left bytes): its token and length, or -1. */
static int
match_op(const char *p, size_t left, size_t *n)
{
	char c1 = left > 1 ? p[1] : '\0', c2 = left > 2 ? p[2] : '\0';

	*n = 1;
	switch (p[0]) {
	case '(': return T_LPAR;
	case ')': return T_RPAR;
	case '[': return T_LSQB;
	case ']': return T_RSQB;
	case '{': return T_LBRACE;
	case '}': return T_RBRACE;
	case ',': return T_COMMA;
	case ';': return T_SEMI;
	case '~': return T_TILDE;
	case ':': return with_eq(c1, n, T_WALRUS, T_COLON);
	case '.':
		if (c1 == '.' && c2 == '.') {
			*n = 3;
			return T_ELLIPSIS;
		}
		return T_DOT;
	case '+': return with_eq(c1, n, T_PLUSEQ, T_PLUS);
	case '-':
		if (c1 == '>') {
			*n = 2;
			return T_ARROW;
		}
		return with_eq(c1, n, T_MINUSEQ, T_MINUS);
	case '%': return with_eq(c1, n, T_PERCENTEQ, T_PERCENT);
	case '@': return with_eq(c1, n, T_ATEQ, T_AT);
	case '&': return with_eq(c1, n, T_AMPEQ, T_AMP);
	case '|': return with_eq(c1, n, T_PIPEEQ, T_PIPE);
	case '^': return with_eq(c1, n, T_CARETEQ, T_CARET);
	case '=': return with_eq(c1, n, T_EQEQ, T_ASSIGN);
	case '!': return c1 == '=' ? (*n = 2, T_NE) : -1;
	case '*':
	case '/':
	case '<':
	case '>': {
		static const int ops[4][6] = {
			/* doubled=, doubled, single=, single */
			{ '*', T_DSTAREQ, T_DSTAR, T_STAREQ, T_STAR, 0 },
			{ '/', T_DSLASHEQ, T_DSLASH, T_SLASHEQ, T_SLASH, 0 },
			{ '<', T_LSHIFTEQ, T_LSHIFT, T_LE, T_LT, 0 },
			{ '>', T_RSHIFTEQ, T_RSHIFT, T_GE, T_GT, 0 },
		};
		const int *o = ops[p[0] == '*' ? 0 : p[0] == '/' ? 1
		    : p[0] == '<' ? 2 : 3];
		if (c1 == p[0]) {
			*n = 2;
			return with_eq(c2, n, o[1], o[2]);
		}
		return with_eq(c1, n, o[3], o[4]);
	}
	default:
		return -1;
	}
}

static void
lex_operator(ncx_lexer *lx, ncx_token *t)
{
	size_t n;
	int type = match_op(lx->p, (size_t)(lx->end - lx->p), &n);

	if (type >= 0) {
		t->type = type;
		t->len = n;
		lx->p += n;
		return;
	}
	uint32_t cp;
	int len = utf8_decode(lx->p, lx->end, &cp);
	char msg[64];
	if ((unsigned char)*lx->p < 0x80)
		snprintf(msg, sizeof msg, "invalid syntax");
	else
		snprintf(msg, sizeof msg, "invalid character '%.*s' (U+%04X)", len,
		    lx->p, (unsigned)cp);
	lx->p += len;
	lex_error(lx, t, t->line, t->col, msg);
}

static void
lex_bracket(ncx_lexer *lx, ncx_token *t)
{
	char c = *t->start;

	if (c == '(' || c == '[' || c == '{') {
		if (lx->nparen >= NCC_MAX_NESTING) {
			lx->overflow++;
			if (!lx->deep_reported)
				lex_error(lx, t, t->line, t->col,
				    "too many nested parentheses");
			else
				t->type = T_ERROR;
			lx->deep_reported = true;
			return;
		}
		lx->paren[lx->nparen].c = c;
		lx->paren[lx->nparen].line = t->line;
		lx->paren[lx->nparen].col = t->col;
		lx->paren[lx->nparen].nerr = lx->ctx->nerrors;
		lx->nparen++;
		return;
	}
	char msg[96];
	if (lx->overflow > 0) {
		lx->overflow--;     /* closes a bracket past the bound */
		t->type = T_ERROR;
		return;
	}
	if (lx->nparen == 0) {
		snprintf(msg, sizeof msg, "unmatched '%c'", c);
		lex_error(lx, t, t->line, t->col, msg);
		return;
	}
	char open = lx->paren[--lx->nparen].c;
	if ((open == '(' && c != ')') || (open == '[' && c != ']')
	    || (open == '{' && c != '}')) {
		if (lx->paren[lx->nparen].line != t->line)
			snprintf(msg, sizeof msg,
			    "closing parenthesis '%c' does not match opening parenthesis '%c' on line %d",
			    c, open, lx->paren[lx->nparen].line);
		else
			snprintf(msg, sizeof msg,
			    "closing parenthesis '%c' does not match opening parenthesis '%c'",
			    c, open);
		lex_error(lx, t, t->line, t->col, msg);
	}
}

/*
 * Whether the physical line at lx->p starts with a keyword that only
 * begins a statement: then an open bracket before it was never closed,
 * and the lexer ends the logical line there to let the parser recover.
 */
static bool
starts_statement(const ncx_lexer *lx)
{
	static const char *const kws[] = { "def", "class", "return", "import",
	    "pass", "break", "continue", "raise", "assert", "global",
	    "nonlocal", "del", "while", "with", "try", "except", "finally",
	    "elif" };
	const char *s = lx->p, *w;

	while (s < lx->end && (*s == ' ' || *s == '\t'))
		s++;
	for (w = s; s < lx->end && is_ident((unsigned char)*s); s++)
		;
	for (size_t i = 0; i < sizeof kws / sizeof kws[0]; i++)
		if (strlen(kws[i]) == (size_t)(s - w)
		    && memcmp(kws[i], w, (size_t)(s - w)) == 0)
			return true;
	return false;
}

/*
 * End the logical line inside an unclosed bracket (at the end of the
 * source, or before a statement keyword): "'(' was never closed", unless an
 * error was reported since the bracket opened, and a NEWLINE the parser
 * takes as already reported.
 */
static void
unclosed(ncx_lexer *lx, ncx_token *t)
{
	if (lx->ctx->nerrors == lx->paren[0].nerr) {
		ncc_error(lx->ctx, lx->paren[0].line, lx->paren[0].col,
		    "'%c' was never closed", lx->paren[0].c);
		lx->ctx->syntax_error = true;
	}
	lx->nparen = 0;
	lx->overflow = 0;
	lx->line_has_tokens = false;
	t->type = T_NEWLINE;
	t->recovered = true;
}

void
ncx_next(ncx_lexer *lx, ncx_token *t)
{
	memset(t, 0, sizeof *t);
again:
	if (lx->ndedent > 0) {
		lx->ndedent--;
		t->type = T_DEDENT;
		t->line = lx->tok_line;
		t->col = lx->tok_col;
		return;
	}
	if (lx->indent_pending) {
		lx->indent_pending = false;
		t->type = T_INDENT;
		t->line = lx->tok_line;
		t->col = lx->tok_col;
		return;
	}
	if (lx->done) {
		t->type = T_EOF;
		t->line = lx->line;
		t->col = 1;
		return;
	}
	if (lx->at_bol && lx->nparen == 0) {
		t->line = lx->line;
		t->col = col_of(lx, lx->p);
		if (lex_indent(lx, t)) {
			lx->at_bol = false;
			lx->line_has_tokens = true;
			return;
		}
		if (lx->ndedent > 0 || lx->indent_pending)
			goto again;
	}
	while (lx->p < lx->end && (*lx->p == ' ' || *lx->p == '\t'
	    || *lx->p == '\f'))
		lx->p++;
	if (lx->p < lx->end && *lx->p == '#')
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
	t->start = lx->p;
	t->line = lx->line;
	t->col = col_of(lx, lx->p);
	if (lx->p >= lx->end) {
		if (lx->line_has_tokens && lx->nparen == 0) {
			lx->line_has_tokens = false;
			t->type = T_NEWLINE;
			return;
		}
		if (lx->nparen > 0) {
			unclosed(lx, t);
			return;
		}
		lx->ndedent = lx->nindent;
		lx->nindent = 0;
		lx->tok_line = lx->line;
		lx->tok_col = 1;
		lx->done = true;
		goto again;
	}
	char c = *lx->p;
	if (c == '\n') {
		lx->p++;
		newline_in_token(lx, lx->p);
		if (lx->nparen > 0 && !starts_statement(lx))
			goto again;
		lx->at_bol = true;
		if (lx->nparen > 0) {
			unclosed(lx, t);
			return;
		}
		if (lx->line_has_tokens) {
			lx->line_has_tokens = false;
			t->type = T_NEWLINE;
			t->len = 1;
			return;
		}
		goto again;
	}
	if (c == '\\') {
		if (lx->p + 1 < lx->end && lx->p[1] == '\n') {
			lx->p += 2;
			newline_in_token(lx, lx->p);
			if (lx->p >= lx->end) {
				lex_error(lx, t, t->line, t->col,
				    "unexpected EOF while parsing");
				lx->line_has_tokens = true;
				return;
			}
			goto again;
		}
		lx->p++;
		lx->line_has_tokens = true;
		lex_error(lx, t, t->line, t->col,
		    "unexpected character after line continuation character");
		return;
	}
	lx->line_has_tokens = true;
	if (is_ident_start((unsigned char)c)) {
		const char *s = lx->p;
		while (lx->p < lx->end && is_ident((unsigned char)*lx->p))
			lx->p++;
		size_t n = (size_t)(lx->p - s);
		bool raw;
		unsigned flags;
		if (lx->p < lx->end && (*lx->p == '\'' || *lx->p == '"')
		    && string_prefix(s, n, &raw, &flags)) {
			lex_string(lx, t, raw, flags);
			return;
		}
		t->len = n;
		int kw = keyword(s, n);
		t->type = kw >= 0 ? kw : T_NAME;
		return;
	}
	if ((c >= '0' && c <= '9') || (c == '.' && lx->p + 1 < lx->end
	    && lx->p[1] >= '0' && lx->p[1] <= '9')) {
		lex_number(lx, t);
		return;
	}
	if (c == '\'' || c == '"') {
		lex_string(lx, t, false, 0);
		return;
	}
	lex_operator(lx, t);
	if (t->type == T_LPAR || t->type == T_RPAR || t->type == T_LSQB
	    || t->type == T_RSQB || t->type == T_LBRACE || t->type == T_RBRACE)
		lex_bracket(lx, t);
}
