/*
 * ncc_ast.h - what the parts of the Noodle compiler share and nothing else
 * sees: the compilation context (arena, diagnostics), tokens and the lexer
 * (ncx_), the syntax tree and the parser (ncp_), the semantic pass (ncs_)
 * and the code generator (ncg_).
 *
 * Memory.  Everything a compilation builds (tokens' decoded strings, tree
 * nodes, tables) lives in one arena freed at the end.  When malloc fails the
 * arena longjmps to ncc_compile, which frees the arena and returns -1, so no
 * other code checks for out-of-memory.
 *
 * Diagnostics are collected in the context and sorted by position at the
 * end.  A syntax error (lexer or parser) stops the pipeline after parsing;
 * an unsupported construct or a semantic error does not stop the semantic
 * pass, so one run reports as many errors as it can.
 */
#ifndef NCC_AST_H
#define NCC_AST_H

#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ncc.h"

/* Deepest expression tree accepted (left-deep chains such as a+b+c+...). */
#define NCC_MAX_EXPR_DEPTH 1000
/* Most locals in one function, most parameters. */
#define NCC_MAX_LOCALS     65535
#define NCC_MAX_PARAMS     255
#define NCC_MAX_ARGS       255

/* ---- context: arena and diagnostics ------------------------------------- */

typedef struct ncc_chunk ncc_chunk;

typedef struct ncc_ctx {
	ncc_chunk *chunks;
	jmp_buf *oom;             /* where to go when memory runs out */
	ncc_diag *errors;         /* arena-owned messages */
	size_t nerrors, cap_errors;
	ncc_diag *warnings;
	size_t nwarnings, cap_warnings;
	size_t dropped;           /* diagnostics over the storage bound */
	int colshift;             /* columns removed by the common dedent */
	bool syntax_error;        /* a lexer or parser error was reported */
} ncc_ctx;

void ncc_ctx_init(ncc_ctx *c, jmp_buf *oom);
void ncc_ctx_free(ncc_ctx *c);
/* Arena allocation, zero-filled; never returns NULL (longjmps instead). */
void *ncc_alloc(ncc_ctx *c, size_t n);
char *ncc_strndup(ncc_ctx *c, const char *s, size_t n);
char *ncc_printf(ncc_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void ncc_error(ncc_ctx *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void ncc_warning(ncc_ctx *c, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A growable array in the arena (old storage is abandoned on growth). */
typedef struct ncc_vec {
	void **items;
	size_t n, cap;
} ncc_vec;
void ncc_vec_push(ncc_ctx *c, ncc_vec *v, void *item);

/* String -> int map in the arena (open addressing). */
typedef struct ncc_map {
	const char **keys;
	int *vals;
	size_t n, cap;
} ncc_map;
void ncc_map_put(ncc_ctx *c, ncc_map *m, const char *key, int val);
bool ncc_map_get(const ncc_map *m, const char *key, int *val);

/* ---- tokens and lexer (ncc_lex.c) ---------------------------------------- */

#define NCX_KEYWORDS(X) \
	X(AND, "and") X(AS, "as") X(ASSERT, "assert") X(ASYNC, "async") \
	X(AWAIT, "await") X(BREAK, "break") X(CLASS, "class") \
	X(CONTINUE, "continue") X(DEF, "def") X(DEL, "del") X(ELIF, "elif") \
	X(ELSE, "else") X(EXCEPT, "except") X(FALSE, "False") \
	X(FINALLY, "finally") X(FOR, "for") X(FROM, "from") \
	X(GLOBAL, "global") X(IF, "if") X(IMPORT, "import") X(IN, "in") \
	X(IS, "is") X(LAMBDA, "lambda") X(NONE, "None") \
	X(NONLOCAL, "nonlocal") X(NOT, "not") X(OR, "or") X(PASS, "pass") \
	X(RAISE, "raise") X(RETURN, "return") X(TRUE, "True") X(TRY, "try") \
	X(WHILE, "while") X(WITH, "with") X(YIELD, "yield")

/* Operators, longest first within a common prefix. */
#define NCX_OPERATORS(X) \
	X(DSTAREQ, "**=") X(DSLASHEQ, "//=") X(LSHIFTEQ, "<<=") \
	X(RSHIFTEQ, ">>=") X(ELLIPSIS, "...") \
	X(DSTAR, "**") X(DSLASH, "//") X(LSHIFT, "<<") X(RSHIFT, ">>") \
	X(EQEQ, "==") X(NE, "!=") X(LE, "<=") X(GE, ">=") X(ARROW, "->") \
	X(PLUSEQ, "+=") X(MINUSEQ, "-=") X(STAREQ, "*=") X(SLASHEQ, "/=") \
	X(PERCENTEQ, "%=") X(ATEQ, "@=") X(AMPEQ, "&=") X(PIPEEQ, "|=") \
	X(CARETEQ, "^=") X(WALRUS, ":=") \
	X(LPAR, "(") X(RPAR, ")") X(LSQB, "[") X(RSQB, "]") X(LBRACE, "{") \
	X(RBRACE, "}") X(COLON, ":") X(COMMA, ",") X(SEMI, ";") X(DOT, ".") \
	X(PLUS, "+") X(MINUS, "-") X(STAR, "*") X(SLASH, "/") \
	X(PERCENT, "%") X(ASSIGN, "=") X(LT, "<") X(GT, ">") X(AT, "@") \
	X(AMP, "&") X(PIPE, "|") X(CARET, "^") X(TILDE, "~")

enum ncx_tok {
	T_EOF, T_NEWLINE, T_INDENT, T_DEDENT, T_NAME, T_INT, T_FLOAT, T_STR,
	T_ERROR,
#define NCX_X(id, s) T_##id,
	NCX_KEYWORDS(NCX_X)
	NCX_OPERATORS(NCX_X)
#undef NCX_X
	T__COUNT
};

/* String literal flags. */
#define NCX_STR_FSTRING 1u
#define NCX_STR_BYTES   2u

typedef struct ncx_token {
	int type;
	int line, col;            /* 1-based, col in characters of the file's line */
	const char *start;        /* raw text in the (dedented) source */
	size_t len;
	union {
		uint64_t i;           /* T_INT; may be 2^63 (only valid negated) */
		double f;             /* T_FLOAT */
		struct { char *s; size_t len; } s;   /* T_STR, decoded UTF-8 */
	} v;
	unsigned strflags;
	bool imaginary;           /* 1j */
	bool recovered;           /* NEWLINE ending an unclosed bracket: the
	                             lexer has reported the error */
} ncx_token;

typedef struct ncx_lexer {
	ncc_ctx *ctx;
	const char *src, *p, *end;
	const char *line_start;
	int line;
	bool at_bol;              /* next token starts a line (indent check) */
	bool line_has_tokens;     /* a NEWLINE is due at the end of the line */
	bool done;
	int ndedent;              /* DEDENT tokens still to give */
	bool indent_pending;      /* an INDENT still to give */
	int nindent;
	int ind8[NCC_MAX_NESTING + 2], ind1[NCC_MAX_NESTING + 2];
	int nparen;
	struct { char c; int line, col; size_t nerr; } paren[NCC_MAX_NESTING + 1];
	int tok_line, tok_col;    /* position of the INDENT/DEDENT/NEWLINE */
	bool deep_reported;       /* a nesting bound error was reported */
	int overflow;             /* brackets opened past the bound */
	const char *col_at;       /* col_of's cache: a position and the */
	int col_chars;            /* characters before it on its line */
} ncx_lexer;

void ncx_init(ncx_lexer *lx, ncc_ctx *ctx, const char *src, size_t len);
/* Next token.  Errors are reported to ctx and given as T_ERROR. */
void ncx_next(ncx_lexer *lx, ncx_token *t);
const char *ncx_name(int type);   /* "'('", "'def'", "name", ... */

/* ---- syntax tree (ncc_parse.c) ----------------------------------------- */

typedef enum ncc_ekind {
	E_INT, E_FLOAT, E_STR, E_BOOL, E_NONE, E_NAME, E_LIST, E_TUPLE, E_DICT,
	E_BINOP, E_UNARY, E_AND, E_OR, E_COMPARE, E_IFEXP, E_CALL, E_ATTR,
	E_SUBSCR, E_SLICE, E_LISTCOMP, E_BAD
} ncc_ekind;

/* What a name or a call resolved to (filled by the semantic pass). */
typedef enum ncc_ref {
	R_NONE, R_LOCAL, R_GLOBAL, R_FUNC, R_BUILTIN, R_METHOD, R_PRINT,
	R_CONST_FLOAT
} ncc_ref;

typedef struct ncc_expr ncc_expr;
typedef struct ncc_stmt ncc_stmt;

typedef struct ncc_kwarg {
	char *name;
	int line, col;
	ncc_expr *value;
} ncc_kwarg;

typedef struct ncc_compfor {
	ncc_expr *target;
	ncc_expr *iter;
	ncc_expr **conds;
	size_t nconds;
} ncc_compfor;

struct ncc_expr {
	ncc_ekind kind;
	int line, col;
	int depth;
	bool big;                 /* E_INT 2^63, only valid under unary minus */
	ncc_ref ref;              /* resolution (E_NAME, E_CALL, E_ATTR) */
	uint32_t slot;            /* local / global slot, function, builtin or method id */
	union {
		int64_t i;
		double f;
		bool b;
		struct { char *s; size_t len; } s;
		char *name;
		struct { ncc_expr **items; size_t n; } seq;   /* DICT: 2n, key first */
		struct { int op; ncc_expr *l, *r; } bin;       /* op: NBC_OP_* */
		struct { int op; ncc_expr *e; } un;            /* NEG POS NOT */
		struct { ncc_expr **opnds; int *ops; size_t n; } cmp; /* n operands */
		struct { ncc_expr *cond, *a, *b; } ifx;
		struct {
			ncc_expr *fn;
			ncc_expr **args;
			size_t nargs;
			ncc_kwarg *kw;
			size_t nkw;
			int64_t mask;     /* isinstance's type mask */
		} call;
		struct { ncc_expr *obj; char *name; } attr;
		struct { ncc_expr *obj, *idx; } sub;
		struct { ncc_expr *lo, *hi, *step; } slice;
		struct {
			ncc_expr *elt;
			ncc_compfor *fors;
			size_t nfors;
			uint32_t tmp;     /* hidden local holding the list */
		} comp;
	} u;
};

typedef enum ncc_skind {
	S_EXPR, S_ASSIGN, S_AUGASSIGN, S_ANNOT, S_RETURN, S_PASS, S_BREAK,
	S_CONTINUE, S_IF, S_WHILE, S_FOR, S_ASSERT, S_RAISE, S_IMPORT, S_DEF,
	S_BAD
} ncc_skind;

typedef struct ncc_block {
	ncc_stmt **items;
	size_t n;
} ncc_block;

typedef struct ncc_pdef {
	char *name;
	int line, col;
	char *type;               /* annotation text or "any" */
	ncc_expr *dflt;           /* NULL when none */
} ncc_pdef;

typedef struct ncc_fdef {
	char *name;
	int line, col;
	ncc_pdef *params;
	size_t nparams;
	char *ret;                /* annotation text or "any" */
	ncc_block body;
	/* semantic pass */
	uint32_t index;           /* function index in the blob */
	uint32_t nlocals;
	const char **local_names; /* nlocals names (hidden ones start with '.') */
	ncc_map locals;
	bool too_many;            /* "too many local variables" reported */
} ncc_fdef;

struct ncc_stmt {
	ncc_skind kind;
	int line, col;
	union {
		ncc_expr *expr;       /* S_EXPR, S_RETURN (may be NULL) */
		struct { ncc_expr **targets; size_t n; ncc_expr *value; } assign;
		struct { ncc_expr *target; int op; ncc_expr *value; } aug;
		struct { ncc_expr *target; ncc_expr *value; } annot; /* value may be NULL */
		struct { ncc_expr *cond; ncc_block body, orelse; } cond; /* IF, WHILE */
		struct { ncc_expr *target, *iter; ncc_block body, orelse; } loop;
		struct { ncc_expr *cond, *msg; } assrt;
		struct { ncc_expr *exc; ncc_expr *msg; uint32_t id; } raise;
		struct { char *module; } import;
		ncc_fdef *def;
	} u;
};

/* Parse a whole module; syntax errors go to ctx. */
ncc_block ncp_module(ncc_ctx *ctx, const char *src, size_t len);

/* ---- semantic pass (ncc_sema.c) ------------------------------------------ */

typedef struct ncs_module {
	ncc_fdef **funcs;         /* definition order; index i+1 in the blob */
	size_t nfuncs;
	const char **globals;     /* module constant names by slot */
	size_t nglobals;
	ncc_fdef init;            /* "<module>": locals of the module code */
	ncc_vec capuses;          /* ncc_capuse * */
	uint32_t caps;
	const char *version;      /* __version__ value, or NULL */
	int version_line, version_col;
	bool version_bad;
} ncs_module;

void ncs_check(ncc_ctx *ctx, ncc_block *mod, ncs_module *out);

/* ---- code generator (ncc_gen.c) ------------------------------------------ */

/* Returns 0 with a malloc'd blob, or -1 (error reported to ctx). */
int ncg_generate(ncc_ctx *ctx, ncc_block *mod, ncs_module *m, uint8_t **blob,
    size_t *len);

#endif
