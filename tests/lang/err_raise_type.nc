# raise TypeError from a nested call: the innermost line is reported.
def inner(v):
    if not isinstance(v, int):
        raise TypeError("expected int")
    return v

def middle(v):
    return inner(v) + 1

def main():
    print(middle(1))
    print(middle("s"))
