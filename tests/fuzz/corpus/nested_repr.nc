# repr and str of nested containers, empty containers, print of each.
def main():
    print([], (), {}, [[]], [()], ({},), {"a": []}, ("",))
    print([1, [2, [3, [4, []]]]], (1, (2, (3,))), {"k": {"n": {"m": None}}})
    print(["s", 's"q', "it's"], ("a",), {"key": "value", 1: 2.0, None: True, (1, 2): [3]})
    print(str([1, "a"]), [[1, "a"]], str("a"), ["a"], str(("x", 1)), [{"k": "v"}])
    print([1.0, -0.0, 1e16, float("inf")], (None, False), [[1, 2], [3, 4]])
    d = {"list": [1, 2], "tuple": (3,), "dict": {"x": (1, [2])}, "str": "s\n"}
    print(d)
    print(list(d.keys()), d.values(), d.items())
    l = [1]
    l.append(l)
    print(l, [l, l])
    m = {"self": 0}
    m["self"] = m
    print(m)
