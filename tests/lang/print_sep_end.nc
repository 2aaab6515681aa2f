# print with several values, sep= and end=.
def main():
    print()
    print("a", "b", "c")
    print("a", "b", "c", sep="-")
    print("a", "b", sep="")
    print("no newline", end="")
    print(" then this", end="!\n")
    print(1, 2.5, None, True, [1], (2,), {"a": 1}, "s", sep=" | ")
    print("x", end="")
    print()
    print(sep=",", end="END\n")
    print("multi", "line", sep="\n")
    print(None)
    print("")
    print("trailing", end=" ")
    print("space")
    sep = ", "
    print(1, 2, 3, sep=sep, end=".\n")
