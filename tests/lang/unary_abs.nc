# Unary operators and abs for every numeric type.
def main():
    print(-5, +5, -(-5), --5, -+-5, not 5, not not 5)
    print(-2.5, +2.5, -0.0, +(-0.0), -True, +False, not None)
    print(abs(-3), abs(3), abs(-2.5), abs(0.0), abs(-0.0), abs(True), abs(False), abs(-1e308))
    x = 7
    print(-x * 2, -x ** 2, (-x) ** 2, abs(-x) - x, -abs(x))
    print(abs(float("-inf")), -float("inf"))
