# range with one, two and three arguments; len, membership, iteration.
def main():
    print(list(range(5)), list(range(2, 5)), list(range(0, 10, 3)), list(range(10, 0, -4)))
    print(list(range(0)), list(range(-2)), list(range(5, 2)), list(range(2, 5, -1)))
    print(len(range(10)), len(range(1, 10, 2)), len(range(10, 1, -3)), len(range(0)))
    print(sum(range(1, 1001)), max(range(7)), min(range(3, 10)), sorted(range(3, 0, -1)))
    r = range(3)
    for i in r:
        for j in r:
            print(i * j, end=" ")
    print()
    print(range(5), range(1, 5), range(0, 10, 2), list(reversed(range(1, 4))))
