/*
 * nbc_internal.h - what the parts of libnbc share and nothing outside sees:
 * the value representation, heap objects, the per-call state (nbc_vm) and
 * the operations the interpreter calls on values.
 *
 * Two halves meet here:
 *   objects  (nbc_value.c nbc_str.c nbc_dict.c nbc_ops.c nbc_builtins.c
 *             nbc_methods.c nbc_repr.c nbc_gc.c nbc_lit.c): values, their
 *             Python semantics, builtins, methods, repr, the heap and GC.
 *   machine  (nbc_build.c nbc_format.c nbc_verify.c nbc_disasm.c nbc_vm.c
 *             nbc_module.c): bytecode, verification, the dispatch loop,
 *             the module table.
 *
 * Memory model.  Every call runs in its own heap: objects allocated by a
 * call are kept by its allocator (nbc_value.c: vm->heap and vm->objects)
 * and accounted in vm->bytes against the memory budget.  The collector
 * is mark and sweep and runs only at safe points chosen by the
 * interpreter (calls and backward jumps), when every
 * live value is reachable from the roots listed in nbc_gc(); C code inside
 * an operation may therefore hold values in locals freely.  When the call
 * ends, its whole heap is freed.  Module constants are frozen objects
 * (NBC_OF_FROZEN) owned by the module: shared by all calls and never
 * written; the first LOAD_GLOBAL of a constant that contains a list or
 * dict in a call thaws (deep-copies) it into the call heap, so a call may
 * mutate its copy as CPython would, and the next call starts fresh.
 *
 * Errors.  An operation that fails calls nbc_raise() and returns -1; the
 * interpreter then ends the call (Noodle has no try/except), recording the
 * line of the current instruction.
 */
#ifndef NBC_INTERNAL_H
#define NBC_INTERNAL_H

#include <stdarg.h>

#include "nbc.h"

/* ---- values ------------------------------------------------------------ */

typedef enum nbc_vtype {
	NBC_T_NONE, NBC_T_BOOL, NBC_T_INT, NBC_T_FLOAT,  /* immediate */
	NBC_T_STR, NBC_T_LIST, NBC_T_TUPLE, NBC_T_DICT,   /* heap */
	NBC_T_RANGE,         /* range(start, stop, step), lazy */
	NBC_T_ITER,          /* iterator: GET_ITER, enumerate, zip, reversed */
	NBC_T_DICTVIEW,      /* dict.keys(), .values(), .items() */
	NBC_T__COUNT
} nbc_vtype;

typedef struct nbc_obj nbc_obj;

typedef struct nbc_value {
	uint32_t t;          /* nbc_vtype */
	union {
		bool b;
		int64_t i;
		double f;
		nbc_obj *o;
	} u;
} nbc_value;

#define NBC_IS_HEAP(v) ((v).t >= NBC_T_STR)

static inline nbc_value nbc_none(void) { nbc_value v; v.t = NBC_T_NONE; v.u.i = 0; return v; }
static inline nbc_value nbc_bool(bool b) { nbc_value v; v.t = NBC_T_BOOL; v.u.i = 0; v.u.b = b; return v; }
static inline nbc_value nbc_int(int64_t i) { nbc_value v; v.t = NBC_T_INT; v.u.i = i; return v; }
static inline nbc_value nbc_float(double f) { nbc_value v; v.t = NBC_T_FLOAT; v.u.f = f; return v; }
static inline nbc_value nbc_obj_value(uint32_t t, nbc_obj *o) { nbc_value v; v.t = t; v.u.o = o; return v; }

/* ---- heap objects ------------------------------------------------------ */

#define NBC_OF_FROZEN 1u     /* module constant: shared, read-only, not collected */
#define NBC_OF_MARK   2u     /* reached in the current collection */

struct nbc_obj {
	uint16_t type;       /* nbc_vtype */
	uint16_t flags;
	uint32_t size;       /* bytes of its allocation (NBC_OBJ_MAX at most;
	                      * payloads are accounted apart) */
	nbc_obj *next;       /* the heap list this object is on */
};

/* The largest single allocation: a bigger request is a ResourceError. */
#define NBC_OBJ_MAX UINT32_MAX

/*
 * A str's bytes are data[0 .. len); they never change.  data points at the
 * str's own inline bytes (inl; for a plain str made by nbc_str_alloc, the
 * bytes start where buf is, which such a str does not use), or, for a str
 * made by appending to a long str, into the append buffer of another str
 * (base), which it keeps alive:
 * s + t may then write t in place after s when s ends where that buffer's
 * used part ends (nbc_str.c).  So data[len] is NUL only for an inline str:
 * use len, never NUL termination.
 */
typedef struct nbc_str {
	nbc_obj h;
	size_t len;          /* bytes of UTF-8 */
	size_t nchars;       /* code points */
	uint64_t hash;       /* 0: not computed yet */
	char *data;
	union {
		struct nbc_str *base;  /* NBC_OF_STRVIEW: whose buffer data is in */
		size_t used;           /* NBC_OF_STRBUF: bytes of inl in use */
	} buf;
	char inl[];          /* the inline bytes (NUL-terminated), see above */
} nbc_str;

/* A str is ASCII (O(1) indexing) exactly when its bytes are its chars. */
static inline bool nbc_str_ascii(const nbc_str *s) { return s->len == s->nchars; }

typedef struct nbc_list {
	nbc_obj h;
	size_t n, cap;
	nbc_value *items;
} nbc_list;

typedef struct nbc_tuple {
	nbc_obj h;
	size_t n;
	uint64_t hash;       /* 0: not computed yet */
	nbc_value items[];
} nbc_tuple;

/* Insertion-ordered hash table (CPython's compact dict layout). */
typedef struct nbc_dict_entry {
	uint64_t hash;
	nbc_value key;       /* NBC_T__COUNT marks a deleted entry */
	nbc_value value;
} nbc_dict_entry;

typedef struct nbc_dict {
	nbc_obj h;
	size_t n;            /* live entries */
	size_t nentries;     /* used entries including deleted ones */
	size_t cap;          /* entries allocated */
	size_t nindex;       /* index slots, a power of two */
	int32_t *index;      /* -1 empty, -2 deleted, else entry number */
	nbc_dict_entry *entries;
} nbc_dict;

typedef struct nbc_range {
	nbc_obj h;
	int64_t start, stop, step;
} nbc_range;

enum nbc_iter_kind { NBC_IT_SEQ, NBC_IT_RANGE, NBC_IT_STR, NBC_IT_DICT_KEYS,
	NBC_IT_DICT_VALUES, NBC_IT_DICT_ITEMS, NBC_IT_LIST /* materialized:
	enumerate, zip, reversed */,
	/* appended by the objects half (lazy iterators): */
	NBC_IT_ENUMERATE,    /* src: inner iterator, pos: the next count */
	NBC_IT_ZIP,          /* src: tuple of iterators */
	NBC_IT_REVERSED      /* src: list or tuple, pos: next index (down) */ };

typedef struct nbc_iter {
	nbc_obj h;
	uint32_t kind;       /* nbc_iter_kind */
	const char *name;    /* for repr: "list_iterator", "zip", ... */
	nbc_value src;       /* what is iterated (kept alive) */
	int64_t pos;         /* next index, or the next range value */
	int64_t stop, step;  /* for ranges */
} nbc_iterobj;        /* not "nbc_iter": that is the GET_ITER function */

typedef struct nbc_dictview {
	nbc_obj h;
	uint32_t kind;       /* NBC_IT_DICT_KEYS / VALUES / ITEMS */
	nbc_value dict;
} nbc_dictview;

/* ---- the call state ---------------------------------------------------- */

typedef struct nbc_frame nbc_frame;      /* the machine's; opaque here */
typedef struct nbc_loaded nbc_loaded;    /* a loaded module; the machine's */

typedef struct nbc_vm {
	/* heap (objects half) */
	nbc_obj *heap;            /* objects of this call (nbc_value.c) */
	size_t bytes;             /* bytes now allocated on heap */
	size_t gc_threshold;      /* collect at a safe point above this */
	/* limits and budgets */
	nbc_limits limits;
	uint64_t gas_left;
	size_t output_used;
	/* host */
	const nbc_host *host;
	uint64_t rng[4];          /* xoshiro256** state for random.* */
	/* output: everything print wrote in this call */
	char *out;
	size_t out_len, out_cap;
	/* pending exception */
	bool raised;
	enum nbc_exc exc;
	char *exc_msg;            /* malloc'd */
	int exc_line;
	/* GC roots kept by the machine: the value stack in use and the
	 * per-call cache of module constants (thawed copies). */
	nbc_value *stack;         /* stack[0 .. sp) are live */
	nbc_value *sp;
	nbc_value *gcache;        /* nglobals entries (NONE when not loaded) */
	size_t nglobals;
	/* extra roots: values an embedding operation keeps alive */
	nbc_value *xroots;
	size_t nxroots;
	/* machine half */
	nbc_loaded *mod;
	void *machine;            /* private to nbc_vm.c */
	/* appended by the objects half: */
	void *objects;            /* private to nbc_value.c (small objects) */
} nbc_vm;

/* ---- errors ------------------------------------------------------------ */

/* Record an exception (the first one wins) and return -1. */
int nbc_raise(nbc_vm *vm, enum nbc_exc exc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* ResourceError with a message naming the budget. */
int nbc_raise_resource(nbc_vm *vm, const char *budget);

/* ---- heap -------------------------------------------------------------- */

/*
 * Allocate a heap object of size bytes (header included) on vm's heap and
 * charge it.  NULL with ResourceError raised when the memory budget would
 * be exceeded, or with the same when malloc fails.
 */
void *nbc_alloc(nbc_vm *vm, uint32_t type, size_t size);
/* Charge (or refund, negative) payload bytes an object allocates itself
 * (list items, dict tables).  -1 with ResourceError over budget. */
int nbc_charge(nbc_vm *vm, ptrdiff_t bytes);
/* Collect if vm->bytes > vm->gc_threshold.  Safe points only. */
void nbc_gc_maybe(nbc_vm *vm);
void nbc_gc(nbc_vm *vm);
/* Free every object on vm's heap (end of call). */
void nbc_heap_free_all(nbc_vm *vm);

/* Deep-copy v into frozen objects linked on *owner (for module
 * constants), and free such a list. */
int nbc_value_freeze(nbc_vm *vm, nbc_value v, nbc_obj **owner,
    nbc_value *out);
void nbc_frozen_free(nbc_obj *owner);
/* Whether v is a frozen value that contains a list or dict somewhere
 * (then LOAD_GLOBAL must thaw it), and the thaw itself. */
bool nbc_value_needs_thaw(nbc_value v);
int nbc_value_thaw(nbc_vm *vm, nbc_value v, nbc_value *out);

/* ---- constructors ------------------------------------------------------ */

/* A str from UTF-8 bytes (must be valid UTF-8). */
int nbc_str_new(nbc_vm *vm, const char *s, size_t len, nbc_value *out);
/* str(i) for an int: its decimal digits as a new str (ASCII). */
int nbc_str_from_int(nbc_vm *vm, int64_t i, nbc_value *out);
int nbc_list_new(nbc_vm *vm, size_t cap, nbc_value *out);
int nbc_list_append(nbc_vm *vm, nbc_value list, nbc_value item);
int nbc_tuple_new(nbc_vm *vm, const nbc_value *items, size_t n,
    nbc_value *out);
int nbc_dict_new(nbc_vm *vm, nbc_value *out);
int nbc_dict_set(nbc_vm *vm, nbc_value dict, nbc_value key, nbc_value val);
/* 1 found (*val set), 0 absent, -1 error (unhashable key). */
int nbc_dict_get(nbc_vm *vm, nbc_value dict, nbc_value key, nbc_value *val);
/* dict.get(key, dflt): *out is the value of key, or dflt; 0, or -1 on
 * error (an unhashable key). */
int nbc_dict_get_or(nbc_vm *vm, nbc_value dict, nbc_value key, nbc_value dflt,
    nbc_value *out);

/* BUILD_LIST / BUILD_TUPLE / BUILD_DICT (items: k0 v0 k1 v1 ...). */
int nbc_build_list(nbc_vm *vm, const nbc_value *items, size_t n,
    nbc_value *out);
int nbc_build_tuple(nbc_vm *vm, const nbc_value *items, size_t n,
    nbc_value *out);
int nbc_build_dict(nbc_vm *vm, const nbc_value *items, size_t npairs,
    nbc_value *out);

/* ---- operations (the interpreter's slow paths) ------------------------- */

/* Binary operators and comparisons: op is one of NBC_OP_ADD .. NBC_OP_POW,
 * NBC_OP_EQ .. NBC_OP_IS_NOT.  Full Python semantics for every type pair,
 * including int overflow (OverflowError), floor division and modulo signs,
 * ZeroDivisionError, sequence repetition, and TypeError messages as
 * CPython words them. */
int nbc_binary(nbc_vm *vm, enum nbc_opcode op, nbc_value a, nbc_value b,
    nbc_value *out);
/* NEG, POS, NOT. */
int nbc_unary(nbc_vm *vm, enum nbc_opcode op, nbc_value a, nbc_value *out);
bool nbc_truthy(nbc_value v);
/* a == b as Python decides it (no error possible for Noodle types). */
bool nbc_equal(nbc_value a, nbc_value b);
/* hash(v); -1 with TypeError for unhashable values. */
int nbc_hash(nbc_vm *vm, nbc_value v, uint64_t *out);

int nbc_subscr(nbc_vm *vm, nbc_value obj, nbc_value idx, nbc_value *out);
int nbc_store_subscr(nbc_vm *vm, nbc_value obj, nbc_value idx,
    nbc_value val);
int nbc_slice(nbc_vm *vm, nbc_value obj, nbc_value start, nbc_value stop,
    nbc_value step, nbc_value *out);

/* GET_ITER, and the next item: 1 item in *out, 0 exhausted, -1 error. */
int nbc_iter(nbc_vm *vm, nbc_value v, nbc_value *out);
int nbc_iter_next(nbc_vm *vm, nbc_value it, nbc_value *out);
/* UNPACK: exactly n items of v into dst[0..n) in order. */
int nbc_unpack(nbc_vm *vm, nbc_value v, size_t n, nbc_value *dst);

/* CALL_BUILTIN / CALL_METHOD / PRINT.  Arity was checked by the compiler
 * against nbc_names.h, and is checked again here (TypeError). */
int nbc_call_builtin(nbc_vm *vm, enum nbc_builtin id, const nbc_value *args,
    size_t n, nbc_value *out);
int nbc_call_method(nbc_vm *vm, enum nbc_method id, nbc_value self,
    const nbc_value *args, size_t n, nbc_value *out);
int nbc_print(nbc_vm *vm, const nbc_value *args, size_t n, nbc_value sep,
    nbc_value end);
/* Append to the call's output, charging the output budget. */
int nbc_output(nbc_vm *vm, const char *s, size_t len);

/* repr() and str() into a malloc'd buffer (NULL with ResourceError when
 * the result would exceed the memory budget). */
char *nbc_repr(nbc_vm *vm, nbc_value v, size_t *len);
char *nbc_tostr(nbc_vm *vm, nbc_value v, size_t *len);
/* Python's repr of a double (shortest round trip): buf >= 32 bytes. */
size_t nbc_float_repr(double f, char *buf, size_t size);
const char *nbc_type_name(nbc_value v);   /* "int", "list", ... */

/* ---- crossing the API boundary ----------------------------------------- */

int nbc_value_from_lit(nbc_vm *vm, const nbc_lit *l, nbc_value *out);
/* A value as a literal; ranges, iterators and views become lists (repr
 * text is not kept).  -1 with an error if memory runs out. */
int nbc_value_to_lit(nbc_vm *vm, nbc_value v, nbc_lit *out);

/* ---- call state -------------------------------------------------------- */

/* Prepare / release a call state (heap, budgets, rng, output). */
void nbc_vm_init(nbc_vm *vm, const nbc_limits *limits, const nbc_host *host);
void nbc_vm_release(nbc_vm *vm);


/* ---- objects half: helpers shared by its files (appended by RT-OBJ) ---- */

#define NBC_OF_HASMUT 4u     /* frozen container holding a list/dict/iterator */
#define NBC_OF_FREE 8u       /* a free slot of the allocator (nbc_value.c) */
#define NBC_OF_STRBUF 16u    /* a str whose inl has room to append */
#define NBC_OF_STRVIEW 32u   /* a str whose data is in buf.base's inl */

#define NBC_STR(v)   ((nbc_str *)(v).u.o)
#define NBC_LIST(v)  ((nbc_list *)(v).u.o)
#define NBC_TUPLE(v) ((nbc_tuple *)(v).u.o)
#define NBC_DICT(v)  ((nbc_dict *)(v).u.o)
#define NBC_RANGE(v) ((nbc_range *)(v).u.o)
#define NBC_ITERP(v) ((nbc_iterobj *)(v).u.o)
#define NBC_VIEW(v)  ((nbc_dictview *)(v).u.o)
#define NBC_IS_NUM(v) ((v).t == NBC_T_INT || (v).t == NBC_T_BOOL || \
	(v).t == NBC_T_FLOAT)
#define NBC_IS_INTLIKE(v) ((v).t == NBC_T_INT || (v).t == NBC_T_BOOL)

/* Nesting depth beyond which repr, equality, hashing and conversions of a
 * container stop (RecursionError, as CPython's recursion limit does). */
#define NBC_MAX_NEST 900

/* A growable byte buffer.  With a vm it refuses to grow past the memory
 * left in the budget (ResourceError, oom set); without one only malloc
 * failure stops it. */
typedef struct nbc_buf {
	nbc_vm *vm;
	char *p;
	size_t len, cap;
	bool oom;
} nbc_buf;

void nbc_buf_init(nbc_buf *b, nbc_vm *vm);
bool nbc_buf_reserve(nbc_buf *b, size_t more);
bool nbc_buf_add(nbc_buf *b, const char *s, size_t n);
bool nbc_buf_addc(nbc_buf *b, char c);
bool nbc_buf_printf(nbc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The contents, NUL-terminated, now owned by the caller. */
char *nbc_buf_finish(nbc_buf *b, size_t *len);
void nbc_buf_free(nbc_buf *b);
/* The contents (valid UTF-8) as a new str; frees the buffer either way. */
int nbc_buf_to_str(nbc_buf *b, nbc_value *out);

/* repr() / str() appended to a buffer; -1 with an exception raised. */
int nbc_repr_buf(nbc_vm *vm, nbc_buf *b, nbc_value v);
int nbc_str_buf(nbc_vm *vm, nbc_buf *b, nbc_value v);
/* Decimal text of i into buf (>= 21 bytes, NUL-terminated); its length. */
size_t nbc_int_text(int64_t i, char *buf);
/* Python's repr of a str given as UTF-8 bytes. */
bool nbc_str_repr_buf(nbc_buf *b, const char *s, size_t len);

/* The value of a decimal digit (Unicode Nd), or -1; Python whitespace. */
int nbc_cp_decimal(uint32_t cp);
bool nbc_cp_space(uint32_t cp);
/* Whether str.isprintable() holds for cp (repr escapes the others). */
bool nbc_cp_printable(uint32_t cp);

/* A str of len bytes to fill in; call nbc_str_measure() once filled. */
nbc_str *nbc_str_alloc(nbc_vm *vm, size_t len, nbc_value *out);
void nbc_str_measure(nbc_str *s);
/* The one-code-point str starting at byte off of s. */
int nbc_str_char_at(nbc_vm *vm, const nbc_str *s, size_t off, nbc_value *out);
uint64_t nbc_str_hash(nbc_str *s);
int nbc_str_cmp(const nbc_str *a, const nbc_str *b);
bool nbc_str_eq(const nbc_str *a, const nbc_str *b);
int nbc_str_concat(nbc_vm *vm, nbc_value a, nbc_value b, nbc_value *out);
/* a + b + c for three strs, and a + str(i) + c for strs a and c (either
 * may be NULL: absent), with one allocation when the result is short:
 * what the additions give, without their intermediate strs. */
int nbc_str_concat3(nbc_vm *vm, nbc_value a, nbc_value b, nbc_value c,
    nbc_value *out);
int nbc_str_concat_int(nbc_vm *vm, const nbc_value *a, int64_t i,
    const nbc_value *c, nbc_value *out);
int nbc_str_repeat(nbc_vm *vm, nbc_value s, int64_t n, nbc_value *out);
bool nbc_str_contains(const nbc_str *hay, const nbc_str *needle);
int nbc_str_getitem(nbc_vm *vm, nbc_value s, int64_t i, nbc_value *out);
int nbc_str_slice(nbc_vm *vm, nbc_value s, int64_t start, int64_t step,
    int64_t count, nbc_value *out);
/* Byte offset of code point i of s (0 <= i <= nchars). */
size_t nbc_str_offset(const nbc_str *s, int64_t i);
int nbc_str_format(nbc_vm *vm, nbc_value fmt, nbc_value args, nbc_value *out);
/* A str method (id) on a str receiver: 0 done, -1 error, 1 no such method. */
int nbc_str_method(nbc_vm *vm, enum nbc_method id, nbc_value self,
    const nbc_value *args, size_t n, nbc_value *out);

/* dict internals */
/* The entry number of str key in d, or -1. */
int64_t nbc_dict_find_str(const nbc_dict *d, nbc_value key);
/*
 * The entry of str key in d if it is entry number hint (a lookup the
 * interpreter remembers), else NULL.  Exact whatever happened to d since:
 * the entry must hold that very str object, and a dict's keys are
 * distinct, so a deleted entry, another key or a stale number never
 * matches.
 */
static inline nbc_dict_entry *
nbc_dict_hint(const nbc_dict *d, nbc_value key, size_t hint)
{
	nbc_dict_entry *e;

	if (hint >= d->nentries)
		return NULL;
	e = &d->entries[hint];
	return e->key.t == NBC_T_STR && e->key.u.o == key.u.o ? e : NULL;
}
int nbc_dict_pop(nbc_vm *vm, nbc_value dict, nbc_value key, nbc_value *val);
int nbc_dict_copy(nbc_vm *vm, nbc_value dict, nbc_value *out);
/* dict.update(other): other a dict or an iterable of pairs. */
int nbc_dict_update(nbc_vm *vm, nbc_value dict, nbc_value other);
/* The next live entry at or after *pos (advanced past it), or NULL. */
nbc_dict_entry *nbc_dict_next(const nbc_dict *d, int64_t *pos);
int nbc_dict_method(nbc_vm *vm, enum nbc_method id, nbc_value self,
    const nbc_value *args, size_t n, nbc_value *out);

/* operations helpers */
/* An int (or bool) argument as int64; TypeError "'str' object cannot be
 * interpreted as an integer" otherwise. */
int nbc_index_arg(nbc_vm *vm, nbc_value v, int64_t *out);
int nbc_lt(nbc_vm *vm, nbc_value a, nbc_value b, bool *out);
/* Stable merge sort with Python's < (TypeError on unorderable items). */
int nbc_sort_values(nbc_vm *vm, nbc_value *items, size_t n);
int nbc_len(nbc_vm *vm, nbc_value v, int64_t *out);
int nbc_contains(nbc_vm *vm, nbc_value container, nbc_value item,
    bool *out);
/* list(v): a new list of v's items. */
int nbc_to_list(nbc_vm *vm, nbc_value v, nbc_value *out);
int64_t nbc_range_len(const nbc_range *r);
/* Grow a list's capacity to at least need items. */
int nbc_list_reserve(nbc_vm *vm, nbc_list *l, size_t need);
/* A list method on a list receiver: 0 done, -1 error, 1 no such method. */
int nbc_list_method(nbc_vm *vm, enum nbc_method id, nbc_value self,
    const nbc_value *args, size_t n, nbc_value *out);
/* KeyError whose message is repr(key). */
int nbc_key_error(nbc_vm *vm, nbc_value key);
/* The iterators of enumerate(v, start), zip(args...) and reversed(v). */
int nbc_make_enumerate(nbc_vm *vm, nbc_value v, int64_t start,
    nbc_value *out);
int nbc_make_zip(nbc_vm *vm, const nbc_value *args, size_t n,
    nbc_value *out);
int nbc_make_reversed(nbc_vm *vm, nbc_value v, nbc_value *out);
/* RuntimeError unless host grants cap (one NBC_CAP_* bit). */
int nbc_need_cap(nbc_vm *vm, uint32_t cap);
uint64_t nbc_rng_next(nbc_vm *vm);

/* ---- machine half: appended by RT-VM ------------------------------------ */

/*
 * Charge n units of the instruction budget for work done in C (one per
 * item a builtin or method visits), so that sum(range(10**15)) ends with
 * ResourceError instead of running for ever.  -1 with ResourceError
 * "instruction budget exhausted" when the budget runs out.  The
 * interpreter keeps vm->gas_left current across CALL_BUILTIN,
 * CALL_METHOD, PRINT, IN and NOT_IN.
 */
int nbc_gas(nbc_vm *vm, uint64_t n);

#endif
