/*
 * ncc.h - the Noodle compiler: source text to an NBC module blob, with the
 * facts the validation gates need (contract, capabilities, self-tests,
 * declared version), the contract diff of gate 3, and the parser of call
 * expressions used by the `call` file and `noodle run`.
 *
 * Subsystem prefixes: ncx_ lexer (ncc_lex.c), ncp_ parser (ncc_parse.c),
 * ncg_ code generator (ncc_gen.c); this header is the only public face.
 * No JSON here: core/contract_json.c renders these structures.
 */
#ifndef NCC_H
#define NCC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nbc.h"

/* Bounds that keep any input from crashing or hanging the compiler. */
#define NCC_MAX_SOURCE     (16u << 20)  /* bytes */
#define NCC_MAX_NESTING    100          /* blocks and brackets */
#define NCC_MAX_FUNCTIONS  10000
#define NCC_MAX_CONSTANTS  65536
#define NCC_MAX_DIAGS      100          /* then one "too many errors" */

/* One message: error or warning, with a 1-based line and column. */
typedef struct ncc_diag {
	int line;
	int col;
	char *message;
} ncc_diag;

typedef struct ncc_param {
	char *name;
	char *type;          /* annotation text, or "any" */
	bool has_default;
} ncc_param;

typedef struct ncc_func {
	char *name;
	int line;
	ncc_param *params;
	size_t nparams;
	char *ret;           /* return annotation text, or "any" */
} ncc_func;

/* The public functions (LANGUAGE.md, Contract), in definition order. */
typedef struct ncc_contract {
	ncc_func *funcs;
	size_t nfuncs;
} ncc_contract;

/* Where a capability is needed: its bit (NBC_CAP_*) and the line. */
typedef struct ncc_capuse {
	uint32_t cap;
	int line;
	int col;
} ncc_capuse;

typedef struct ncc_test {
	char *name;          /* test_* function */
	int line;
} ncc_test;

typedef struct ncc_result {
	bool ok;                 /* no errors: blob is set */
	uint8_t *blob;
	size_t blob_len;
	ncc_diag *errors;
	size_t nerrors;
	ncc_diag *warnings;
	size_t nwarnings;
	ncc_contract contract;   /* filled when the source parses */
	uint32_t caps;           /* union of caps[].cap */
	ncc_capuse *capuses;
	size_t ncapuses;
	ncc_test *tests;
	size_t ntests;
	char *version;           /* declared __version__ or NULL */
	int version_line;
} ncc_result;

/*
 * Compile src (len bytes, any content).  Always fills *res; res->ok says
 * whether there were no errors.  Returns 0, or -1 only when memory runs out.
 * A source over NCC_MAX_SOURCE bytes is one error.  Errors are in source
 * order, at most NCC_MAX_DIAGS of them.
 */
int ncc_compile(const char *src, size_t len, ncc_result *res);
void ncc_result_free(ncc_result *res);
void ncc_contract_free(ncc_contract *c);
int ncc_contract_copy(ncc_contract *dst, const ncc_contract *src);

/* ---- contract diff (gate 3, `noodle diff`) ------------------------------ */

typedef enum ncc_bump { NCC_BUMP_NONE, NCC_BUMP_PATCH, NCC_BUMP_MINOR,
	NCC_BUMP_MAJOR } ncc_bump;

typedef struct ncc_change {
	bool breaking;
	char *function;
	char *message;       /* e.g. "parameter b added without a default" */
} ncc_change;

typedef struct ncc_diff {
	ncc_change *changes;
	size_t nchanges;
	ncc_bump bump;       /* PATCH when nothing changed, MINOR when only
	                        compatible changes, MAJOR when any breaks */
} ncc_diff;

int ncc_contract_diff(const ncc_contract *old, const ncc_contract *new_,
    ncc_diff *out);
void ncc_diff_free(ncc_diff *d);
const char *ncc_bump_name(ncc_bump b);   /* "patch", "minor", "major" */

/* ---- versions ------------------------------------------------------------ */

typedef struct ncc_semver { uint32_t major, minor, patch; } ncc_semver;
/* Parse "MAJOR.MINOR.PATCH" (no leading zeros except 0 itself). */
int ncc_semver_parse(const char *s, ncc_semver *out);
int ncc_semver_cmp(const ncc_semver *a, const ncc_semver *b);
void ncc_semver_format(const ncc_semver *v, char *buf, size_t size);

/* ---- call expressions ---------------------------------------------------- */

/*
 * Parse `name(arg, ...)` whose arguments are Noodle literals (numbers,
 * strings, True/False/None, lists, tuples, dicts, with unary minus).
 * Fills name (malloc'd) and args (malloc'd array of nargs literals).
 * On error returns -1 with a message in err (line 1, err->line = column).
 */
int ncc_parse_call(const char *text, size_t len, char **name, nbc_lit **args,
    size_t *nargs, nbc_error *err);
/* Parse one literal (for `noodle run FILE FUNC ARGS...`). */
int ncc_parse_literal(const char *text, size_t len, nbc_lit *out,
    nbc_error *err);

#endif
