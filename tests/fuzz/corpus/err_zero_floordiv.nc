# ZeroDivisionError from integer floor division.
def main():
    n = 10
    d = 0
    print(n // 3)
    return n // d
