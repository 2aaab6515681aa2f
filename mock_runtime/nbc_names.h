/*
 * nbc_names.h - the names that compiler and runtime agree on by number:
 * builtin functions (CALL_BUILTIN A), methods (CALL_METHOD A), exception
 * types (RAISE A, and the type of a call's error), and capabilities.
 *
 * The compiler resolves names to these ids and checks arities against the
 * MIN/MAX columns; the runtime implements each id.  Ids are part of the
 * bytecode format: append new entries at the end of a list only, and bump
 * NBC_FORMAT_VERSION when an entry changes meaning.
 */
#ifndef NBC_NAMES_H
#define NBC_NAMES_H

/* Capabilities: bit values of nbc_caps masks. */
#define NBC_CAP_LOG    (1u << 0)  /* print */
#define NBC_CAP_TIME   (1u << 1)  /* time.time, time.monotonic */
#define NBC_CAP_RANDOM (1u << 2)  /* random.random, random.randint, random.choice */
#define NBC_CAP_FS     (1u << 3)  /* fs.read, fs.write */
#define NBC_CAPS(X) X(LOG, "log") X(TIME, "time") X(RANDOM, "random") X(FS, "fs")

/*
 * Builtin functions: X(ID, "python name", MIN_ARGS, MAX_ARGS, CAPS).
 * Names of module functions are written "module.name".  print is not here:
 * it has its own opcode (PRINT) because of sep= and end=.
 * isinstance's second argument is compiled to an int constant: the bit mask
 * of NBC_TYPEBIT_* of the type names given (a name or a tuple of names).
 */
#define NBC_BUILTINS(X) \
	X(LEN,          "len",            1, 1, 0) \
	X(RANGE,        "range",          1, 3, 0) \
	X(STR,          "str",            0, 1, 0) \
	X(INT,          "int",            0, 2, 0) \
	X(FLOAT,        "float",          0, 1, 0) \
	X(BOOL,         "bool",           0, 1, 0) \
	X(ABS,          "abs",            1, 1, 0) \
	X(MIN,          "min",            1, 255, 0) \
	X(MAX,          "max",            1, 255, 0) \
	X(SUM,          "sum",            1, 2, 0) \
	X(SORTED,       "sorted",         1, 1, 0) \
	X(REVERSED,     "reversed",       1, 1, 0) \
	X(ENUMERATE,    "enumerate",      1, 2, 0) \
	X(ZIP,          "zip",            0, 255, 0) \
	X(LIST,         "list",           0, 1, 0) \
	X(TUPLE,        "tuple",          0, 1, 0) \
	X(DICT,         "dict",           0, 1, 0) \
	X(ISINSTANCE,   "isinstance",     2, 2, 0) \
	X(ROUND,        "round",          1, 2, 0) \
	X(TIME_TIME,    "time.time",      0, 0, NBC_CAP_TIME) \
	X(TIME_MONOTONIC, "time.monotonic", 0, 0, NBC_CAP_TIME) \
	X(RANDOM_RANDOM,  "random.random",  0, 0, NBC_CAP_RANDOM) \
	X(RANDOM_RANDINT, "random.randint", 2, 2, NBC_CAP_RANDOM) \
	X(RANDOM_CHOICE,  "random.choice",  1, 1, NBC_CAP_RANDOM) \
	X(FS_READ,      "fs.read",        1, 1, NBC_CAP_FS) \
	X(FS_WRITE,     "fs.write",       2, 2, NBC_CAP_FS) \
	X(MATH_SQRT,    "math.sqrt",      1, 1, 0) \
	X(MATH_FLOOR,   "math.floor",     1, 1, 0) \
	X(MATH_CEIL,    "math.ceil",      1, 1, 0) \
	X(MATH_FABS,    "math.fabs",      1, 1, 0) \
	X(MATH_POW,     "math.pow",       2, 2, 0) \
	X(MATH_LOG,     "math.log",       1, 2, 0) \
	X(MATH_EXP,     "math.exp",       1, 1, 0)

/* math.pi, math.e and math.inf are compiled to float constants. */

/* Type bits for isinstance (bool is also an int, as in Python). */
#define NBC_TYPEBIT_INT   (1u << 0)
#define NBC_TYPEBIT_FLOAT (1u << 1)
#define NBC_TYPEBIT_BOOL  (1u << 2)
#define NBC_TYPEBIT_STR   (1u << 3)
#define NBC_TYPEBIT_LIST  (1u << 4)
#define NBC_TYPEBIT_TUPLE (1u << 5)
#define NBC_TYPEBIT_DICT  (1u << 6)

/*
 * Methods: X(ID, "name", MIN_ARGS, MAX_ARGS) - arguments not counting the
 * receiver.  The receiver's type picks the implementation at run time; a
 * type without the method raises AttributeError as CPython does.  Names
 * shared by several types (count, index, pop, copy) appear once.
 */
#define NBC_METHODS(X) \
	X(UPPER,      "upper",      0, 0) \
	X(LOWER,      "lower",      0, 0) \
	X(STRIP,      "strip",      0, 1) \
	X(LSTRIP,     "lstrip",     0, 1) \
	X(RSTRIP,     "rstrip",     0, 1) \
	X(SPLIT,      "split",      0, 2) \
	X(JOIN,       "join",       1, 1) \
	X(REPLACE,    "replace",    2, 3) \
	X(STARTSWITH, "startswith", 1, 1) \
	X(ENDSWITH,   "endswith",   1, 1) \
	X(FIND,       "find",       1, 1) \
	X(COUNT,      "count",      1, 1) \
	X(ISDIGIT,    "isdigit",    0, 0) \
	X(ISALPHA,    "isalpha",    0, 0) \
	X(APPEND,     "append",     1, 1) \
	X(EXTEND,     "extend",     1, 1) \
	X(POP,        "pop",        0, 2) \
	X(INSERT,     "insert",     2, 2) \
	X(INDEX,      "index",      1, 1) \
	X(REVERSE,    "reverse",    0, 0) \
	X(SORT,       "sort",       0, 0) \
	X(COPY,       "copy",       0, 0) \
	X(GET,        "get",        1, 2) \
	X(KEYS,       "keys",       0, 0) \
	X(VALUES,     "values",     0, 0) \
	X(ITEMS,      "items",      0, 0) \
	X(UPDATE,     "update",     1, 1)

/*
 * Exception types: X(ID, "Python name").  The first block can be raised by
 * code; OverflowError, RecursionError, UnboundLocalError and AttributeError
 * come from the runtime only, and ResourceError (a budget ran out) can never
 * be raised by code.
 */
#define NBC_EXCEPTIONS(X) \
	X(EXCEPTION,         "Exception") \
	X(VALUE_ERROR,       "ValueError") \
	X(TYPE_ERROR,        "TypeError") \
	X(KEY_ERROR,         "KeyError") \
	X(INDEX_ERROR,       "IndexError") \
	X(ZERO_DIVISION_ERROR, "ZeroDivisionError") \
	X(RUNTIME_ERROR,     "RuntimeError") \
	X(ASSERTION_ERROR,   "AssertionError") \
	X(OVERFLOW_ERROR,    "OverflowError") \
	X(RECURSION_ERROR,   "RecursionError") \
	X(UNBOUND_LOCAL_ERROR, "UnboundLocalError") \
	X(ATTRIBUTE_ERROR,   "AttributeError") \
	X(RESOURCE_ERROR,    "ResourceError")

enum nbc_builtin {
#define NBC_X_ENUM(id, name, mn, mx, caps) NBC_BI_##id,
	NBC_BUILTINS(NBC_X_ENUM)
#undef NBC_X_ENUM
	NBC_BI__COUNT
};

enum nbc_method {
#define NBC_X_ENUM(id, name, mn, mx) NBC_M_##id,
	NBC_METHODS(NBC_X_ENUM)
#undef NBC_X_ENUM
	NBC_M__COUNT
};

enum nbc_exc {
#define NBC_X_ENUM(id, name) NBC_EXC_##id,
	NBC_EXCEPTIONS(NBC_X_ENUM)
#undef NBC_X_ENUM
	NBC_EXC__COUNT
};

/* Number of code-raisable exception types (EXCEPTION .. ASSERTION_ERROR). */
#define NBC_EXC_RAISABLE (NBC_EXC_ASSERTION_ERROR + 1)

#endif
