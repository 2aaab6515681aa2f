# while loops with break and continue, nested.
def main():
    i = 0
    while i < 5:
        print("i", i)
        i += 1
    n = 27
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    print("collatz steps", steps)
    k = 0
    while True:
        k += 1
        if k % 2 == 0:
            continue
        if k > 9:
            break
        print("odd", k)
    a = 0
    while a < 3:
        b = 0
        while b < 3:
            if b == a:
                b += 1
                continue
            print(a, b, end="; ")
            b += 1
        a += 1
    print()
    while False:
        print("never")
    items = [1, 2, 3]
    while items:
        print("pop", items.pop())
