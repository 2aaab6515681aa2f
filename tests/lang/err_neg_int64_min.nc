# Negating the smallest int64 literal overflows (the int64 deviation):
# the compiler folds -9223372036854775808 but not its negation.
def main():
    print(-9223372036854775808)
    x = - -9223372036854775808
    print("not reached", x)
