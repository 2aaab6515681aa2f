# Tuples: displays, one-element tuples, nesting, operations.
def main():
    t = (1, "two", 3.0)
    print(t, t[0], t[-1], len(t), (), (1,), ((1, 2), (3,)), tuple())
    u = t + (4,)
    print(u, (0,) * 3, 2 * (1, 2), (1, 2) == (1, 2), tuple([1, 2]), tuple("ab"))
    x = 1, 2
    print(x, type_name(x))
    a, b, c = t
    print(a, b, c)
    print(max((3, 9, 2)), sum((1, 2, 3)), min(t[0], t[2]), 3.0 in t)
    nested = (1, [2, 3], {"k": (4,)})
    nested[1].append(5)
    print(nested)
    print(tuple(range(4)), tuple({"a": 1}), (1, 2) < (1, 3))

def type_name(v):
    if isinstance(v, tuple):
        return "tuple"
    return "other"
