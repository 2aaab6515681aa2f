# -= counts down ints and floats, and an int with a str raises TypeError
# naming the -= operator.
def main():
    i = 10
    f = 2.5
    while i > 0:
        i -= 3
        f -= 0.5
    print(i, f)
    n = 1
    n -= "a"
    print(n)
