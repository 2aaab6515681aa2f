# A chain of + whose last operand is not a str: TypeError at the second +
# (the fused concatenation falls back to the separate additions).
def main():
    a = "a"
    b = "b"
    print(a + b + "c")
    print(a + str(1) + "c")
    n = 5
    print(a + b + n)
