# IndexError: list index out of range.
def main():
    a = [1, 2, 3]
    print(a[2], a[-3])
    print(a[3])
