# AssertionError with a message.
def check(x):
    assert x > 0, "x must be positive, got " + str(x)
    return x

def main():
    print(check(3))
    print(check(-2))
