"""Fails gate 1 (compile): every error is reported, with line and column."""


def total(xs: list) -> int:
    s = 0
    for x in xs:
        s += x
    return s


def average(xs: list) -> float:
    return total(xs) / count


def broken(a, b):
    return total(a, b)


class Point:
    pass
