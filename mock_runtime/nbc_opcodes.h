/*
 * nbc_opcodes.h - the one table of NBC opcodes.
 *
 * Everything that knows about instructions derives from this X-macro list:
 * the builder (nbc_build.c), the verifier (nbc_verify.c), the disassembler
 * (nbc_disasm.c) and the interpreter (nbc_vm.c).  Keep them in step by
 * editing only this list.
 *
 * Serialized encoding: one opcode byte, then NOPS operands, each a 32-bit
 * little-endian unsigned integer.  Jump targets are byte offsets from the
 * start of the function's code and must land on an instruction boundary.
 *
 * Columns: X(NAME, NOPS, POPS, PUSHES, JUMP, doc)
 *   POPS and PUSHES are C expressions over the operands A and B: the stack
 *   effect of the instruction when it falls through.
 *   JUMP: 0 = no branch; 1 = operand A is a branch target, and the stack
 *   effect on the branch is given by nbc_op_branch_effect() (see below).
 */
#ifndef NBC_OPCODES_H
#define NBC_OPCODES_H

#define NBC_OPCODES(X) \
	X(NOP,              0, 0,     0, 0, "do nothing") \
	X(POP,              0, 1,     0, 0, "discard TOS") \
	X(DUP,              0, 1,     2, 0, "push a copy of TOS") \
	X(DUP2,             0, 2,     4, 0, "[a b] -> [a b a b]") \
	X(ROT2,             0, 2,     2, 0, "[a b] -> [b a]") \
	X(ROT3,             0, 3,     3, 0, "[a b c] -> [c a b]: TOS moves two down") \
	X(LOAD_CONST,       1, 0,     1, 0, "push constant A") \
	X(LOAD_LOCAL,       1, 0,     1, 0, "push local A; UnboundLocalError if unset") \
	X(STORE_LOCAL,      1, 1,     0, 0, "pop into local A") \
	X(LOAD_GLOBAL,      1, 0,     1, 0, "push module constant A") \
	X(STORE_GLOBAL,     1, 1,     0, 0, "pop into module constant A (module init only)") \
	X(ADD,              0, 2,     1, 0, "a + b") \
	X(SUB,              0, 2,     1, 0, "a - b") \
	X(MUL,              0, 2,     1, 0, "a * b") \
	X(DIV,              0, 2,     1, 0, "a / b (true division)") \
	X(FLOORDIV,         0, 2,     1, 0, "a // b") \
	X(MOD,              0, 2,     1, 0, "a % b") \
	X(POW,              0, 2,     1, 0, "a ** b") \
	X(NEG,              0, 1,     1, 0, "-a") \
	X(POS,              0, 1,     1, 0, "+a") \
	X(NOT,              0, 1,     1, 0, "not a") \
	X(EQ,               0, 2,     1, 0, "a == b") \
	X(NE,               0, 2,     1, 0, "a != b") \
	X(LT,               0, 2,     1, 0, "a < b") \
	X(LE,               0, 2,     1, 0, "a <= b") \
	X(GT,               0, 2,     1, 0, "a > b") \
	X(GE,               0, 2,     1, 0, "a >= b") \
	X(IN,               0, 2,     1, 0, "a in b") \
	X(NOT_IN,           0, 2,     1, 0, "a not in b") \
	X(IS,               0, 2,     1, 0, "a is b") \
	X(IS_NOT,           0, 2,     1, 0, "a is not b") \
	X(JUMP,             1, 0,     0, 1, "jump to A") \
	X(JUMP_IF_FALSE,    1, 1,     0, 1, "pop TOS; jump to A if it is falsy") \
	X(JUMP_IF_TRUE,     1, 1,     0, 1, "pop TOS; jump to A if it is truthy") \
	X(JUMP_IF_FALSE_OR_POP, 1, 1, 0, 1, "if TOS is falsy jump to A keeping it, else pop it") \
	X(JUMP_IF_TRUE_OR_POP,  1, 1, 0, 1, "if TOS is truthy jump to A keeping it, else pop it") \
	X(GET_ITER,         0, 1,     1, 0, "replace TOS by an iterator over it") \
	X(FOR_ITER,         1, 0,     1, 1, "TOS is an iterator: push its next item, or pop it and jump to A when exhausted") \
	X(UNPACK,           1, 1,     A, 0, "pop a sequence of exactly A items, push them so the first is on top") \
	X(BUILD_LIST,       1, A,     1, 0, "pop A items (first pushed is first) into a new list") \
	X(BUILD_TUPLE,      1, A,     1, 0, "pop A items into a new tuple") \
	X(BUILD_DICT,       1, 2*A,   1, 0, "pop A key/value pairs (key pushed first) into a new dict") \
	X(LIST_APPEND_LOCAL,1, 1,     0, 0, "pop TOS and append it to the list in local A (comprehensions)") \
	X(SUBSCR,           0, 2,     1, 0, "[obj idx] -> obj[idx]") \
	X(STORE_SUBSCR,     0, 3,     0, 0, "[value obj idx] -> obj[idx] = value") \
	X(SLICE,            0, 4,     1, 0, "[obj start stop step] -> obj[start:stop:step]; None for an omitted part") \
	X(CALL_FUNC,        2, B,     1, 0, "call module function A with B arguments") \
	X(CALL_BUILTIN,     2, B,     1, 0, "call builtin A (nbc_names.h) with B arguments") \
	X(CALL_METHOD,      2, B+1,   1, 0, "call method A (nbc_names.h) on the receiver below the B arguments") \
	X(PRINT,            1, A+2,   1, 0, "print A values, then sep and end (None = default); push None") \
	X(RETURN,           0, 1,     0, 0, "return TOS from the function") \
	X(RAISE,            2, B,     0, 0, "raise exception type A (nbc_names.h) with B (0 or 1) message arguments") \
	X(ASSERT_FAIL,      1, A,     0, 0, "raise AssertionError with A (0 or 1) message arguments") \
	X(INPLACE_ADD,      0, 2,     1, 0, "a += b: a list a is extended in place by the iterable b and pushed; else a + b") \
	X(INPLACE_MUL,      0, 2,     1, 0, "a *= b: a list a is repeated in place b times (emptied when b <= 0) and pushed; else a * b") \
	X(INPLACE_SUB,      0, 2,     1, 0, "a -= b: a - b, with \"-=\" in the unsupported-operand message") \
	X(INPLACE_DIV,      0, 2,     1, 0, "a /= b: a / b, with \"/=\" in the unsupported-operand message") \
	X(INPLACE_FLOORDIV, 0, 2,     1, 0, "a //= b: a // b, with \"//=\" in the unsupported-operand message") \
	X(INPLACE_MOD,      0, 2,     1, 0, "a %= b: a % b, with \"%=\" in the unsupported-operand message")

enum nbc_opcode {
#define NBC_X_ENUM(name, nops, pops, pushes, jump, doc) NBC_OP_##name,
	NBC_OPCODES(NBC_X_ENUM)
#undef NBC_X_ENUM
	NBC_OP__COUNT
};

/*
 * Stack effect on the branch of a jumping instruction, relative to the
 * depth before it: JUMP 0, JUMP_IF_FALSE/JUMP_IF_TRUE -1,
 * JUMP_IF_*_OR_POP 0 (TOS kept), FOR_ITER -1 (iterator popped).
 */
#endif
