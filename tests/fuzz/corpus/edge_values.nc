# Edge cases across types: bools as ints, negative zero, big floats, mixed
# comparisons, strings at the edges of their methods.
def main():
    print("abc"[True], [1, 2] * True, "ab" * False, {True: "t"}[1], (5, 6)[-True])
    print(round(-0.5, 0), round(-0.4), -0.0 * 5, 0.0 * -1, -0.0 + 0.0, abs(-0.0))
    print(float(10 ** 18), 10 ** 18, int(1e18) == 10 ** 18, 2 ** 0.5 ** 2, 8 ** (1 / 3), 4 ** -0.5)
    print(-7 // 2 * 2 + -7 % 2, 7 // -2, -7.0 // 2, 7 % -3.0, 0.0 // 1, -0.0 // 1)
    print("a,b,,c".split(",", -1), "a b c".split(None, -1), " a  b ".split(" "), "abc".split("abc"))
    print("".join(["a"] * 3), "x".join("123"), "abc".find("c"), "aaa".replace("a", "b", -1))
    print(max("abc", "abd", "ab"), min([3, 1], [2, 9]), max((1, "b"), (1, "a")), sorted([[], [0], [-1, 5]]))
    print(str(1e-7), str(123456789.123456789), str(1e21), str(1e20), str(-1.5e-300), str(0.1 + 0.7))
    print(1 < 2.5 < 3 != 4.0, 3 == 3.0 == True + 2, "abc" != "abd" < "b")
    print([1, 2] + [3], (1,) + (2,), "a" + "b" * 2, -(-(-1)), not not not 0)
    print(len("\u00e9\u0301"), "é" == "e\u0301", "Ä".lower(), "ñ".upper())
    d = {}
    d[1] = "a"
    d[1.0] = "b"
    d[True] = "c"
    print(d, list(d.items()), 1.0 in d, 2 in d)
    l = [3, 1, 2]
    l.sort()
    l.insert(-1, 9)
    l.insert(0, l.pop())
    print(l, l.index(9), l.count(3), l[::-1], l[-2:], l[:-2])
    print(int("-0"), int("007"), float("0.0000001"), float("1e-7") == 1e-7, float("   3.5\n"))
    print(isinstance(True, (str, int)), isinstance(1.0, int), [i for i in range(10) if i % 2][::2])
    print("end", end="")
