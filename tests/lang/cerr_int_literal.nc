# An int literal outside 64 bits.
def main():
    return 9223372036854775808
