# ValueError: max() of an empty sequence.
def main():
    print(max([1]))
    print(max([]))
