/*
 * nbc_vm.h - the loaded form of a module and the interpreter's entry
 * points, shared by nbc_vm.c (translation and dispatch) and nbc_module.c
 * (the module table, loading, nbc_call).
 *
 * At load, each function's verified byte code is translated into an array
 * of fixed-size instructions (nbc_ins): one slot per original instruction,
 * jump targets as slot indices, and superinstructions written over the
 * first slot of a fused sequence (the later slots keep their own
 * instruction, so a jump into the middle of a sequence still works).
 */
#ifndef NBC_VM_H
#define NBC_VM_H

#include "nbc_format.h"
#include "nbc_internal.h"

/* An unbound local or an unset global: None with a payload no None has. */
#define NBC_UNSET_BITS 0x554e534554ULL

static inline nbc_value nbc_unset(void)
{
	nbc_value v;

	v.t = NBC_T_NONE;
	v.u.i = (int64_t)NBC_UNSET_BITS;
	return v;
}

static inline bool nbc_is_unset(nbc_value v)
{
	return v.t == NBC_T_NONE && v.u.i == (int64_t)NBC_UNSET_BITS;
}

typedef struct nbc_ins {
	uint8_t op;          /* enum nbc_opcode, or a superinstruction */
	uint8_t sub;         /* the comparison or operator a fused op does */
	uint16_t n;          /* original instructions covered */
	uint32_t a, b, c;
} nbc_ins;

typedef struct nbc_func {
	char *name;          /* NUL-terminated */
	uint32_t nparams, ndefaults, nlocals, max_stack;
	uint32_t framesize;  /* nlocals + max_stack */
	const nbc_value *defaults;   /* ndefaults frozen constants */
	nbc_ins *code;
	uint32_t ncode;
	int *lines;          /* source line per slot */
	char **local_names;  /* NUL-terminated, "" when unnamed */
	int line;
} nbc_func;

struct nbc_loaded {
	uint32_t caps;
	uint32_t nconsts, nglobals, nfuncs;
	nbc_value *consts;       /* frozen */
	nbc_value *globals;      /* frozen after init; unset before */
	nbc_value *gcache_init;  /* a call's initial cache: unset where a
	                          * constant must be thawed */
	char **global_names;
	nbc_func *funcs;
	nbc_value *defaults;     /* storage behind every funcs[i].defaults */
	nbc_obj *frozen;         /* owner of every frozen object */
};

/* Translate a verified image into mod->funcs (constants already set). */
int nbc_vm_translate(nbc_loaded *mod, const nbc_image *img, nbc_error *err);
void nbc_vm_funcs_free(nbc_loaded *mod);

/*
 * Run function fn of vm->mod with nargs arguments (already in the call's
 * heap; nargs within the function's parameter counts).  vm->gcache must
 * be set.  0 with *result set, or -1 with the exception in vm (exc,
 * exc_msg, exc_line).
 */
int nbc_vm_run(nbc_vm *vm, uint32_t fn, const nbc_value *args,
    uint32_t nargs, nbc_value *result);

#endif
