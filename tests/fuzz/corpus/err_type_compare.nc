# TypeError: ordering comparison between int and str.
def main():
    print(sorted([3, 1]))
    print(1 < "2")
