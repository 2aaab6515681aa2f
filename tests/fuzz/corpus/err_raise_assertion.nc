# raise AssertionError explicitly, with a message built at run time.
def main():
    n = 3
    print("n is", n)
    raise AssertionError("n should be " + str(n + 1))
