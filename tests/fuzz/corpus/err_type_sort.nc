# TypeError from sorting values of mixed types.
def main():
    a = [3, "x", 1]
    a.sort()
