# ValueError: too many values to unpack.
def main():
    a, b = [1, 2]
    print(a, b)
    a, b = [1, 2, 3]
