# min, max (several arguments or one iterable) and sum (with a start).
def main():
    print(min(3, 1, 2), max(3, 1, 2), min([4, 5, -1]), max((1.5, 2)), min("b", "a"), max("hello"))
    print(min([1, 1.0]), max([1, 1.0]), max(1.0, 1), min(True, 1), max([[1], [0, 5]]), min(2, 2.5))
    print(sum([1, 2, 3]), sum([]), sum([1.5, 2.5]), sum([1, 2], 10), sum(range(101)), sum((0.1, 0.2, 0.3)))
    print(sum([0.1] * 10), sum([], 5), sum([True, 2]), max(range(5)), min(range(3, 9)))
    print(max({"x": 1, "y": 0}), min(["ab", "a", "abc"]), max([-1, -5]), sum([-1, 1.0]))
    print(max(0, -0.0), max(-0.0, 0), min(0.0, -0.0), max([2, 3, 3.0]), max(3.0, 3, 2))
