# /= divides in place, and a list with an int raises TypeError naming the
# /= operator.
def main():
    x = 7
    x /= 2
    print(x)
    d = {"k": 9}
    d["k"] /= 3
    print(d)
    a = [1]
    a /= 2
    print(a)
