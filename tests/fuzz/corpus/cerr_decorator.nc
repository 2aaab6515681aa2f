# Unsupported: decorators.
@cache
def f():
    return 1

def main():
    return f()
