# A name used but never defined is a compile error (stricter than Python).
def main():
    x = 1
    return x + y
