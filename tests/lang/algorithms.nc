# Small whole programs: sieve, binary search, bubble sort, gcd, matrix product.
def sieve(n):
    is_p = [True] * (n + 1)
    is_p[0] = False
    is_p[1] = False
    i = 2
    while i * i <= n:
        if is_p[i]:
            for j in range(i * i, n + 1, i):
                is_p[j] = False
        i += 1
    return [k for k in range(n + 1) if is_p[k]]

def bsearch(a, x):
    lo = 0
    hi = len(a) - 1
    while lo <= hi:
        mid = (lo + hi) // 2
        if a[mid] == x:
            return mid
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid - 1
    return -1

def bubble(a):
    a = a.copy()
    n = len(a)
    for i in range(n):
        for j in range(n - 1 - i):
            if a[j] > a[j + 1]:
                a[j], a[j + 1] = a[j + 1], a[j]
    return a

def gcd(a, b):
    while b:
        a, b = b, a % b
    return a

def matmul(x, y):
    rows = len(x)
    cols = len(y[0])
    out = []
    for i in range(rows):
        row = []
        for j in range(cols):
            s = 0
            for k in range(len(y)):
                s += x[i][k] * y[k][j]
            row.append(s)
        out.append(row)
    return out

def main():
    p = sieve(100)
    print(len(p), p[:10], p[-1])
    print(bsearch(p, 61), bsearch(p, 62), bsearch([], 1))
    print(bubble([5, 2, 9, 1, 5, 6]), bubble([]), bubble(["b", "a"]))
    print(gcd(1071, 462), gcd(17, 5), gcd(0, 9))
    print(matmul([[1, 2], [3, 4]], [[5, 6], [7, 8]]))
    words = "the cat and the hat and the bat".split()
    freq = {}
    for w in words:
        freq[w] = freq.get(w, 0) + 1
    best = sorted([(-c, w) for w, c in freq.items()])
    print(freq, best[0][1], -best[0][0])
