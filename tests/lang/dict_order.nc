# Dict insertion order, overwriting, re-insertion and key equivalence.
def main():
    d = {}
    d["z"] = 1
    d["a"] = 2
    d["m"] = 3
    print(d)
    d["z"] = 10
    print(d, list(d))
    d.pop("z")
    d["z"] = 100
    print(d)
    n = {1: "int", 1.0: "float", True: "bool"}
    print(n, len(n))
    m = {2: "a"}
    m[2.0] = "b"
    print(m, m[2], 2.0 in m)
    t = {(1, 2): "pair", (): "empty", "s": [1, 2], None: None, -1: -1.5}
    print(t, t[(1, 2)], t[()], t[None])
    counts = {}
    for ch in "mississippi":
        counts[ch] = counts.get(ch, 0) + 1
    print(counts)
    big = {}
    for i in range(100):
        big[i * 7 % 101] = i
    print(len(big), list(big)[:10], big[7], big[0])
    for i in range(0, 100, 2):
        big.pop(i * 7 % 101)
    print(len(big), list(big)[:5])
