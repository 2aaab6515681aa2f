# int is 64-bit: values at the edges stay exact, as in CPython.
MAX = 9223372036854775807
MIN = -9223372036854775807 - 1

def main():
    print(MAX, MIN)
    print(MAX - 1, MIN + 1, -MAX)
    print(MAX // 2, MIN // 2, MAX % 10, MIN % 10)
    print(MAX // -1, (MIN + 1) // -1)
    print(2 ** 62, 2 ** 62 - 1 + 2 ** 62, -(2 ** 62) - 2 ** 62)
    print(0x7fffffffffffffff == MAX, -0x7fffffffffffffff - 1 == MIN)
    print(abs(MIN + 1), abs(-5), 3037000499 * 3037000499)
    print(MAX > MIN, MAX == 9_223_372_036_854_775_807)
    print(float(MAX), float(MIN), int(1e18), int(-1e18))
    print(MAX / 1, MIN / 2)
    print(0xff, 0o17, 0b1011, 0XAB, 0O7, 0B1, 1_000_000, 0x_ff)
