# sorted, reversed, enumerate, zip, list and tuple of iterators.
def main():
    print(sorted([3, 1, 2]), sorted("hello"), sorted((2.5, -1, 0)), sorted({"b": 1, "a": 2}))
    print(sorted([[2, 1], [1, 5], [1, 2]]), sorted(["b", "A", "a", "B"]), sorted([]))
    print(sorted([1, True, 1.0, 0, False]), sorted([(1, "b"), (1, "a"), (0, "z")]))
    print(list(reversed([1, 2, 3])), list(reversed("abc")), tuple(reversed((1, 2))), list(reversed(range(4))))
    print(list(enumerate("ab")), list(enumerate(["x", "y"], 1)), list(enumerate([], 5)), list(enumerate((7,), -2)))
    print(list(zip([1, 2, 3], "ab")), list(zip()), list(zip([1])), list(zip([1, 2], (3, 4), "xy")))
    for i, c in enumerate("hey", 10):
        print(i, c)
    for a, b in zip(range(3), reversed(range(3))):
        print(a, b)
    for x in reversed([10, 20]):
        print(x)
    names = ["c", "a", "b"]
    s = sorted(names)
    print(names, s, s is names)
    e = enumerate(["p", "q"])
    print(list(e), list(e))
    print(list(zip({"k": 1, "j": 2}, {"x": 0})), dict(zip("abc", range(3))))
