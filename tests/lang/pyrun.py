#!/usr/bin/env python3
"""pyrun.py - run a Noodle program under CPython the way `noodle run` does.

    python3 pyrun.py FILE [FUNCTION [ARGS...]]

Executes FILE's source (its common leading indentation removed, as Noodle
does), calls FUNCTION (default main) with ARGS (each a Python literal, else
a string), prints a non-None result as print would.  On an exception it
prints `FILE:LINE: Type: message` (`FILE:LINE: Type` when the message is
empty) on stderr, LINE being the innermost line of FILE, and exits 1.

This is the oracle of the golden tests (LANGUAGE.md: a program inside the
subset behaves exactly as CPython 3.11 runs it).  It also applies the one
deviation a golden test can observe: int is 64-bit, so an arithmetic
result outside it raises OverflowError("integer overflow").  Every binary
and unary operator, augmented assignment (through operator.iadd and the
like, so list += stays in place) and the int-producing builtins (abs, sum,
int, round, math.floor, math.ceil) are checked.
"""
import ast
import operator
import sys
import textwrap
import traceback
import types

INT_MIN = -(1 << 63)
INT_MAX = (1 << 63) - 1


def _chk(v):
    """Raise OverflowError as Noodle does when an int leaves int64."""
    if type(v) is int and not INT_MIN <= v <= INT_MAX:
        raise OverflowError("integer overflow")
    return v


class Int64Checks(ast.NodeTransformer):
    """Wrap each arithmetic result in _chk(...)."""

    CHECKED_CALLS = {"int", "abs", "sum", "round", "math.floor", "math.ceil"}
    INPLACE = {"Add": "iadd", "Sub": "isub", "Mult": "imul",
               "Div": "itruediv", "FloorDiv": "ifloordiv", "Mod": "imod",
               "Pow": "ipow", "BitAnd": "iand", "BitOr": "ior",
               "BitXor": "ixor", "LShift": "ilshift", "RShift": "irshift",
               "MatMult": "imatmul"}

    def _call(self, node):
        call = ast.Call(func=ast.Name(id="_chk", ctx=ast.Load()),
                        args=[node], keywords=[])
        return ast.copy_location(call, node)

    def visit_BinOp(self, node):
        self.generic_visit(node)
        return self._call(node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return node
        return self._call(node)

    def visit_Call(self, node):
        self.generic_visit(node)
        if ast.unparse(node.func) in self.CHECKED_CALLS:
            return self._call(node)
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        target = node.target
        if isinstance(target, ast.Subscript) and not (
                isinstance(target.value, ast.Name) and
                isinstance(target.slice, (ast.Name, ast.Constant))):
            return node     # would evaluate a complex target twice
        load = ast.parse(ast.unparse(target), mode="eval").body
        # operator.iadd etc. run the statement's own in-place protocol
        # (list += extends the same list, TypeError says "+="), then the
        # result is checked and stored as the statement would.
        func = ast.Attribute(value=ast.Name(id="_operator", ctx=ast.Load()),
                             attr=self.INPLACE[type(node.op).__name__],
                             ctx=ast.Load())
        value = self._call(ast.Call(func=func, args=[load, node.value],
                                    keywords=[]))
        new = ast.Assign(targets=[target], value=value)
        return ast.fix_missing_locations(ast.copy_location(new, node))


def _fs_module():
    """The fs capability module: files of the current folder only."""
    mod = types.ModuleType("fs")

    def check(name):
        if not name or "/" in name or ".." in name:
            raise ValueError("invalid file name: %r" % name)
        return name

    def read(name):
        with open(check(name), encoding="utf-8") as f:
            return f.read()

    def write(name, text):
        with open(check(name), "w", encoding="utf-8") as f:
            f.write(text)

    mod.read = read
    mod.write = write
    return mod


def _literal(word):
    try:
        return ast.literal_eval(word)
    except (ValueError, SyntaxError):
        return word


def main():
    if len(sys.argv) < 2:
        sys.stderr.write("usage: pyrun.py FILE [FUNCTION [ARGS...]]\n")
        return 2
    path = sys.argv[1]
    func = sys.argv[2] if len(sys.argv) > 2 else "main"
    args = [_literal(w) for w in sys.argv[3:]]
    with open(path, encoding="utf-8") as f:
        source = textwrap.dedent(f.read())
    tree = ast.fix_missing_locations(Int64Checks().visit(ast.parse(source)))
    code = compile(tree, path, "exec")
    sys.modules["fs"] = _fs_module()
    env = {"__name__": "noodle", "_chk": _chk, "_operator": operator}
    try:
        exec(code, env)
        result = env[func](*args)
        if result is not None:
            print(result)
    except Exception as exc:
        sys.stdout.flush()
        line = 0
        for frame in traceback.extract_tb(exc.__traceback__):
            if frame.filename == path:
                line = frame.lineno
        message = str(exc)
        where = "%s:%d" % (path, line) if line else path
        text = "%s: %s: %s" % (where, type(exc).__name__, message) \
            if message else "%s: %s" % (where, type(exc).__name__)
        sys.stderr.write(text + "\n")
        return 1
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
