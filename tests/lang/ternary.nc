# Conditional expressions, nested and as arguments.
def sign(x):
    return "neg" if x < 0 else "zero" if x == 0 else "pos"

def main():
    for v in [-5, 0, 5]:
        print(v, sign(v))
    a = 3
    print("big" if a > 2 else "small", (1 if a else 2) + 10, [a if a % 2 else -a for a in range(4)])
    print(max(1, 2) if True else 0, "x" if "" else "y", None if [] else "empty list is falsy")
    b = a * 2 if a > 0 else a
    print(b)
