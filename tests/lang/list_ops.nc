# Lists: displays, indexing, assignment, +, *, len, list(), aliasing.
def main():
    a = [1, 2, 3]
    b = a
    b[0] = 100
    print(a, b, a is b)
    c = a + [4, 5]
    print(c, a, len(c), c[-1], c[-5])
    print([0] * 3, [1, 2] * 2, 2 * [None], [] * 5, [1] * 0, [1] * -2)
    grid = [[0] * 3 for _ in range(2)]
    grid[0][1] = 7
    print(grid)
    shared = [[0]] * 2
    shared[0][0] = 9
    print(shared)
    a[-1] = "end"
    print(a, list("abc"), list((1, 2)), list(range(3)), list({"k": 1, "j": 2}), list())
    d = a
    d += [9]
    print(a, d)
    n = [5, 6]
    n *= 2
    print(n)
    empty = []
    print(empty, len(empty), [[]], [[], []])
