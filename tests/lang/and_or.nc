# and / or return an operand and short-circuit.
def trace(name, v):
    print("eval", name)
    return v

def main():
    print(1 and 2, 0 and 2, 1 or 2, 0 or 2, None or "dflt", "" or [] or 0)
    print([] and 1, [1] and "x", "a" or "b", 0.0 or False)
    print(trace("a", 0) and trace("b", 1))
    print(trace("c", 1) and trace("d", 2))
    print(trace("e", 1) or trace("f", 2))
    print(trace("g", 0) or trace("h", 0))
    print(1 and 2 or 3, 0 and 2 or 3, 1 or 2 and 3, not 1 or 2, not (1 or 2))
    x = 5
    if x > 3 and x < 10 or x == 100:
        print("in range")
    if not (x > 3 and x < 4):
        print("not in narrow range")
    y = None
    name = y or "anonymous"
    print(name)
