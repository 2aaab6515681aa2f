# %= on ints, floats and str formatting, and an int with a str raises
# TypeError naming the %= operator.
def main():
    total = 0
    i = 0
    while i < 20:
        j = i
        j %= 7
        total += j
        i += 1
    f = 7.5
    f %= 2
    s = "n=%d"
    s %= 5
    print(total, f, s)
    n = 1
    n %= "a"
    print(n)
