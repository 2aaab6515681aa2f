# round: banker's rounding, ndigits, ints, negative ndigits.
def main():
    print(round(0.5), round(1.5), round(2.5), round(-0.5), round(-1.5), round(3.7), round(-3.7))
    print(round(2.675, 2), round(1.005, 2), round(0.125, 2), round(0.375, 2), round(3.14159, 3))
    print(round(1234.5678, -2), round(1250, -2), round(1350, -2), round(-1250, -2), round(15, -1))
    print(round(7), round(-7), round(True), round(1e15 + 0.5), round(2.5, 0), round(-0.4))
    print(round(123.456, 1), round(-123.456, 1), round(0.1 + 0.2, 10), round(5.0, 1))
    print(type_of(round(2.5)), type_of(round(2.5, 0)), round(12, 1), round(1e-20, 5))

def type_of(v):
    if isinstance(v, int):
        return "int"
    return "float"
