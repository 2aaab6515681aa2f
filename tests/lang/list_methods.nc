# Every list method: append extend pop insert index count reverse sort copy.
def main():
    a = [3, 1, 2]
    a.append(5)
    print(a, a.append(0), a)
    a.extend([7, 8])
    a.extend((9,))
    a.extend("xy")
    print(a, len(a))
    print(a.pop(), a.pop(0), a.pop(-2), a)
    a.insert(0, "first")
    a.insert(100, "last")
    a.insert(-1, "before last")
    a.insert(-100, "very first")
    print(a)
    print(a.index(5), a.index("last"), [1, 2, 1].count(1), a.count("none"))
    b = [4, 2, 9, 1]
    b.reverse()
    print(b)
    b.sort()
    print(b, b.sort())
    c = b.copy()
    c.append(100)
    print(b, c, b == c[:-1])
    words = ["pear", "apple", "fig", "Banana"]
    words.sort()
    print(words)
    mixed = [2.5, 1, True, -3, 0.0]
    mixed.sort()
    print(mixed)
    e = []
    e.extend(range(3))
    print(e, [[1], [0]].count([0]), [(1, 2)].index((1, 2)))
