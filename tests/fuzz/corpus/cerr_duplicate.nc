# A function defined twice.
def f():
    return 1

def f():
    return 2

def main():
    return f()
