# Augmented assignment on lists is in place (CPython's list.__iadd__ and
# __imul__): every name and container holding the list sees the change;
# on ints, floats, strs and tuples += and *= build a new value.
def show(label, value):
    print(label, value)

def main():
    a = [1]
    b = a
    a += [2]
    show("alias +=", b)
    print(a is b)
    a += (3, 4)
    a += "xy"
    a += range(5, 7)
    a += {"k": 1}
    show("iterables", b)
    a += a
    show("self +=", b)
    d = {"k": [0]}
    inner = d["k"]
    d["k"] += [1]
    d["k"] += (2,)
    show("dict item", inner)
    print(d["k"] is inner)
    rows = [[1], [2]]
    first = rows[0]
    rows[0] += [10]
    rows[0] *= 2
    show("list item", first)
    c = [1, 2]
    e = c
    c *= 3
    show("*= 3", e)
    c *= 1
    show("*= 1", e)
    c *= True
    show("*= True", e)
    c *= 0
    show("*= 0", e)
    print(c is e, len(e))
    g = [5, 6]
    h = g
    g *= -2
    show("*= -2", h)
    g += []
    show("empty", h)
    n = 3
    m = n
    n += 4
    n *= 2
    show("int", [n, m])
    f = 1.5
    f += 2
    f *= 2.0
    show("float", f)
    s = "ab"
    t = s
    s += "cd"
    s *= 2
    show("str", [s, t])
    u = (1,)
    v = u
    u += (2,)
    u *= 2
    show("tuple", [u, v])
    k = 2
    k *= [7]
    show("int *= list", k)
    total = 0
    for i in range(10):
        total += i
    show("loop", total)
