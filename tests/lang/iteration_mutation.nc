# Iterators over lists see changes made during the loop, as CPython's do
# (they walk by index); dict views are live.
def main():
    l = [1, 2, 3, 4, 5]
    for x in l:
        print(x, end=" ")
        if x == 2:
            l.pop(0)
    print(l)
    m = [1, 2, 3]
    for x in m:
        if len(m) < 6:
            m.append(x * 10)
    print(m)
    d = {"a": 1}
    keys = d.keys()
    items = d.items()
    d["b"] = 2
    d.pop("a")
    print(keys, items, list(d.values()), len(keys))
    e = enumerate(m)
    m.append(99)
    print(list(e)[-1])
    r = reversed(m)
    print(next_of(r))
    z = zip(m, "ab")
    print(list(z))

def next_of(it):
    for v in it:
        return v
