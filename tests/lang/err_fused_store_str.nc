# o[k] = v on a str: TypeError (no item assignment).
def main():
    o = {"x": 1}
    k = "x"
    o[k] = 2
    print(o)
    o = "text"
    o[k] = 3
