# Deviation: 2 ** 63 does not fit in int64.
def main():
    print(2 ** 62)
    print(2 ** 63)
