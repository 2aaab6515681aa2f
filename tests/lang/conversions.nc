# int(), float(), str(), bool(), list(), tuple(), dict() conversions.
def main():
    print(int("42"), int("  -7 "), int("+3"), int("ff", 16), int("777", 8), int("101", 2))
    print(int("z", 36), int("-FF", 16), int(" 12 "), int(3.99), int(-3.99), int(True), int())
    print(float("1.5"), float(" -2 "), float("1e3"), float("inf"), float("-inf"), float("nan"))
    print(float(7), float(True), float(), float(".5"), float("5."))
    print(str(12), str(-0.5), str(""), str(), str([1, "x"]), str({"a": (1,)}), str(None))
    print(bool("False"), bool(0.0), int("0"), str(int("-0")), str(float("-0")))
    print(list("ab"), tuple([1]), dict({"a": 1}), list({"x": 1}.items()), tuple(range(2)))
    print(int(1e10), int(-1e-10), int(2 ** 53 + 0.0), float(2 ** 53 + 1))
