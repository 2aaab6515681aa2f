# d[k] = d.get(k, 0) + 1 past the 64-bit range: OverflowError at the +.
def main():
    d = {"a": 9223372036854775806}
    k = "a"
    for i in range(3):
        d[k] = d.get(k, 0) + 1
        print(d)
