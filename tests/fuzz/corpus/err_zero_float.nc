# ZeroDivisionError from float division and float modulo.
def main():
    x = 2.5
    print(x % 1.0)
    print(x / 0.0)
