# raise RuntimeError (the other raisable names are raised the same way).
def fail(kind):
    if kind == 1:
        raise TypeError("t")
    if kind == 2:
        raise IndexError("i")
    if kind == 3:
        raise ZeroDivisionError("z")
    raise RuntimeError("boom " + str(kind))

def main():
    fail(4)
