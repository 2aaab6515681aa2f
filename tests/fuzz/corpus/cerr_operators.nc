# Operators outside the subset: bitwise and shifts; del; slice assignment.
def main():
    a = 6 & 3
    b = 6 | 3
    c = 1 << 4
    d = ~a
    e = [1, 2, 3]
    e[0:1] = [9]
    del e
    return a + b + c + d
