/*
 * nbc.h - public interface of libnbc, the NBC runtime stand-in.
 *
 * libnbc knows bytecode and values, nothing else: no JSON, no files of the
 * engine, no FUSE.  Its parts:
 *
 *   literals   nbc_lit: an owned tree of plain values used to pass call
 *              arguments in and results out, independent of any call heap.
 *   builder    nbc_builder: how a compiler writes a module blob.
 *   verifier   nbc_verify(): refuses any malformed or hostile blob.
 *   disasm     nbc_disasm(): a readable listing of a blob.
 *   modules    nbc_runtime: the side-by-side module table of the plan's
 *              MockNBCRuntime (load_module, unload_module, call), reference
 *              counted, callable from many threads at once.
 *
 * Conventions: functions returning int return 0 on success and -1 on
 * failure, with a message in the nbc_error the caller passed.
 */
#ifndef NBC_H
#define NBC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nbc_names.h"
#include "nbc_opcodes.h"

#define NBC_MAGIC "NBC1"           /* first 4 bytes of every blob */
#define NBC_FORMAT_VERSION 1       /* u16 after the magic */

/* Defaults of SPEC.md section 7. */
#define NBC_DEFAULT_GAS     100000000ULL
#define NBC_DEFAULT_MEMORY  (64ULL << 20)
#define NBC_DEFAULT_DEPTH   1000
#define NBC_DEFAULT_OUTPUT  (1ULL << 20)

typedef struct nbc_error {
	char message[256];
	int line;                  /* source line where known, else 0 */
} nbc_error;

/* ---- literals ---------------------------------------------------------- */

typedef enum nbc_lit_type {
	NBC_LIT_NONE, NBC_LIT_BOOL, NBC_LIT_INT, NBC_LIT_FLOAT, NBC_LIT_STR,
	NBC_LIT_LIST, NBC_LIT_TUPLE, NBC_LIT_DICT
} nbc_lit_type;

/*
 * A plain value.  Strings are UTF-8 with an explicit length (may contain
 * NUL).  LIST and TUPLE hold n items; DICT holds n keys and values
 * interleaved in items[0..2n) (key, value, key, value ...) in insertion
 * order.  A nbc_lit owns everything it points to.
 */
typedef struct nbc_lit {
	nbc_lit_type type;
	union {
		bool b;
		int64_t i;
		double f;
		struct { char *s; size_t len; } str;
		struct { struct nbc_lit *items; size_t n; } seq;
	} u;
} nbc_lit;

void nbc_lit_free(nbc_lit *v);               /* frees children, keeps *v as NONE */
int nbc_lit_copy(nbc_lit *dst, const nbc_lit *src);
/* Python's repr() and str() of a literal, malloc'd, NUL-terminated. */
char *nbc_lit_repr(const nbc_lit *v, size_t *len);
char *nbc_lit_str(const nbc_lit *v, size_t *len);

/* ---- builder ----------------------------------------------------------- */

/*
 * A module blob holds: the capability mask it needs, a constant pool, the
 * names of its module constants (globals), and a function table.  Function
 * 0 is "<module>": it computes the module constants when the module loads.
 * Only it may STORE_GLOBAL.  Every function records, per instruction, the
 * source line it came from.
 */
typedef struct nbc_builder nbc_builder;

nbc_builder *nbc_builder_new(void);
void nbc_builder_free(nbc_builder *b);

/* Constants, deduplicated; each returns the constant index. */
uint32_t nbc_const_none(nbc_builder *b);
uint32_t nbc_const_bool(nbc_builder *b, bool v);
uint32_t nbc_const_int(nbc_builder *b, int64_t v);
uint32_t nbc_const_float(nbc_builder *b, double v);
uint32_t nbc_const_str(nbc_builder *b, const char *s, size_t len);
/* A tuple of constants already in the pool (for defaults such as (1, 2)). */
uint32_t nbc_const_tuple(nbc_builder *b, const uint32_t *items, size_t n);

/* A module constant slot by name (same name, same slot). */
uint32_t nbc_global(nbc_builder *b, const char *name);

/*
 * Declare a function; returns its index.  The first declaration is always
 * "<module>" with 0 parameters (index 0).  Calls may name a function
 * declared later.  nlocals counts parameters plus other locals.
 * defaults: constant indices for the last ndefaults parameters.
 */
uint32_t nbc_func_declare(nbc_builder *b, const char *name, uint32_t nparams,
    uint32_t line);
void nbc_func_set_nlocals(nbc_builder *b, uint32_t fn, uint32_t nlocals);
void nbc_func_set_defaults(nbc_builder *b, uint32_t fn, const uint32_t *consts,
    uint32_t ndefaults);
void nbc_func_local_name(nbc_builder *b, uint32_t fn, uint32_t slot,
    const char *name);

/* Emit one instruction into fn; returns its byte offset (for patching). */
uint32_t nbc_emit(nbc_builder *b, uint32_t fn, enum nbc_opcode op, uint32_t a,
    uint32_t b2, uint32_t line);
/* Byte offset where the next instruction of fn will go. */
uint32_t nbc_here(nbc_builder *b, uint32_t fn);
/* Set the jump target (operand A) of the instruction at offset at. */
void nbc_patch(nbc_builder *b, uint32_t fn, uint32_t at, uint32_t target);

void nbc_set_caps(nbc_builder *b, uint32_t caps);

/*
 * Serialize.  Computes each function's maximum stack depth.  Fails (-1)
 * only when the emitted code would not pass nbc_verify (a compiler bug) or
 * memory runs out.  *blob is malloc'd.
 */
int nbc_builder_finish(nbc_builder *b, uint8_t **blob, size_t *len,
    nbc_error *err);

/* ---- verifier and disassembler ----------------------------------------- */

/*
 * Check a blob completely: header, magic and version, every length and
 * index, every instruction's opcode and operands, jump targets on
 * instruction boundaries, the same stack depth on every path into an
 * instruction, no underflow, depth within the declared maximum, no path
 * that falls off the end of a function, STORE_GLOBAL only in function 0,
 * well-formed UTF-8 in string constants.  Never reads out of bounds.
 */
int nbc_verify(const uint8_t *blob, size_t len, nbc_error *err);

/* A malloc'd listing of a verified blob (constants, functions, code). */
char *nbc_disasm(const uint8_t *blob, size_t len, nbc_error *err);

/* The capability mask a blob declares (0 if it does not verify). */
uint32_t nbc_blob_caps(const uint8_t *blob, size_t len);

/* ---- calls -------------------------------------------------------------- */

typedef struct nbc_limits {
	uint64_t gas;        /* instructions per call */
	uint64_t memory;     /* bytes of live heap per call */
	uint32_t depth;      /* maximum call depth */
	uint64_t output;     /* bytes of print output per call */
} nbc_limits;

void nbc_limits_default(nbc_limits *l);

/*
 * What the host lends a call.  write receives print output as it is made
 * (may be NULL: output is then only kept in the result).  caps is the mask
 * granted: calling a capability function that is not granted raises
 * RuntimeError.  data_dir is the folder fs.read/fs.write work in (NULL:
 * fs calls raise RuntimeError).  seed seeds random for this call (0: from
 * the clock).
 */
typedef struct nbc_host {
	void (*write)(void *ctx, const char *buf, size_t len);
	void *ctx;
	uint32_t caps;
	const char *data_dir;
	uint64_t seed;
} nbc_host;

typedef struct nbc_result {
	bool ok;
	nbc_lit value;            /* return value when ok */
	enum nbc_exc exc;         /* error type when !ok */
	char *message;            /* str() of the exception, malloc'd, when !ok */
	int line;                 /* line of the error when !ok */
	char *output;             /* everything print wrote, malloc'd (may be NULL) */
	size_t output_len;
	uint64_t instructions;    /* instructions executed */
	uint64_t ns;              /* wall time of the call */
} nbc_result;

void nbc_result_free(nbc_result *r);
const char *nbc_exc_name(enum nbc_exc e);

/* ---- modules ------------------------------------------------------------ */

typedef struct nbc_runtime nbc_runtime;
typedef struct nbc_module nbc_module;

typedef struct nbc_module_stats {
	uint64_t calls;
	uint64_t errors;
	uint64_t instructions;
	uint64_t ns;
} nbc_module_stats;

nbc_runtime *nbc_runtime_new(void);
/* Unloads every module; waits for nothing: callers must hold no module. */
void nbc_runtime_free(nbc_runtime *rt);

/*
 * Verify the blob, run its "<module>" function under limits (NULL:
 * defaults) to compute the module constants, and publish it under
 * module_id.  Fails if the blob does not verify, the init fails (err has
 * its message and line), or module_id is taken.  The blob is copied.
 */
int nbc_load_module(nbc_runtime *rt, const uint8_t *blob, size_t len,
    const char *module_id, const nbc_limits *limits, nbc_error *err);
/*
 * Remove module_id from the table.  Calls running on it finish; its memory
 * is freed when the last reference is released.  -1 if there is no such
 * module.
 */
int nbc_unload_module(nbc_runtime *rt, const char *module_id);

/* Take a reference to a loaded module (NULL if none). */
nbc_module *nbc_module_get(nbc_runtime *rt, const char *module_id);
void nbc_module_retain(nbc_module *m);
void nbc_module_release(nbc_module *m);
const char *nbc_module_id(const nbc_module *m);

/* Whether the module has a function name, and how many parameters it
 * takes (min counts those without defaults).  -1 if there is none. */
int nbc_module_function(const nbc_module *m, const char *name,
    uint32_t *min_args, uint32_t *max_args);
/* Names of the module's functions in definition order, except "<module>". */
size_t nbc_module_function_count(const nbc_module *m);
const char *nbc_module_function_name(const nbc_module *m, size_t i);

/*
 * Call function name with args.  Always fills *res (free it with
 * nbc_result_free).  Returns 0 when the call ran (res->ok tells whether it
 * raised), -1 when it could not start (no such function, wrong number of
 * arguments: res->ok is false, exc TypeError, message says why).
 * Thread-safe; each call runs in its own heap.
 */
int nbc_call(nbc_module *m, const char *name, const nbc_lit *args,
    size_t nargs, const nbc_limits *limits, const nbc_host *host,
    nbc_result *res);

void nbc_module_stats_get(const nbc_module *m, nbc_module_stats *out);

/* ---- UTF-8 --------------------------------------------------------------- */

/*
 * Decode the code point at s, which must be valid UTF-8 (it reads up to
 * 4 bytes without a bound: no check for truncated or invalid sequences);
 * returns the length of the sequence, 1 to 4.
 */
size_t nbc_utf8_decode(const char *s, uint32_t *cp);
/*
 * Encode code point cp (at most 0x10FFFF; surrogates are encoded as
 * themselves) into out, which has room for 4 bytes and is not
 * NUL-terminated; returns the number of bytes written, 1 to 4.
 */
size_t nbc_utf8_encode(uint32_t cp, char *out);

#endif
