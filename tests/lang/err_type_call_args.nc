# TypeError: a float index into a list.
def main():
    a = [1, 2, 3]
    i = 3 / 3
    print(i)
    print(a[i])
