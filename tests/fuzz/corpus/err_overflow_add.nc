# Deviation: incrementing the largest int raises OverflowError.
MAX = 9223372036854775807

def main():
    n = MAX - 2
    while True:
        n += 1
        print(n)
