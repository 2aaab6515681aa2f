# list += takes any iterable, and a non-iterable raises TypeError.
def main():
    a = [1]
    a += "b"
    print(a)
    a += 5
    print(a)
