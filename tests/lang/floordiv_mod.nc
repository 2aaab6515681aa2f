# Floor division and modulo take the sign of the divisor, ints and floats.
def main():
    for a in [7, -7, 0, 6, -6]:
        for b in [2, -2, 3, -3]:
            print(a, b, a // b, a % b)
    for a in [7.5, -7.5, 0.0, -0.0]:
        for b in [2.0, -2.0, 0.5]:
            print(a, b, a // b, a % b)
    print(7 // 2.0, -7 // 2.0, 7 % 2.5, -7 % 2.5, 1 % -3.0)
    print(-1 % 5, -1 // 5, 1 // -5, 1 % -5)
    print(1e300 % 7, -1e-300 % 1.0, 5 % 1e308)
