# o[i] = v from two locals: list index out of range, after good stores.
def main():
    o = [0, 0]
    i = 1
    o[i] = 5
    i = -2
    o[i] = 6
    print(o)
    i = 2
    o[i] = 7
