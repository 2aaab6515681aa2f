# Float arithmetic, mixing ints and floats, true division, powers.
def main():
    a = 7.5
    b = 2
    print(a + b, a - b, a * b, a / b, a // b, a % b, a ** b)
    print(b ** -2, 2 ** 0.5, 4 ** 0.5, (-8) ** 2, 10 ** -3)
    print(1 / 2, 3 / 1, -3 / 2, 0 / 5, 5 / -2)
    print(0.1 * 3 == 0.3, abs(0.1 * 3 - 0.3) < 1e-9)
    print(1.0 == 1, 2.5 > 2, -0.0 == 0.0, float(3) / 2)
    total = 0.0
    for i in range(10):
        total += 0.1
    print(total, round(total, 2), int(total), int(-2.7), int(2.7))
    print(1e308 * 10 > 1e308, -1e308 * 10 < 0)
    x = 3.0
    x += 1
    x *= 2.5
    x -= 0.5
    x /= 4
    print(x)
