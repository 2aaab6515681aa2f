# Calling a module function with the wrong number of arguments.
def add(a, b):
    return a + b

def main():
    return add(1, 2, 3)
