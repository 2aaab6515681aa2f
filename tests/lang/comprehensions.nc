# List comprehensions: one for, optional if, over every iterable.
def main():
    print([x * x for x in range(6)])
    print([x for x in range(20) if x % 3 == 0])
    print([c.upper() for c in "abc"], [w for w in "a bb ccc".split() if len(w) > 1])
    d = {"a": 1, "b": 2, "c": 3}
    print([k for k in d], [v * 10 for v in d.values()], [k + str(v) for k, v in d.items()])
    print([(i, s) for i, s in enumerate("xy")], [a + b for a, b in zip([1, 2], [10, 20])])
    print([[j for j in range(i)] for i in range(4)])
    print(sum([i for i in range(101)]), len([0 for _ in range(7)]), [x for x in []])
    x = "outer"
    squares = [x for x in range(3)]
    print(x, squares)
    n = 4
    print([i * n for i in range(n) if i != 2], [y if y > 1 else -y for y in (1, 2, 3)])
