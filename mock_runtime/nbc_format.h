/*
 * nbc_format.h - the machine half's shared view of a module blob.
 *
 * nbc_format.c parses a blob (the layout is documented at the top of that
 * file) into an nbc_image: arrays of constants, global names and function
 * descriptors that point into the blob, every length checked against the
 * bytes that remain.  Parsing checks structure only; nbc_verify.c checks
 * meaning (indices, code, stack depths).  The builder, the verifier, the
 * disassembler and the module loader all read blobs through this.
 */
#ifndef NBC_FORMAT_H
#define NBC_FORMAT_H

#include "nbc.h"

/* Constant tags, one byte before each constant of the pool. */
enum nbc_ktag {
	NBC_K_NONE = 0, NBC_K_FALSE = 1, NBC_K_TRUE = 2, NBC_K_INT = 3,
	NBC_K_FLOAT = 4, NBC_K_STR = 5, NBC_K_TUPLE = 6
};

/* Structural bounds: a blob exceeding one is refused. */
#define NBC_MAX_CONSTS   (1u << 24)
#define NBC_MAX_GLOBALS  (1u << 20)
#define NBC_MAX_FUNCS    (1u << 20)
#define NBC_MAX_LOCALS   65535u
#define NBC_MAX_STACK    65535u
#define NBC_MAX_CODE     (1u << 24)
#define NBC_MAX_NAME     4096u
#define NBC_MAX_OPERAND  65535u    /* UNPACK / BUILD_* / PRINT counts */
#define NBC_MAX_KNEST    100u      /* tuple constants inside tuple constants */

typedef struct nbc_name {
	const char *s;               /* into the blob, not NUL-terminated */
	uint32_t len;
} nbc_name;

typedef struct nbc_kdesc {
	uint8_t tag;                 /* enum nbc_ktag */
	int64_t i;                   /* INT */
	double f;                    /* FLOAT */
	const char *s;               /* STR bytes */
	uint32_t len;                /* STR length, TUPLE item count */
	const uint8_t *items;        /* TUPLE: len u32 constant indices */
} nbc_kdesc;

typedef struct nbc_fdesc {
	nbc_name name;
	uint32_t nparams, ndefaults;
	const uint8_t *defaults;     /* ndefaults u32 constant indices */
	uint32_t nlocals;
	nbc_name *locals;            /* nlocals names (may be empty) */
	uint32_t max_stack;
	size_t max_stack_at;         /* blob offset of max_stack (builder) */
	uint32_t line;               /* line of the def */
	const uint8_t *code;
	uint32_t code_len;
	const uint8_t *lines;        /* nlines (u32 offset, u32 line) pairs */
	uint32_t nlines;
} nbc_fdesc;

typedef struct nbc_image {
	uint16_t version;
	uint32_t caps;
	uint32_t nconsts, nglobals, nfuncs;
	nbc_kdesc *consts;
	nbc_name *globals;
	nbc_fdesc *funcs;
	nbc_name *localpool;         /* all functions' local names */
} nbc_image;

static inline uint32_t nbc_rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline uint64_t nbc_rd64(const uint8_t *p)
{
	return (uint64_t)nbc_rd32(p) | (uint64_t)nbc_rd32(p + 4) << 32;
}

static inline void nbc_wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16); p[3] = (uint8_t)(v >> 24);
}

/* Per-opcode facts derived from nbc_opcodes.h. */
extern const char *const nbc_op_names[NBC_OP__COUNT];
extern const uint8_t nbc_op_nops[NBC_OP__COUNT];
extern const uint8_t nbc_op_jumps[NBC_OP__COUNT];

/* Parse the structure of a blob.  On success *img owns arrays that point
 * into blob (which must outlive it); free them with nbc_image_free. */
int nbc_image_parse(const uint8_t *blob, size_t len, nbc_image *img,
    nbc_error *err);
void nbc_image_free(nbc_image *img);

/* The source line of the instruction at byte offset pc of f (0 if none). */
int nbc_fdesc_line(const nbc_fdesc *f, uint32_t pc);

/* Whether s[0..len) is well-formed UTF-8 (no surrogates, no overlongs). */
bool nbc_utf8_valid(const char *s, size_t len);

/* printf into err->message; returns -1. */
int nbc_fail(nbc_error *err, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Check one function's code (nbc_verify.c): operands, boundaries, stack
 * discipline.  With max_depth NULL the declared max_stack must hold; else
 * the maximum depth reached is stored there and max_stack is not checked
 * (the builder computes it this way).
 */
int nbc_verify_func(const nbc_image *img, uint32_t fn, uint32_t *max_depth,
    nbc_error *err);
/* Check everything but code: constants, names, defaults, caps. */
int nbc_verify_tables(const nbc_image *img, nbc_error *err);

#endif
