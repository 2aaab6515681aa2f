# ZeroDivisionError from integer modulo.
def main():
    values = [5, 3, 0]
    for v in values:
        print(100 % v)
