/*
 * ncc_parse.c - recursive-descent parser: tokens to the syntax tree.
 *
 * One function per grammar rule, each with its rule above it (Lua's
 * lparser.c style); Python's precedence climbs from expr (conditional
 * expressions) down to atom.  The whole tree lives in the context's arena.
 *
 * Errors.  A syntax error is reported once and puts the parser in panic
 * mode: later errors are suppressed until the statement loop skips to the
 * end of the logical line (and, if an indented block follows, parses it
 * silently), so one run reports one error per broken statement.  A Python
 * construct outside Noodle (class, lambda, try, f-strings ...) is reported
 * as unsupported, without panic: the parser steps over it and goes on, and
 * the semantic pass still runs.
 *
 * Bounds: brackets and blocks are bounded by the lexer; the parser's own
 * recursion by NCC_MAX_NESTING * 3 and the depth of any expression tree by
 * NCC_MAX_EXPR_DEPTH, so later passes may recurse freely.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncc_ast.h"

#define MAX_RECURSION (NCC_MAX_NESTING * 3)

typedef struct parser {
	ncc_ctx *ctx;
	ncx_lexer lx;
	ncx_token tok;           /* current token */
	ncx_token ahead;
	bool has_ahead;
	const char *prev_end;    /* end of the last consumed token */
	bool panic;
	bool skip_clauses;       /* the last compound statement was skipped:
	                            so are its else/elif/except/finally */
	int depth;
} parser;

static ncc_expr *expr(parser *p);
static ncc_expr *or_test(parser *p);
static ncc_expr *bor_expr(parser *p);
static void statement(parser *p, ncc_vec *out);
static ncc_block block(parser *p, const char *what, int line);

/* ---- tokens and errors --------------------------------------------------- */

static void
advance(parser *p)
{
	if (p->tok.type != T_NEWLINE && p->tok.type != T_INDENT
	    && p->tok.type != T_DEDENT && p->tok.start != NULL)
		p->prev_end = p->tok.start + p->tok.len;
	if (p->has_ahead) {
		p->tok = p->ahead;
		p->has_ahead = false;
	} else {
		ncx_next(&p->lx, &p->tok);
	}
}

static const ncx_token *
peek(parser *p)
{
	if (!p->has_ahead) {
		ncx_next(&p->lx, &p->ahead);
		p->has_ahead = true;
	}
	return &p->ahead;
}

static bool
check(parser *p, int type)
{
	return p->tok.type == type;
}

static bool
accept(parser *p, int type)
{
	if (p->tok.type != type)
		return false;
	advance(p);
	return true;
}

/* Report a syntax error at (line, col) unless already panicking. */
static void
error_at(parser *p, int line, int col, const char *msg)
{
	if (p->panic)
		return;
	p->panic = true;
	if (p->tok.type == T_ERROR || p->tok.recovered)
		return;        /* the lexer has said it */
	p->ctx->syntax_error = true;
	ncc_error(p->ctx, line, col, "%s", msg);
}

static void
error_tok(parser *p, const char *msg)
{
	if (p->tok.type == T_INDENT)
		msg = "unexpected indent";
	else if (p->tok.type == T_DEDENT && strcmp(msg, "invalid syntax") == 0)
		msg = "unexpected unindent";
	error_at(p, p->tok.line, p->tok.col, msg);
}

static void
unsupported(parser *p, int line, int col, const char *what)
{
	if (p->panic)
		return;
	ncc_error(p->ctx, line, col, "%s is not supported", what);
}

static bool
expect(parser *p, int type, const char *msg)
{
	if (accept(p, type))
		return true;
	error_tok(p, msg);
	return false;
}

/* Whether the current token can only begin a new expression. */
static bool
starts_expr(const parser *p)
{
	switch (p->tok.type) {
	case T_NAME: case T_INT: case T_FLOAT: case T_STR: case T_TRUE:
	case T_FALSE: case T_NONE: case T_LBRACE: case T_LAMBDA:
		return true;
	default:
		return false;
	}
}

/* Two expressions side by side in brackets: CPython's hint, at the first. */
static void
missing_comma(parser *p, const ncc_expr *before)
{
	if (starts_expr(p))
		error_at(p, before->line, before->col,
		    "invalid syntax. Perhaps you forgot a comma?");
}

static bool
enter(parser *p)
{
	if (++p->depth > MAX_RECURSION) {
		error_at(p, p->tok.line, p->tok.col, "too many nested expressions");
		return false;
	}
	return true;
}

static char *
tok_text(parser *p, const ncx_token *t)
{
	return ncc_strndup(p->ctx, t->start, t->len);
}

/* ---- node constructors --------------------------------------------------- */

static ncc_expr *
new_expr(parser *p, ncc_ekind kind, int line, int col)
{
	ncc_expr *e = ncc_alloc(p->ctx, sizeof *e);
	e->kind = kind;
	e->line = line;
	e->col = col;
	e->depth = 1;
	return e;
}

static void
deepen(parser *p, ncc_expr *e, const ncc_expr *child)
{
	if (child != NULL && child->depth + 1 > e->depth)
		e->depth = child->depth + 1;
	if (e->depth > NCC_MAX_EXPR_DEPTH && !p->panic)
		error_at(p, e->line, e->col, "expression too complex");
}

static ncc_expr *
bad_expr(parser *p, int line, int col)
{
	return new_expr(p, E_BAD, line, col);
}

static ncc_expr *
new_binop(parser *p, int op, ncc_expr *l, ncc_expr *r, int line, int col)
{
	ncc_expr *e = new_expr(p, E_BINOP, line, col);
	e->u.bin.op = op;
	e->u.bin.l = l;
	e->u.bin.r = r;
	deepen(p, e, l);
	deepen(p, e, r);
	return e;
}

static ncc_expr *
seq_expr(parser *p, ncc_ekind kind, ncc_vec *v, int line, int col)
{
	ncc_expr *e = new_expr(p, kind, line, col);
	e->u.seq.items = (ncc_expr **)v->items;
	e->u.seq.n = v->n;
	for (size_t i = 0; i < v->n; i++)
		deepen(p, e, v->items[i]);
	return e;
}

static ncc_stmt *
new_stmt(parser *p, ncc_skind kind, int line, int col)
{
	ncc_stmt *s = ncc_alloc(p->ctx, sizeof *s);
	s->kind = kind;
	s->line = line;
	s->col = col;
	return s;
}

/* Skip to the end of the logical line (the NEWLINE is left). */
static void
skip_line(parser *p)
{
	while (!check(p, T_NEWLINE) && !check(p, T_EOF)
	    && !check(p, T_INDENT) && !check(p, T_DEDENT))
		advance(p);
}

/* Skip an indented block, balanced, without parsing it. */
static void
skip_block(parser *p)
{
	int level = 0;

	if (!check(p, T_INDENT))
		return;
	do {
		if (check(p, T_INDENT))
			level++;
		else if (check(p, T_DEDENT))
			level--;
		else if (check(p, T_EOF))
			return;
		advance(p);
	} while (level > 0);
}

/*
 * Annotation text: the source of the tokens from start to prev_end with
 * whitespace and comments dropped outside strings, ", " after commas and
 * " | " around bars.
 */
static char *
annotation_text(parser *p, const char *start)
{
	const char *end = p->prev_end;
	char *out, *o;
	char q = 0;

	if (end == NULL || end < start)
		return ncc_strndup(p->ctx, "any", 3);
	out = o = ncc_alloc(p->ctx, (size_t)(end - start) * 3 + 1);
	for (const char *s = start; s < end; s++) {
		char c = *s;
		if (q != 0) {
			*o++ = c;
			if (c == '\\' && s + 1 < end)
				*o++ = *++s;
			else if (c == q)
				q = 0;
			continue;
		}
		if (c == '\'' || c == '"') {
			q = c;
			*o++ = c;
		} else if (c == '#') {
			while (s + 1 < end && s[1] != '\n')
				s++;
		} else if (c == ' ' || c == '\t' || c == '\n' || c == '\\'
		    || c == '\f') {
			continue;
		} else if (c == ',') {
			*o++ = ',';
			*o++ = ' ';
		} else if (c == '|') {
			*o++ = ' ';
			*o++ = '|';
			*o++ = ' ';
		} else {
			*o++ = c;
		}
	}
	while (o > out && o[-1] == ' ')
		o--;
	*o = '\0';
	return out;
}

/* ---- expressions ------------------------------------------------------ */

/* strings -> STRING {STRING} */
static ncc_expr *
strings(parser *p)
{
	ncc_expr *e = new_expr(p, E_STR, p->tok.line, p->tok.col);
	size_t total = 0;
	ncc_vec parts = {0};
	unsigned flags = 0;

	while (check(p, T_STR)) {
		flags |= p->tok.strflags;
		if ((p->tok.strflags & NCX_STR_FSTRING) != 0)
			unsupported(p, p->tok.line, p->tok.col, "f-string");
		else if ((p->tok.strflags & NCX_STR_BYTES) != 0)
			unsupported(p, p->tok.line, p->tok.col, "bytes literal");
		ncx_token *t = ncc_alloc(p->ctx, sizeof *t);
		*t = p->tok;
		ncc_vec_push(p->ctx, &parts, t);
		total += p->tok.v.s.len;
		advance(p);
	}
	if (parts.n == 1) {
		const ncx_token *t = parts.items[0];
		e->u.s.s = t->v.s.s;
		e->u.s.len = t->v.s.len;
	} else {
		char *s = ncc_alloc(p->ctx, total + 1);
		size_t off = 0;
		for (size_t i = 0; i < parts.n; i++) {
			const ncx_token *t = parts.items[i];
			memcpy(s + off, t->v.s.s, t->v.s.len);
			off += t->v.s.len;
		}
		e->u.s.s = s;
		e->u.s.len = total;
	}
	if (flags != 0)
		e->kind = E_BAD;
	return e;
}

/* comp_for -> 'for' targetlist 'in' or_test {'if' or_test | comp_for} */
static void
comp_fors(parser *p, ncc_expr *e)
{
	ncc_vec fors = {0};

	while (check(p, T_FOR) || (check(p, T_ASYNC)
	    && peek(p)->type == T_FOR)) {
		if (check(p, T_ASYNC)) {
			unsupported(p, p->tok.line, p->tok.col, "'async'");
			advance(p);
		}
		int line = p->tok.line, col = p->tok.col;
		advance(p);
		ncc_compfor *cf = ncc_alloc(p->ctx, sizeof *cf);
		ncc_vec targets = {0};
		do {
			if (check(p, T_IN))
				break;
			ncc_vec_push(p->ctx, &targets, bor_expr(p));
		} while (accept(p, T_COMMA));
		cf->target = targets.n == 1 ? targets.items[0]
		    : seq_expr(p, E_TUPLE, &targets, line, col);
		if (targets.n == 0)
			error_tok(p, "invalid syntax");
		expect(p, T_IN, "invalid syntax");
		cf->iter = or_test(p);
		deepen(p, e, cf->iter);
		ncc_vec conds = {0};
		while (check(p, T_IF)) {
			advance(p);
			ncc_expr *c = or_test(p);
			deepen(p, e, c);
			ncc_vec_push(p->ctx, &conds, c);
		}
		cf->conds = (ncc_expr **)conds.items;
		cf->nconds = conds.n;
		ncc_vec_push(p->ctx, &fors, cf);
		if (p->panic)
			break;
	}
	ncc_compfor *arr = ncc_alloc(p->ctx, (fors.n ? fors.n : 1) * sizeof *arr);
	for (size_t i = 0; i < fors.n; i++)
		arr[i] = *(ncc_compfor *)fors.items[i];
	e->u.comp.fors = arr;
	e->u.comp.nfors = fors.n;
}

/* Items of a display up to close; handles '*x' and comprehensions. */
static ncc_expr *
display(parser *p, ncc_ekind kind, int close, int line, int col)
{
	ncc_vec items = {0};
	bool comma = false;

	while (!check(p, close)) {
		if (check(p, T_STAR)) {
			unsupported(p, p->tok.line, p->tok.col,
			    "unpacking with '*'");
			advance(p);
		}
		ncc_expr *it = expr(p);
		if (items.n == 0 && (check(p, T_FOR) || check(p, T_ASYNC))) {
			ncc_expr *c = new_expr(p, E_LISTCOMP, line, col);
			c->u.comp.elt = it;
			deepen(p, c, it);
			comp_fors(p, c);
			if (kind != E_LIST) {
				unsupported(p, line, col, "generator expression");
				c->kind = E_BAD;
			}
			expect(p, close, "invalid syntax");
			return c;
		}
		ncc_vec_push(p->ctx, &items, it);
		if (p->panic)
			return bad_expr(p, line, col);
		if (!accept(p, T_COMMA)) {
			missing_comma(p, it);
			break;
		}
		comma = true;
	}
	expect(p, close, "invalid syntax");
	if (kind == E_TUPLE && items.n == 1 && !comma)
		return items.items[0];
	return seq_expr(p, kind, &items, line, col);
}

/* dictorset -> '{' [expr ':' expr {',' ...} | expr {',' expr} | comp] '}' */
static ncc_expr *
dict_display(parser *p, int line, int col)
{
	ncc_vec items = {0};
	bool isset = false;

	while (!check(p, T_RBRACE)) {
		if (check(p, T_DSTAR) || check(p, T_STAR)) {
			unsupported(p, p->tok.line, p->tok.col,
			    "unpacking with '*'");
			advance(p);
		}
		ncc_expr *k = expr(p);
		if (accept(p, T_COLON)) {
			ncc_expr *v = expr(p);
			if (items.n == 0 && check(p, T_FOR)) {
				unsupported(p, line, col, "dict comprehension");
				ncc_expr *c = new_expr(p, E_BAD, line, col);
				comp_fors(p, c);
				expect(p, T_RBRACE, "invalid syntax");
				return bad_expr(p, line, col);
			}
			ncc_vec_push(p->ctx, &items, k);
			ncc_vec_push(p->ctx, &items, v);
			if (!check(p, T_COMMA))
				missing_comma(p, v);
		} else {
			isset = true;
			if (items.n == 0 && check(p, T_FOR)) {
				ncc_expr *c = new_expr(p, E_BAD, line, col);
				comp_fors(p, c);
			}
		}
		if (p->panic)
			return bad_expr(p, line, col);
		if (!accept(p, T_COMMA))
			break;
	}
	expect(p, T_RBRACE, "invalid syntax");
	if (isset) {
		unsupported(p, line, col, "set");
		return bad_expr(p, line, col);
	}
	ncc_expr *e = seq_expr(p, E_DICT, &items, line, col);
	e->u.seq.n = items.n / 2;
	return e;
}

/*
 * atom -> NAME | NUMBER | strings | 'True' | 'False' | 'None'
 *       | '(' [exprlist | genexp] ')' | '[' [exprlist | listcomp] ']'
 *       | '{' [dict | set] '}'
 */
static ncc_expr *
atom(parser *p)
{
	int line = p->tok.line, col = p->tok.col;
	ncc_expr *e;

	switch (p->tok.type) {
	case T_NAME:
		e = new_expr(p, E_NAME, line, col);
		e->u.name = tok_text(p, &p->tok);
		advance(p);
		return e;
	case T_INT:
		e = new_expr(p, E_INT, line, col);
		if (p->tok.v.i > (uint64_t)INT64_MAX) {
			e->big = true;
			e->u.i = INT64_MIN;
		} else {
			e->u.i = (int64_t)p->tok.v.i;
		}
		advance(p);
		return e;
	case T_FLOAT:
		if (p->tok.imaginary)
			unsupported(p, line, col, "complex number");
		e = new_expr(p, p->tok.imaginary ? E_BAD : E_FLOAT, line, col);
		e->u.f = p->tok.v.f;
		advance(p);
		return e;
	case T_STR:
		return strings(p);
	case T_TRUE:
	case T_FALSE:
		e = new_expr(p, E_BOOL, line, col);
		e->u.b = check(p, T_TRUE);
		advance(p);
		return e;
	case T_NONE:
		advance(p);
		return new_expr(p, E_NONE, line, col);
	case T_LPAR:
		advance(p);
		if (check(p, T_YIELD)) {
			unsupported(p, line, col, "'yield'");
			advance(p);
			if (!check(p, T_RPAR))
				(void)expr(p);
			expect(p, T_RPAR, "invalid syntax");
			return bad_expr(p, line, col);
		}
		return display(p, E_TUPLE, T_RPAR, line, col);
	case T_LSQB:
		advance(p);
		return display(p, E_LIST, T_RSQB, line, col);
	case T_LBRACE:
		advance(p);
		return dict_display(p, line, col);
	case T_ELLIPSIS:
		unsupported(p, line, col, "'...'");
		advance(p);
		return bad_expr(p, line, col);
	default:
		error_tok(p, "invalid syntax");
		return bad_expr(p, line, col);
	}
}

/* slice -> [expr] ':' [expr] [':' [expr]] | expr */
static ncc_expr *
slice_item(parser *p)
{
	int line = p->tok.line, col = p->tok.col;
	ncc_expr *lo = NULL, *hi = NULL, *step = NULL;

	if (!check(p, T_COLON)) {
		lo = expr(p);
		if (!check(p, T_COLON))
			return lo;
	}
	advance(p);
	if (!check(p, T_COLON) && !check(p, T_RSQB) && !check(p, T_COMMA))
		hi = expr(p);
	if (accept(p, T_COLON) && !check(p, T_RSQB) && !check(p, T_COMMA))
		step = expr(p);
	ncc_expr *e = new_expr(p, E_SLICE, line, col);
	e->u.slice.lo = lo;
	e->u.slice.hi = hi;
	e->u.slice.step = step;
	deepen(p, e, lo);
	deepen(p, e, hi);
	deepen(p, e, step);
	return e;
}

/* arguments -> [arg {',' arg} [',']];  arg -> expr | NAME '=' expr */
static void
arguments(parser *p, ncc_expr *call)
{
	ncc_vec args = {0}, kws = {0};
	ncc_expr *last = NULL;

	while (!check(p, T_RPAR)) {
		if (check(p, T_STAR) || check(p, T_DSTAR)) {
			unsupported(p, p->tok.line, p->tok.col,
			    check(p, T_STAR) ? "'*args'" : "'**kwargs'");
			advance(p);
		}
		if (check(p, T_NAME) && peek(p)->type == T_ASSIGN) {
			ncc_kwarg *kw = ncc_alloc(p->ctx, sizeof *kw);
			kw->name = tok_text(p, &p->tok);
			kw->line = p->tok.line;
			kw->col = p->tok.col;
			advance(p);
			advance(p);
			kw->value = expr(p);
			last = kw->value;
			deepen(p, call, kw->value);
			ncc_vec_push(p->ctx, &kws, kw);
		} else {
			int line = p->tok.line, col = p->tok.col;
			ncc_expr *a = expr(p);
			if (check(p, T_FOR)) {
				unsupported(p, line, col, "generator expression");
				ncc_expr *c = new_expr(p, E_BAD, line, col);
				comp_fors(p, c);
				a = bad_expr(p, line, col);
			}
			if (kws.n > 0)
				error_at(p, line, col,
				    "positional argument follows keyword argument");
			deepen(p, call, a);
			ncc_vec_push(p->ctx, &args, a);
			last = a;
		}
		if (p->panic)
			break;
		if (!accept(p, T_COMMA)) {
			missing_comma(p, last);
			break;
		}
	}
	expect(p, T_RPAR, "invalid syntax");
	call->u.call.args = (ncc_expr **)args.items;
	call->u.call.nargs = args.n;
	call->u.call.kw = ncc_alloc(p->ctx, (kws.n ? kws.n : 1)
	    * sizeof(ncc_kwarg));
	for (size_t i = 0; i < kws.n; i++)
		call->u.call.kw[i] = *(ncc_kwarg *)kws.items[i];
	call->u.call.nkw = kws.n;
}

/*
 * primary -> atom {'(' arguments ')' | '[' subscript ']' | '.' NAME}
 * Calls and subscripts are placed where the whole primary starts (as
 * Python's col_offset), attributes at their name.
 */
static ncc_expr *
primary(parser *p)
{
	int sline = p->tok.line, scol = p->tok.col;
	ncc_expr *e = atom(p);

	for (;;) {
		int line = sline, col = scol;
		if (p->panic)
			return e;
		if (accept(p, T_LPAR)) {
			ncc_expr *c = new_expr(p, E_CALL, line, col);
			c->u.call.fn = e;
			deepen(p, c, e);
			arguments(p, c);
			e = c;
		} else if (accept(p, T_LSQB)) {
			ncc_expr *s = new_expr(p, E_SUBSCR, line, col);
			ncc_vec items = {0};
			bool comma = false;
			do {
				if (check(p, T_RSQB))
					break;
				ncc_vec_push(p->ctx, &items, slice_item(p));
			} while (!p->panic && accept(p, T_COMMA) && (comma = true));
			if (items.n == 0)
				error_tok(p, "invalid syntax");
			expect(p, T_RSQB, "invalid syntax");
			s->u.sub.obj = e;
			s->u.sub.idx = items.n == 1 && !comma ? items.items[0]
			    : seq_expr(p, E_TUPLE, &items, line, col);
			if (items.n == 0)
				s->u.sub.idx = bad_expr(p, line, col);
			deepen(p, s, e);
			deepen(p, s, s->u.sub.idx);
			e = s;
		} else if (accept(p, T_DOT)) {
			if (!check(p, T_NAME)) {
				error_tok(p, "invalid syntax");
				return e;
			}
			ncc_expr *a = new_expr(p, E_ATTR, p->tok.line, p->tok.col);
			a->u.attr.obj = e;
			a->u.attr.name = tok_text(p, &p->tok);
			deepen(p, a, e);
			advance(p);
			e = a;
		} else {
			return e;
		}
	}
}

static ncc_expr *factor(parser *p);

/* power -> ['await'] primary ['**' factor] */
static ncc_expr *
power(parser *p)
{
	if (check(p, T_AWAIT)) {
		unsupported(p, p->tok.line, p->tok.col, "'await'");
		advance(p);
	}
	ncc_expr *e = primary(p);
	if (check(p, T_DSTAR)) {
		int line = p->tok.line, col = p->tok.col;
		advance(p);
		e = new_binop(p, NBC_OP_POW, e, factor(p), line, col);
	}
	return e;
}

/* factor -> ('+' | '-' | '~') factor | power */
static ncc_expr *
factor(parser *p)
{
	int line = p->tok.line, col = p->tok.col;
	int op = p->tok.type;

	if (op != T_PLUS && op != T_MINUS && op != T_TILDE)
		return power(p);
	if (!enter(p))
		return bad_expr(p, line, col);
	advance(p);
	ncc_expr *x = factor(p);
	p->depth--;
	if (op == T_TILDE) {
		unsupported(p, line, col, "operator '~'");
		return bad_expr(p, line, col);
	}
	/* fold -literal, except -(-9223372036854775808): that one is left
	 * to NEG, which raises OverflowError at run time as int64 says */
	if (op == T_MINUS && x->kind == E_INT &&
	    (x->big || x->u.i != INT64_MIN)) {
		x->u.i = x->big ? INT64_MIN : -x->u.i;
		x->big = false;
		x->line = line;
		x->col = col;
		return x;
	}
	if (op == T_MINUS && x->kind == E_FLOAT) {
		x->u.f = -x->u.f;
		x->line = line;
		x->col = col;
		return x;
	}
	ncc_expr *e = new_expr(p, E_UNARY, line, col);
	e->u.un.op = op == T_MINUS ? NBC_OP_NEG : NBC_OP_POS;
	e->u.un.e = x;
	deepen(p, e, x);
	return e;
}

/* Operator token -> opcode for binary arithmetic; -1 when unsupported. */
static int
binop_of(int type)
{
	switch (type) {
	case T_PLUS: return NBC_OP_ADD;
	case T_MINUS: return NBC_OP_SUB;
	case T_STAR: return NBC_OP_MUL;
	case T_SLASH: return NBC_OP_DIV;
	case T_DSLASH: return NBC_OP_FLOORDIV;
	case T_PERCENT: return NBC_OP_MOD;
	default: return -1;
	}
}

/* term -> factor {('*' | '/' | '//' | '%' | '@') factor} */
static ncc_expr *
term(parser *p)
{
	ncc_expr *e = factor(p);

	while (check(p, T_STAR) || check(p, T_SLASH) || check(p, T_DSLASH)
	    || check(p, T_PERCENT) || check(p, T_AT)) {
		int line = p->tok.line, col = p->tok.col, type = p->tok.type;
		advance(p);
		ncc_expr *r = factor(p);
		if (type == T_AT) {
			unsupported(p, line, col, "operator '@'");
			e = bad_expr(p, line, col);
			continue;
		}
		e = new_binop(p, binop_of(type), e, r, line, col);
		if (p->panic)
			break;
	}
	return e;
}

/* arith -> term {('+' | '-') term} */
static ncc_expr *
arith(parser *p)
{
	ncc_expr *e = term(p);

	while (check(p, T_PLUS) || check(p, T_MINUS)) {
		int line = p->tok.line, col = p->tok.col, type = p->tok.type;
		advance(p);
		e = new_binop(p, binop_of(type), e, term(p), line, col);
		if (p->panic)
			break;
	}
	return e;
}

/* bor -> arith {('<<' | '>>' | '&' | '^' | '|') arith}  (all unsupported) */
static ncc_expr *
bor_expr(parser *p)
{
	ncc_expr *e = arith(p);

	while (check(p, T_LSHIFT) || check(p, T_RSHIFT) || check(p, T_AMP)
	    || check(p, T_CARET) || check(p, T_PIPE)) {
		int line = p->tok.line, col = p->tok.col;
		char what[32];
		snprintf(what, sizeof what, "operator %s", ncx_name(p->tok.type));
		unsupported(p, line, col, what);
		advance(p);
		(void)arith(p);
		e = bad_expr(p, line, col);
		if (p->panic)
			break;
	}
	return e;
}

/* Comparison operator at the current token (consumed), or -1. */
static int
comp_op(parser *p)
{
	switch (p->tok.type) {
	case T_EQEQ: advance(p); return NBC_OP_EQ;
	case T_NE: advance(p); return NBC_OP_NE;
	case T_LT: advance(p); return NBC_OP_LT;
	case T_LE: advance(p); return NBC_OP_LE;
	case T_GT: advance(p); return NBC_OP_GT;
	case T_GE: advance(p); return NBC_OP_GE;
	case T_IN: advance(p); return NBC_OP_IN;
	case T_IS:
		advance(p);
		return accept(p, T_NOT) ? NBC_OP_IS_NOT : NBC_OP_IS;
	case T_NOT:
		if (peek(p)->type != T_IN)
			return -1;
		advance(p);
		advance(p);
		return NBC_OP_NOT_IN;
	default:
		return -1;
	}
}

/* comparison -> bor {comp_op bor} */
static ncc_expr *
comparison(parser *p)
{
	ncc_expr *first = bor_expr(p);
	ncc_vec opnds = {0};
	int ops[NCC_MAX_ARGS];
	size_t nops = 0;
	int line = p->tok.line, col = p->tok.col;

	ncc_vec_push(p->ctx, &opnds, first);
	for (;;) {
		int op = comp_op(p);
		if (op < 0)
			break;
		if (nops == NCC_MAX_ARGS) {
			error_at(p, line, col, "expression too complex");
			break;
		}
		ops[nops++] = op;
		ncc_vec_push(p->ctx, &opnds, bor_expr(p));
		if (p->panic)
			break;
	}
	if (nops == 0)
		return first;
	ncc_expr *e = new_expr(p, E_COMPARE, line, col);
	e->u.cmp.opnds = (ncc_expr **)opnds.items;
	e->u.cmp.n = opnds.n;
	e->u.cmp.ops = ncc_alloc(p->ctx, nops * sizeof(int));
	memcpy(e->u.cmp.ops, ops, nops * sizeof(int));
	for (size_t i = 0; i < opnds.n; i++)
		deepen(p, e, opnds.items[i]);
	return e;
}

/* not_test -> 'not' not_test | comparison */
static ncc_expr *
not_test(parser *p)
{
	if (!check(p, T_NOT))
		return comparison(p);
	int line = p->tok.line, col = p->tok.col;
	if (!enter(p))
		return bad_expr(p, line, col);
	advance(p);
	ncc_expr *x = not_test(p);
	p->depth--;
	ncc_expr *e = new_expr(p, E_UNARY, line, col);
	e->u.un.op = NBC_OP_NOT;
	e->u.un.e = x;
	deepen(p, e, x);
	return e;
}

/* and_test -> not_test {'and' not_test};  or_test -> and_test {'or' and_test} */
static ncc_expr *
bool_chain(parser *p, int optok)
{
	ncc_expr *first = optok == T_OR ? bool_chain(p, T_AND) : not_test(p);
	if (!check(p, optok))
		return first;
	int line = p->tok.line, col = p->tok.col;
	ncc_vec items = {0};
	ncc_vec_push(p->ctx, &items, first);
	while (accept(p, optok)) {
		ncc_vec_push(p->ctx, &items,
		    optok == T_OR ? bool_chain(p, T_AND) : not_test(p));
		if (p->panic)
			break;
	}
	return seq_expr(p, optok == T_OR ? E_OR : E_AND, &items, line, col);
}

static ncc_expr *
or_test(parser *p)
{
	return bool_chain(p, T_OR);
}

/* lambda -> 'lambda' [params] ':' expr  (unsupported; skipped) */
static ncc_expr *
lambda_expr(parser *p)
{
	int line = p->tok.line, col = p->tok.col;

	unsupported(p, line, col, "'lambda'");
	advance(p);
	for (int depth = 0; !check(p, T_NEWLINE) && !check(p, T_EOF)
	    && !(depth == 0 && check(p, T_COLON)); advance(p)) {
		if (check(p, T_LPAR) || check(p, T_LSQB) || check(p, T_LBRACE))
			depth++;
		else if (check(p, T_RPAR) || check(p, T_RSQB) || check(p, T_RBRACE))
			depth--;
	}
	if (expect(p, T_COLON, "invalid syntax"))
		(void)expr(p);
	return bad_expr(p, line, col);
}

/* expr -> or_test ['if' or_test 'else' expr] | lambda | NAME ':=' expr */
static ncc_expr *
expr(parser *p)
{
	int line = p->tok.line, col = p->tok.col;

	if (check(p, T_LAMBDA))
		return lambda_expr(p);
	if (check(p, T_YIELD)) {
		unsupported(p, line, col, "'yield'");
		advance(p);
		if (!check(p, T_NEWLINE) && !check(p, T_RPAR))
			(void)expr(p);
		return bad_expr(p, line, col);
	}
	if (!enter(p))
		return bad_expr(p, line, col);
	ncc_expr *e = or_test(p);
	if (check(p, T_IF)) {
		int l2 = p->tok.line, c2 = p->tok.col;
		advance(p);
		ncc_expr *cond = or_test(p);
		ncc_expr *x = new_expr(p, E_IFEXP, l2, c2);
		x->u.ifx.a = e;
		x->u.ifx.cond = cond;
		if (expect(p, T_ELSE, "expected 'else' after 'if' expression"))
			x->u.ifx.b = expr(p);
		else
			x->u.ifx.b = bad_expr(p, l2, c2);
		deepen(p, x, e);
		deepen(p, x, cond);
		deepen(p, x, x->u.ifx.b);
		e = x;
	} else if (check(p, T_WALRUS)) {
		unsupported(p, p->tok.line, p->tok.col, "':='");
		advance(p);
		(void)expr(p);
		e = bad_expr(p, line, col);
	}
	p->depth--;
	return e;
}

/* exprlist -> expr {',' expr} [',']  (a tuple when there is a comma) */
static ncc_expr *
exprlist(parser *p)
{
	int line = p->tok.line, col = p->tok.col;
	ncc_expr *first;

	if (check(p, T_STAR)) {
		unsupported(p, line, col, "starred expression");
		advance(p);
	}
	first = expr(p);
	if (!check(p, T_COMMA))
		return first;
	ncc_vec items = {0};
	ncc_vec_push(p->ctx, &items, first);
	while (accept(p, T_COMMA)) {
		if (check(p, T_NEWLINE) || check(p, T_ASSIGN) || check(p, T_EOF)
		    || check(p, T_RPAR) || check(p, T_SEMI) || check(p, T_COLON))
			break;
		if (check(p, T_STAR)) {
			unsupported(p, p->tok.line, p->tok.col,
			    "starred expression");
			advance(p);
		}
		ncc_vec_push(p->ctx, &items, expr(p));
		if (p->panic)
			break;
	}
	return seq_expr(p, E_TUPLE, &items, line, col);
}

/* ---- statements ------------------------------------------------------- */

static const char *
expr_kind_name(const ncc_expr *e)
{
	switch (e->kind) {
	case E_CALL: return "function call";
	case E_INT: case E_FLOAT: case E_STR: case E_BOOL: case E_NONE:
		return "literal";
	case E_COMPARE: return "comparison";
	case E_IFEXP: return "conditional expression";
	case E_DICT: return "dict literal";
	case E_LISTCOMP: return "list comprehension";
	default: return "expression";
	}
}

/* Check an assignment target; aug: augmented assignment. */
static bool
check_target(parser *p, ncc_expr *t, bool aug)
{
	char msg[96];

	switch (t->kind) {
	case E_NAME:
		return true;
	case E_SUBSCR:
		if (t->u.sub.idx->kind == E_SLICE) {
			unsupported(p, t->line, t->col, "assignment to a slice");
			return false;
		}
		return true;
	case E_ATTR:
		unsupported(p, t->line, t->col, "assignment to an attribute");
		return false;
	case E_TUPLE:
	case E_LIST:
		if (aug) {
			snprintf(msg, sizeof msg,
			    "'%s' is an illegal expression for augmented assignment",
			    t->kind == E_TUPLE ? "tuple" : "list");
			error_at(p, t->line, t->col, msg);
			return false;
		}
		for (size_t i = 0; i < t->u.seq.n; i++)
			if (!check_target(p, t->u.seq.items[i], false))
				return false;
		return true;
	case E_BAD:
		return false;
	default:
		if (aug)
			snprintf(msg, sizeof msg,
			    "'%s' is an illegal expression for augmented assignment",
			    expr_kind_name(t));
		else
			snprintf(msg, sizeof msg,
			    "cannot assign to %s here. Maybe you meant '==' instead of '='?",
			    expr_kind_name(t));
		error_at(p, t->line, t->col, msg);
		return false;
	}
}

static int
augop_of(int type)
{
	switch (type) {
	case T_PLUSEQ: return NBC_OP_ADD;
	case T_MINUSEQ: return NBC_OP_SUB;
	case T_STAREQ: return NBC_OP_MUL;
	case T_SLASHEQ: return NBC_OP_DIV;
	case T_DSLASHEQ: return NBC_OP_FLOORDIV;
	case T_PERCENTEQ: return NBC_OP_MOD;
	case T_DSTAREQ: return NBC_OP_POW;
	case T_ATEQ: case T_AMPEQ: case T_PIPEEQ: case T_CARETEQ:
	case T_LSHIFTEQ: case T_RSHIFTEQ:
		return -2;
	default: return -1;
	}
}

/*
 * expr_stmt -> exprlist (augassign exprlist | ':' expr ['=' exprlist]
 *            | {'=' exprlist})
 */
static ncc_stmt *
expr_stmt(parser *p)
{
	int line = p->tok.line, col = p->tok.col;
	ncc_expr *e = exprlist(p);
	int aug = augop_of(p->tok.type);

	if (aug != -1) {
		ncc_stmt *s = new_stmt(p, S_AUGASSIGN, line, col);
		if (aug == -2) {
			char what[32];
			snprintf(what, sizeof what, "operator %s",
			    ncx_name(p->tok.type));
			unsupported(p, p->tok.line, p->tok.col, what);
		}
		advance(p);
		s->u.aug.target = e;
		s->u.aug.op = aug;
		s->u.aug.value = exprlist(p);
		if (!check_target(p, e, true) || aug == -2)
			s->kind = S_BAD;
		return s;
	}
	if (check(p, T_COLON)) {
		ncc_stmt *s = new_stmt(p, S_ANNOT, line, col);
		advance(p);
		(void)expr(p);
		if (e->kind != E_NAME) {
			if (check_target(p, e, true))
				unsupported(p, e->line, e->col,
				    "annotation of a subscript");
			s->kind = S_BAD;
		}
		s->u.annot.target = e;
		if (accept(p, T_ASSIGN))
			s->u.annot.value = exprlist(p);
		return s;
	}
	if (!check(p, T_ASSIGN)) {
		ncc_stmt *s = new_stmt(p, S_EXPR, line, col);
		s->u.expr = e;
		return s;
	}
	ncc_vec targets = {0};
	ncc_stmt *s = new_stmt(p, S_ASSIGN, line, col);
	bool ok = true;
	while (accept(p, T_ASSIGN)) {
		if (!check_target(p, e, false))
			ok = false;
		ncc_vec_push(p->ctx, &targets, e);
		e = exprlist(p);
		if (p->panic)
			break;
	}
	s->u.assign.targets = (ncc_expr **)targets.items;
	s->u.assign.n = targets.n;
	s->u.assign.value = e;
	if (!ok)
		s->kind = S_BAD;
	return s;
}

/* import_stmt -> 'import' NAME ['as' NAME] {',' NAME ['as' NAME]} */
static void
import_stmt(parser *p, ncc_vec *out)
{
	advance(p);
	do {
		int line = p->tok.line, col = p->tok.col;
		if (!check(p, T_NAME)) {
			error_tok(p, "invalid syntax");
			return;
		}
		const char *start = p->tok.start;
		advance(p);
		while (accept(p, T_DOT)) {
			if (!check(p, T_NAME)) {
				error_tok(p, "invalid syntax");
				return;
			}
			advance(p);
		}
		ncc_stmt *s = new_stmt(p, S_IMPORT, line, col);
		s->u.import.module = ncc_strndup(p->ctx, start,
		    (size_t)(p->prev_end - start));
		if (check(p, T_AS)) {
			unsupported(p, p->tok.line, p->tok.col, "'import ... as'");
			advance(p);
			if (!expect(p, T_NAME, "invalid syntax"))
				return;
			s->kind = S_BAD;
		}
		ncc_vec_push(p->ctx, out, s);
	} while (accept(p, T_COMMA));
}

/*
 * simple_stmt -> 'pass' | 'break' | 'continue' | 'return' [exprlist]
 *              | 'raise' [expr ['from' expr]] | 'assert' expr [',' expr]
 *              | import_stmt | expr_stmt
 */
static void
simple_stmt(parser *p, ncc_vec *out)
{
	int line = p->tok.line, col = p->tok.col;
	ncc_stmt *s = NULL;

	switch (p->tok.type) {
	case T_PASS:
		advance(p);
		s = new_stmt(p, S_PASS, line, col);
		break;
	case T_BREAK:
		advance(p);
		s = new_stmt(p, S_BREAK, line, col);
		break;
	case T_CONTINUE:
		advance(p);
		s = new_stmt(p, S_CONTINUE, line, col);
		break;
	case T_RETURN:
		advance(p);
		s = new_stmt(p, S_RETURN, line, col);
		if (!check(p, T_NEWLINE) && !check(p, T_SEMI) && !check(p, T_EOF))
			s->u.expr = exprlist(p);
		break;
	case T_RAISE:
		advance(p);
		s = new_stmt(p, S_RAISE, line, col);
		if (!check(p, T_NEWLINE) && !check(p, T_SEMI) && !check(p, T_EOF))
			s->u.raise.exc = expr(p);
		if (check(p, T_FROM)) {
			unsupported(p, p->tok.line, p->tok.col, "'raise ... from'");
			advance(p);
			(void)expr(p);
			s->kind = S_BAD;
		}
		break;
	case T_ASSERT:
		advance(p);
		s = new_stmt(p, S_ASSERT, line, col);
		s->u.assrt.cond = expr(p);
		if (accept(p, T_COMMA))
			s->u.assrt.msg = expr(p);
		break;
	case T_IMPORT:
		import_stmt(p, out);
		return;
	case T_FROM:
		unsupported(p, line, col, "'from ... import'");
		skip_line(p);
		return;
	case T_GLOBAL:
	case T_NONLOCAL:
	case T_DEL:
		unsupported(p, line, col, ncx_name(p->tok.type));
		skip_line(p);
		return;
	default:
		s = expr_stmt(p);
		break;
	}
	ncc_vec_push(p->ctx, out, s);
}

/* simple_stmts -> simple_stmt {';' simple_stmt} [';'] NEWLINE */
static void
simple_stmts(parser *p, ncc_vec *out)
{
	for (;;) {
		size_t n = out->n;
		simple_stmt(p, out);
		if (p->panic)
			return;
		if (out->n == n + 1 && starts_expr(p)) {
			const ncc_stmt *st = out->items[n];
			if (st->kind == S_EXPR && st->u.expr->kind == E_NAME
			    && strcmp(st->u.expr->u.name, "print") == 0)
				error_at(p, st->line, st->col,
				    "Missing parentheses in call to 'print'. Did you mean print(...)?");
		}
		if (!accept(p, T_SEMI))
			break;
		if (check(p, T_NEWLINE) || check(p, T_EOF))
			break;
	}
	if (!check(p, T_EOF))
		expect(p, T_NEWLINE, "invalid syntax");
}

/* block -> ':' (simple_stmts | NEWLINE INDENT statement+ DEDENT) */
static ncc_block
block(parser *p, const char *what, int line)
{
	ncc_vec v = {0};
	ncc_block b = {0};
	if (!expect(p, T_COLON, "expected ':'"))
		return b;
	if (!check(p, T_NEWLINE)) {
		simple_stmts(p, &v);
	} else {
		advance(p);
		if (!check(p, T_INDENT)) {
			/* no panic: the next line is a statement of its own */
			if (!p->panic && p->tok.type != T_ERROR) {
				p->ctx->syntax_error = true;
				ncc_error(p->ctx, p->tok.line, p->tok.col,
				    "expected an indented block after %s on line %d",
				    what, line);
			}
			return b;
		}
		advance(p);
		while (!check(p, T_DEDENT) && !check(p, T_EOF)) {
			statement(p, &v);
		}
		accept(p, T_DEDENT);
	}
	b.items = (ncc_stmt **)v.items;
	b.n = v.n;
	return b;
}

/* `if x = 1:`: CPython's hint, at the condition. */
static void
assign_in_condition(parser *p, const ncc_expr *cond)
{
	if (check(p, T_ASSIGN))
		error_at(p, cond->line, cond->col,
		    "invalid syntax. Maybe you meant '==' or ':=' instead of '='?");
}

/* if_stmt -> 'if' expr block {'elif' expr block} ['else' block] */
static ncc_stmt *
if_stmt(parser *p)
{
	int line = p->tok.line, col = p->tok.col;
	bool elif = check(p, T_ELIF);
	ncc_stmt *s = new_stmt(p, S_IF, line, col);

	advance(p);
	s->u.cond.cond = expr(p);
	assign_in_condition(p, s->u.cond.cond);
	s->u.cond.body = block(p, elif ? "'elif' statement" : "'if' statement",
	    line);
	if (p->panic)
		return s;
	if (check(p, T_ELIF)) {
		ncc_stmt *e = if_stmt(p);
		s->u.cond.orelse.items = ncc_alloc(p->ctx, sizeof(ncc_stmt *));
		s->u.cond.orelse.items[0] = e;
		s->u.cond.orelse.n = 1;
	} else if (check(p, T_ELSE)) {
		int l2 = p->tok.line;
		advance(p);
		s->u.cond.orelse = block(p, "'else' statement", l2);
	}
	return s;
}

/* Optional 'else' block of a loop. */
static ncc_block
loop_else(parser *p)
{
	ncc_block b = {0};

	if (!p->panic && check(p, T_ELSE)) {
		int line = p->tok.line;
		advance(p);
		b = block(p, "'else' statement", line);
	}
	return b;
}

/* while_stmt -> 'while' expr block ['else' block] */
static ncc_stmt *
while_stmt(parser *p)
{
	ncc_stmt *s = new_stmt(p, S_WHILE, p->tok.line, p->tok.col);

	advance(p);
	s->u.cond.cond = expr(p);
	assign_in_condition(p, s->u.cond.cond);
	s->u.cond.body = block(p, "'while' statement", s->line);
	s->u.cond.orelse = loop_else(p);
	return s;
}

/* for_stmt -> 'for' bor {',' bor} 'in' exprlist block ['else' block] */
static ncc_stmt *
for_stmt(parser *p)
{
	ncc_stmt *s = new_stmt(p, S_FOR, p->tok.line, p->tok.col);
	ncc_vec targets = {0};
	int line, col;

	advance(p);
	line = p->tok.line;
	col = p->tok.col;
	do {
		if (check(p, T_IN))
			break;
		ncc_vec_push(p->ctx, &targets, bor_expr(p));
	} while (!p->panic && accept(p, T_COMMA));
	if (targets.n == 0)
		error_tok(p, "invalid syntax");
	s->u.loop.target = targets.n == 1 ? targets.items[0]
	    : seq_expr(p, E_TUPLE, &targets, line, col);
	if (targets.n > 0 && !check_target(p, s->u.loop.target, false))
		s->kind = S_BAD;
	expect(p, T_IN, "invalid syntax");
	s->u.loop.iter = exprlist(p);
	s->u.loop.body = block(p, "'for' statement", s->line);
	s->u.loop.orelse = loop_else(p);
	return s;
}

/* param -> NAME [':' expr] ['=' expr] | '*' [NAME] | '**' NAME | '/' */
static bool
param(parser *p, ncc_vec *params, bool *seen_default)
{
	if (check(p, T_STAR) || check(p, T_DSTAR) || check(p, T_SLASH)) {
		unsupported(p, p->tok.line, p->tok.col, check(p, T_STAR)
		    ? "'*args'" : check(p, T_DSTAR) ? "'**kwargs'"
		    : "positional-only marker '/'");
		advance(p);
		if (check(p, T_NAME))
			advance(p);
		if (accept(p, T_COLON))
			(void)expr(p);
		return false;
	}
	if (!check(p, T_NAME)) {
		error_tok(p, "invalid syntax");
		return false;
	}
	ncc_pdef *pd = ncc_alloc(p->ctx, sizeof *pd);
	pd->name = tok_text(p, &p->tok);
	pd->line = p->tok.line;
	pd->col = p->tok.col;
	advance(p);
	if (accept(p, T_COLON)) {
		const char *start = p->tok.start;
		(void)expr(p);
		pd->type = annotation_text(p, start);
	} else {
		pd->type = ncc_strndup(p->ctx, "any", 3);
	}
	if (accept(p, T_ASSIGN)) {
		pd->dflt = expr(p);
		*seen_default = true;
	} else if (*seen_default) {
		error_at(p, pd->line, pd->col,
		    "non-default argument follows default argument");
	}
	if (params->n >= NCC_MAX_PARAMS) {
		error_at(p, pd->line, pd->col, "too many parameters");
		return false;
	}
	ncc_vec_push(p->ctx, params, pd);
	return true;
}

/* funcdef -> 'def' NAME '(' [param {',' param} [',']] ')' ['->' expr] block */
static ncc_stmt *
funcdef(parser *p)
{
	ncc_stmt *s = new_stmt(p, S_DEF, p->tok.line, p->tok.col);
	ncc_fdef *f = ncc_alloc(p->ctx, sizeof *f);
	ncc_vec params = {0};
	bool seen_default = false;

	s->u.def = f;
	advance(p);
	if (!check(p, T_NAME)) {
		error_tok(p, "invalid syntax");
		return s;
	}
	f->name = tok_text(p, &p->tok);
	f->line = p->tok.line;
	f->col = p->tok.col;
	advance(p);
	if (!expect(p, T_LPAR, "expected '('"))
		return s;
	while (!check(p, T_RPAR)) {
		param(p, &params, &seen_default);
		if (p->panic || !accept(p, T_COMMA))
			break;
	}
	if (!expect(p, T_RPAR, "invalid syntax"))
		return s;
	f->params = ncc_alloc(p->ctx, (params.n ? params.n : 1)
	    * sizeof(ncc_pdef));
	for (size_t i = 0; i < params.n; i++)
		f->params[i] = *(ncc_pdef *)params.items[i];
	f->nparams = params.n;
	if (accept(p, T_ARROW)) {
		const char *start = p->tok.start;
		(void)expr(p);
		f->ret = annotation_text(p, start);
	} else {
		f->ret = ncc_strndup(p->ctx, "any", 3);
	}
	f->body = block(p, "function definition", s->line);
	return s;
}

/* An unsupported compound statement: its header line and block skipped. */
static void
skip_compound(parser *p, const char *what)
{
	if (what != NULL)
		unsupported(p, p->tok.line, p->tok.col, what);
	skip_line(p);
	accept(p, T_NEWLINE);
	skip_block(p);
}

/*
 * statement -> if_stmt | while_stmt | for_stmt | funcdef | simple_stmts
 *            | (unsupported: class, try, with, async, decorators)
 * After an error: skip to the end of the logical line, and through the
 * indented block that may follow.
 */
static void
statement(parser *p, ncc_vec *out)
{
	bool was_skipped = p->skip_clauses;

	p->skip_clauses = false;
	switch (p->tok.type) {
	case T_NEWLINE:
		advance(p);
		return;
	case T_INDENT:
		error_tok(p, "unexpected indent");
		break;
	case T_DEDENT:
		advance(p);
		return;
	case T_IF:
		ncc_vec_push(p->ctx, out, if_stmt(p));
		break;
	case T_WHILE:
		ncc_vec_push(p->ctx, out, while_stmt(p));
		break;
	case T_FOR:
		ncc_vec_push(p->ctx, out, for_stmt(p));
		break;
	case T_DEF:
		ncc_vec_push(p->ctx, out, funcdef(p));
		break;
	case T_CLASS:
		skip_compound(p, "'class'");
		return;
	case T_WITH:
		skip_compound(p, "'with'");
		return;
	case T_ASYNC:
		skip_compound(p, "'async'");
		return;
	case T_TRY:
		skip_compound(p, "'try'");
		p->skip_clauses = true;
		return;
	case T_EXCEPT:
	case T_FINALLY:
	case T_ELSE:
	case T_ELIF:
		if (was_skipped) {
			skip_compound(p, NULL);
			p->skip_clauses = true;
			return;
		}
		error_tok(p, "invalid syntax");
		break;
	case T_AT:
		unsupported(p, p->tok.line, p->tok.col, "decorator");
		skip_line(p);
		accept(p, T_NEWLINE);
		return;
	default:
		simple_stmts(p, out);
		break;
	}
	if (p->panic) {
		skip_line(p);
		accept(p, T_NEWLINE);
		p->panic = false;
		if (check(p, T_INDENT)) {
			skip_block(p);
			p->skip_clauses = true;
		}
	}
}

ncc_block
ncp_module(ncc_ctx *ctx, const char *src, size_t len)
{
	parser p;
	ncc_vec v = {0};
	ncc_block b;

	memset(&p, 0, sizeof p);
	p.ctx = ctx;
	ncx_init(&p.lx, ctx, src, len);
	advance(&p);
	while (!check(&p, T_EOF))
		statement(&p, &v);
	b.items = (ncc_stmt **)v.items;
	b.n = v.n;
	return b;
}
