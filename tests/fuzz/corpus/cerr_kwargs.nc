# Unsupported: keyword arguments to a user function.
def f(a, b=2):
    return a + b

def main():
    return f(1, b=3)
