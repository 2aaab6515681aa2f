# Syntax error: unexpected indent.
def main():
    x = 1
        y = 2
    return x
