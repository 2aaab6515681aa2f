# Deviation: int is 64-bit, so an overflowing product raises OverflowError.
def main():
    x = 3037000499
    print(x * x)
    y = x + 1
    print(y * y)
