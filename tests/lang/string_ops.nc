# String concatenation, repetition, comparison, str() and len.
def main():
    a = "foo"
    b = "bar"
    print(a + b, a * 3, 3 * b, a * 0, a * -1, "" * 10, len(a + b))
    c = a
    c += "!"
    c *= 2
    print(c, a)
    print(str(42) + "x", str(-1.5), str(None), str(True), str([1, "a"]), str((1,)))
    print("abc" < "abd", "Z" < "a", "é" > "z", max("hello"), min("hello"))
    s = ""
    for i in range(5):
        s += str(i)
    print(s, len(s), s[2])
    print("x" in "xyz", "xy" + "z" == "xyz")
