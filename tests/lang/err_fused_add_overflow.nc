# a + b + 1 with ints: the second + overflows 64 bits (OverflowError).
def main():
    a = 9223372036854775800
    b = 6
    print(a + b + 1)
    b = 7
    print(a + b + 1)
