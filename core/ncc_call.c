/*
 * ncc_call.c - call expressions and literals typed by users: the `call`
 * file (`f(1, "a", [2, 3])`) and `noodle run FILE FUNC ARGS...`.
 *
 * Only Noodle literals are accepted (numbers with an optional sign,
 * strings, True/False/None, lists, tuples, dicts), read with the compiler's
 * own lexer so that escapes and number forms are exactly the language's.
 * Nesting is bounded by the lexer's bracket limit.  Errors carry the
 * column in nbc_error.line (the text is one line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc_ast.h"

typedef struct lparser {
	ncc_ctx *ctx;
	ncx_lexer lx;
	ncx_token tok;
	nbc_error *err;
	bool failed;
} lparser;

static void
lp_next(lparser *p)
{
	ncx_next(&p->lx, &p->tok);
}

static int
lp_fail(lparser *p, const char *msg)
{
	if (p->failed)
		return -1;
	p->failed = true;
	if (p->ctx->nerrors > 0) {
		/* the lexer's own message is the better one */
		snprintf(p->err->message, sizeof p->err->message, "%s",
		    p->ctx->errors[0].message);
		p->err->line = p->ctx->errors[0].col;
	} else {
		snprintf(p->err->message, sizeof p->err->message, "%s", msg);
		p->err->line = p->tok.col;
	}
	return -1;
}

static int literal(lparser *p, nbc_lit *out);

/* A sequence of literals up to close; pairs for a dict. */
static int
literal_seq(lparser *p, int close, bool dict, nbc_lit *out, bool *comma)
{
	size_t n = 0, cap = 0;
	nbc_lit *items = NULL;

	*comma = false;
	while (p->tok.type != close) {
		for (int k = 0; k < (dict ? 2 : 1); k++) {
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 4;
				nbc_lit *ni = reallocarray(items, nc, sizeof *ni);
				if (ni == NULL)
					goto fail_oom;
				items = ni;
				cap = nc;
			}
			memset(&items[n], 0, sizeof items[n]);
			if (literal(p, &items[n]) != 0)
				goto fail;
			n++;
			if (dict && k == 0) {
				if (p->tok.type != T_COLON) {
					lp_fail(p, "expected ':'");
					goto fail;
				}
				lp_next(p);
			}
		}
		if (p->tok.type != T_COMMA)
			break;
		*comma = true;
		lp_next(p);
	}
	if (p->tok.type != close) {
		lp_fail(p, "invalid syntax");
		goto fail;
	}
	lp_next(p);
	out->u.seq.items = items;
	out->u.seq.n = dict ? n / 2 : n;
	return 0;
fail_oom:
	lp_fail(p, "out of memory");
fail:
	for (size_t i = 0; i < n; i++)
		nbc_lit_free(&items[i]);
	free(items);
	return -1;
}

/* literal -> ['-' | '+'] NUMBER | STRING {STRING} | 'True' | 'False'
 *          | 'None' | '[' lits ']' | '(' lits ')' | '{' pairs '}' */
static int
literal(lparser *p, nbc_lit *out)
{
	int sign = 0;
	bool comma;

	memset(out, 0, sizeof *out);
	out->type = NBC_LIT_NONE;
	while (p->tok.type == T_MINUS || p->tok.type == T_PLUS) {
		if (p->tok.type == T_MINUS)
			sign = sign == -1 ? 1 : -1;
		else if (sign == 0)
			sign = 1;
		lp_next(p);
	}
	switch (p->tok.type) {
	case T_INT:
		if (p->tok.v.i > (uint64_t)INT64_MAX && !(sign == -1
		    && p->tok.v.i == (uint64_t)INT64_MAX + 1))
			return lp_fail(p, "integer literal too large (int is 64-bit)");
		out->type = NBC_LIT_INT;
		out->u.i = sign == -1 ? (int64_t)(0 - p->tok.v.i)
		    : (int64_t)p->tok.v.i;
		lp_next(p);
		return 0;
	case T_FLOAT:
		if (p->tok.imaginary)
			return lp_fail(p, "complex numbers are not supported");
		out->type = NBC_LIT_FLOAT;
		out->u.f = sign == -1 ? -p->tok.v.f : p->tok.v.f;
		lp_next(p);
		return 0;
	default:
		break;
	}
	if (sign != 0)
		return lp_fail(p, "expected a number after the sign");
	switch (p->tok.type) {
	case T_STR: {
		size_t len = 0;
		char *s = NULL;
		while (p->tok.type == T_STR) {
			if (p->tok.strflags != 0) {
				free(s);
				return lp_fail(p, "only plain string literals are accepted");
			}
			char *ns = realloc(s, len + p->tok.v.s.len + 1);
			if (ns == NULL) {
				free(s);
				return lp_fail(p, "out of memory");
			}
			s = ns;
			memcpy(s + len, p->tok.v.s.s, p->tok.v.s.len);
			len += p->tok.v.s.len;
			s[len] = '\0';
			lp_next(p);
		}
		out->type = NBC_LIT_STR;
		out->u.str.s = s;
		out->u.str.len = len;
		return 0;
	}
	case T_TRUE:
	case T_FALSE:
		out->type = NBC_LIT_BOOL;
		out->u.b = p->tok.type == T_TRUE;
		lp_next(p);
		return 0;
	case T_NONE:
		lp_next(p);
		return 0;
	case T_LSQB:
		lp_next(p);
		out->type = NBC_LIT_LIST;
		return literal_seq(p, T_RSQB, false, out, &comma);
	case T_LBRACE:
		lp_next(p);
		out->type = NBC_LIT_DICT;
		return literal_seq(p, T_RBRACE, true, out, &comma);
	case T_LPAR:
		lp_next(p);
		out->type = NBC_LIT_TUPLE;
		if (literal_seq(p, T_RPAR, false, out, &comma) != 0)
			return -1;
		if (out->u.seq.n == 1 && !comma) {
			/* (x) is x */
			nbc_lit inner = out->u.seq.items[0];
			free(out->u.seq.items);
			*out = inner;
		}
		return 0;
	default:
		return lp_fail(p, "expected a literal");
	}
}

/* The end of the text: optional NEWLINE and DEDENTs, then EOF. */
static int
lp_end(lparser *p)
{
	while (p->tok.type == T_NEWLINE || p->tok.type == T_DEDENT)
		lp_next(p);
	if (p->tok.type != T_EOF)
		return lp_fail(p, "unexpected text after the end");
	return 0;
}

static int
lp_setup(lparser *p, ncc_ctx *ctx, const char *text, size_t len,
    nbc_error *err)
{
	memset(p, 0, sizeof *p);
	memset(err, 0, sizeof *err);
	p->ctx = ctx;
	p->err = err;
	if (text == NULL) {
		text = "";
		len = 0;
	}
	if (len > NCC_MAX_SOURCE || memchr(text, '\0', len) != NULL) {
		snprintf(err->message, sizeof err->message,
		    len > NCC_MAX_SOURCE ? "text too long" : "text contains a NUL byte");
		err->line = 1;
		return -1;
	}
	ncx_init(&p->lx, ctx, text, len);
	lp_next(p);
	while (p->tok.type == T_INDENT)
		lp_next(p);
	return 0;
}

int
ncc_parse_call(const char *text, size_t len, char **name, nbc_lit **args,
    size_t *nargs, nbc_error *err)
{
	jmp_buf oom;
	ncc_ctx ctx;
	lparser p;
	nbc_lit tuple;
	bool comma;

	*name = NULL;
	*args = NULL;
	*nargs = 0;
	memset(&tuple, 0, sizeof tuple);
	ncc_ctx_init(&ctx, &oom);
	if (setjmp(oom) != 0) {
		ncc_ctx_free(&ctx);
		nbc_lit_free(&tuple);
		free(*name);
		*name = NULL;
		snprintf(err->message, sizeof err->message, "out of memory");
		return -1;
	}
	if (lp_setup(&p, &ctx, text, len, err) != 0) {
		ncc_ctx_free(&ctx);
		return -1;
	}
	if (p.tok.type != T_NAME) {
		lp_fail(&p, "expected a function name");
		goto fail;
	}
	*name = strndup(p.tok.start, p.tok.len);
	if (*name == NULL)
		longjmp(oom, 1);
	lp_next(&p);
	if (p.tok.type != T_LPAR) {
		lp_fail(&p, "expected '('");
		goto fail;
	}
	lp_next(&p);
	tuple.type = NBC_LIT_TUPLE;
	if (literal_seq(&p, T_RPAR, false, &tuple, &comma) != 0
	    || lp_end(&p) != 0)
		goto fail;
	*args = tuple.u.seq.items;
	*nargs = tuple.u.seq.n;
	ncc_ctx_free(&ctx);
	return 0;
fail:
	nbc_lit_free(&tuple);
	free(*name);
	*name = NULL;
	ncc_ctx_free(&ctx);
	return -1;
}

int
ncc_parse_literal(const char *text, size_t len, nbc_lit *out, nbc_error *err)
{
	jmp_buf oom;
	ncc_ctx ctx;
	lparser p;

	memset(out, 0, sizeof *out);
	ncc_ctx_init(&ctx, &oom);
	if (setjmp(oom) != 0) {
		ncc_ctx_free(&ctx);
		nbc_lit_free(out);
		snprintf(err->message, sizeof err->message, "out of memory");
		return -1;
	}
	if (lp_setup(&p, &ctx, text, len, err) != 0) {
		ncc_ctx_free(&ctx);
		return -1;
	}
	if (literal(&p, out) != 0 || lp_end(&p) != 0) {
		nbc_lit_free(out);
		ncc_ctx_free(&ctx);
		return -1;
	}
	ncc_ctx_free(&ctx);
	return 0;
}
