# TypeError: unsupported operand types.
def main():
    n = 1
    s = "a"
    print(s * 2)
    print(n + s)
