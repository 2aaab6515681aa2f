# Syntax error: an expression that ends too early.
def main():
    x = 1 +
    return x
