# //= floors ints and floats, and a str with an int raises TypeError naming
# the //= operator.
def main():
    x = -7
    x //= 2
    y = 7.5
    y //= 2
    print(x, y)
    s = "ab"
    s //= 2
    print(s)
