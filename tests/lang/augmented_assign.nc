# Augmented assignment on names, list items and dict entries.
def main():
    x = 10
    x += 5
    x -= 3
    x *= 4
    x //= 5
    x %= 7
    print(x)
    y = 7
    y /= 2
    print(y)
    f = 2.5
    f //= 1
    print(f)
    s = "ab"
    s += "cd"
    s *= 2
    print(s)
    a = [1, 2, 3]
    a[0] += 10
    a[-1] *= 3
    a[1] -= 5
    a[2] //= 2
    a[0] %= 4
    print(a)
    d = {"n": 1, "s": "x"}
    d["n"] += 41
    d["s"] += "y"
    d["n"] /= 4
    print(d)
    grid = [[1, 2], [3, 4]]
    grid[1][0] += 100
    print(grid)
    l = [1]
    alias = l
    l += [2, 3]
    print(l, alias, l is alias)
    t = (1,)
    t2 = t
    t += (2,)
    print(t, t2)
    i = 0
    counts = [0, 0]
    while i < 6:
        counts[i % 2] += i
        i += 1
    print(counts)
