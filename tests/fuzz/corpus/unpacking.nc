# Tuple unpacking in assignments and for loops; swaps.
def pair(a, b):
    return b, a

def main():
    a, b = 1, 2
    print(a, b)
    a, b = b, a
    print(a, b)
    x, y = pair("left", "right")
    print(x, y)
    p, q, r = [10, 20, 30]
    print(p + q + r)
    c1, c2 = "hi"
    print(c1, c2)
    for i, v in enumerate(["a", "b"]):
        print(i, v)
    for k, v in [("k1", 1), ("k2", 2)]:
        print(k, v)
    pts = [(1, 2), (3, 4)]
    sx = 0
    sy = 0
    for px, py in pts:
        sx += px
        sy += py
    print(sx, sy)
    k, v = list({"only": 1}.items())[0]
    print(k, v)
    m, n = divmod_like(17, 5)
    print(m, n)

def divmod_like(a, b):
    return a // b, a % b
