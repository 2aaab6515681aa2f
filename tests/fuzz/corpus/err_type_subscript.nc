# TypeError: list indices must be integers or slices, not str.
def main():
    a = [1, 2]
    print(a["0"])
