# The interpreter's fused instruction sequences (nbc_vm.c): chains of
# + over strs and str() of ints, list.append, dict.get and stores with str
# keys, for loops and constants before locals, with every operand type
# their fast paths leave to the general path.
def concat(a, b, x):
    print(a + str(x) + ";", str(x) + "!", a + str(x))
    print(a + b + "k", a + b + "")
    return a + str(x) + "|" + b


def main():
    parts = []
    for i in range(-3, 12):
        parts.append("item" + str(i) + ";")
    print("".join(parts))
    print(concat("a", "b", 7), concat("", "", 0))
    print(concat("é", "ü", -42), len(concat("é", "ü", -42)))
    print(concat("x", "y", True), concat("x", "y", 2.5))
    print(concat("x", "y", "s"), concat("x", "y", [1, 2]))
    print(concat("x", "y", None), concat("x", "y", (1,)))
    big = -9223372036854775807 - 1
    print("n=" + str(big) + ".", str(9223372036854775807) + "")
    # + chains of other types
    a = 3
    b = 4
    print(a + b + 1, a + b + 1.5, 1.5 + 2.5 + 1, True + True + 1)
    t = (1,)
    print(t + (2,) + (3,), [1] + [2] + [3, 4])
    s = "é"
    u = "ü" * 3
    w = s + u + "ñ"
    print(w, len(w), w[4], w[-1], w.upper())
    # long strings keep appending in place
    line = ""
    for i in range(300):
        line = line + "ab" + "c"
        line = line + str(i) + ","
    print(len(line), line[:20], line[-20:])
    longer = line + line + "end"
    print(len(longer), longer[-6:])
    # dict.get and stores with str keys, the remembered entry, other keys
    counts = {}
    words = ["a", "b", "a", "c", "b", "a", "dé", "dé"]
    for r in range(3):
        for k in words:
            counts[k] = counts.get(k, 0) + 1
    print(counts)
    other = {"a": 100}
    for k in words:
        other[k] = counts.get(k, -1) + other.get(k, 0)
        counts[k] = other.get(k, 0)
    print(other, counts)
    print(counts.pop("a"), counts.get("a", "gone"))
    counts["a"] = 5
    k = "a"
    print(counts.get(k, 0), counts, list(counts))
    n = {}
    for key in [1, 2, 1, True, 2.0, (1, 2), (1, 2), "1"]:
        n[key] = n.get(key, 0) + 1
    print(n)
    # d[k] = d.get(k, default) + step with values that are not ints
    m = {"f": 0.5, "s": "x", "b": True, "l": [1]}
    for key in ["f", "s", "b", "l", "new", "f"]:
        if key == "s":
            m[key] = m.get(key, "") + "y"
        elif key == "l":
            m[key] = m.get(key, []) + [2]
        elif key == "new":
            m[key] = m.get(key, 0.25) + 1
            m[key] = m.get(key, 0) + 2
        else:
            m[key] = m.get(key, 0) + 1
    print(m)
    for key in ["f", "new", "zz"]:
        m[key] = m.get(key, 10) + -3
    q2 = "new"
    print(m, m["f"], m["zz"], m[q2])
    big = {"max": 9223372036854775806}
    q = "max"
    big[q] = big.get(q, 0) + 1
    print(big)
    none = None
    print(n.get(none, "dflt"), n.get(k, None))
    lst = [0, 0, 0]
    for i in range(3):
        j = -1 - i
        lst[j] = i
        lst[i] = lst[i] + 10
    print(lst)
    # append on lists that grow, and on the list being iterated
    grow = [1]
    for x in grow:
        if x < 6:
            grow.append(x + 1)
    print(grow)
    # for loops closed by continue, break, nesting; empty iterables
    total = 0
    for i in range(10):
        if i % 2 == 0:
            continue
        for c in "ab":
            if i > 7:
                break
            total = total + i
    for e in []:
        total = total + 1000
    for ch in "":
        total = total + 1000
    for kk in {"p": 1, "q": 2}:
        total = total + len(kk)
    print(total)
    return len(parts)
