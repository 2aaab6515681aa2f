# Integer arithmetic: every operator, precedence and associativity.
def main():
    a = 17
    b = 5
    print(a + b, a - b, a * b, a / b, a // b, a % b, a ** 2)
    print(-a, +a, -(-a), - -a)
    print(2 + 3 * 4, (2 + 3) * 4, 2 ** 3 ** 2, (2 ** 3) ** 2)
    print(-2 ** 2, (-2) ** 2, 2 ** -1, 10 ** 0, 0 ** 0)
    print(100 - 10 - 1, 100 // 10 // 3, 2 * 3 % 4, 7 % 4 * 3)
    print(1 + 2 - 3 + 4 - 5, 6 / 3, 7 / 2, 1 / 4)
    print(0 * -1, 0 - 0, 12345678 * 87654321)
    x = 0
    for i in range(1, 11):
        x = x + i * i
    print("sum of squares", x)
    print(3 * (4 + 5) - 6 // 2 ** 1 + 8 % 3)
    return a * b - 1
