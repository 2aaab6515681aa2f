# for over range (1, 2, 3 arguments), list, tuple, str, dict, items.
def main():
    for i in range(3):
        print(i, end=" ")
    print()
    for i in range(2, 6):
        print(i, end=" ")
    print()
    for i in range(10, 0, -3):
        print(i, end=" ")
    print()
    for i in range(0, -5, -1):
        print(i, end=" ")
    print()
    for i in range(5, 5):
        print("never")
    for x in [1, "a", None]:
        print(x)
    for x in (3.5, True):
        print(x)
    for ch in "héy":
        print(ch)
    d = {"one": 1, "two": 2}
    for k in d:
        print(k, d[k])
    for k, v in d.items():
        print(k, "=", v)
    total = 0
    for n in range(100):
        if n % 2:
            continue
        if n > 10:
            break
        total += n
    print("total", total)
    for i in range(3):
        for j in range(3):
            if j > i:
                break
            print(i, j, sep=",", end=" ")
    print()
    print(list(range(-3)), list(range(1, 10, 4)), len(range(0, 100, 7)), list(range(3, -3, -2)))
    last = -1
    for last in range(4):
        pass
    print("last", last)
