# ZeroDivisionError from float modulo by zero.
def main():
    print(7.5 % 0)
