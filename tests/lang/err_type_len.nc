# TypeError: object of type 'int' has no len().
def main():
    print(len([1, 2]))
    print(len(42))
