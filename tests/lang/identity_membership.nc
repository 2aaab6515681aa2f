# is / is not, in / not in over every container.
def main():
    x = None
    one = 1
    print(x is None, x is not None, one is not None, None is None)
    a = [1, 2]
    b = a
    c = [1, 2]
    print(a is b, a is c, a == c, a is not c)
    print(True is True, False is not True)
    print(2 in [1, 2, 3], 5 in [1, 2, 3], 5 not in [1, 2, 3], 2.0 in [1, 2])
    print("b" in "abc", "bc" in "abc", "x" not in "abc", "" in "abc")
    print(1 in (1, 2), (1, 2) in [(1, 2), 3], [1] in [[1], [2]])
    d = {"k": 1, 2: "two"}
    print("k" in d, 1 in d, 2 in d, "two" in d, "two" in d.values(), ("k", 1) in d.items())
    print(3 in range(5), 5 in range(5), 4 in range(0, 10, 2), 5 in range(0, 10, 2), -1 in range(-5, 0))
    print("k" in d.keys(), True in [1], 1 in [True])
