# IndexError: list assignment index out of range.
def main():
    a = [0] * 3
    a[-1] = 5
    print(a)
    a[3] = 1
