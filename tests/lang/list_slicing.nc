# Slices of lists and tuples with every combination of bounds and steps.
def main():
    a = list(range(10))
    print(a[2:5], a[:3], a[7:], a[-3:], a[:-7], a[::3], a[::-1], a[8:2:-2])
    print(a[100:200], a[-100:3], a[5:1], a[::-4], a[-1:-4:-1], a[1:-1:4])
    t = (1, 2, 3, 4, 5)
    print(t[1:3], t[::-1], t[:0], t[4:], t[::2])
    b = a[:]
    b[0] = "x"
    print(a[0], b[0], a[2:4] + b[7:], len(a[3:8]))
    s = a[1:8:2]
    print(s, s[::-1][1:])
