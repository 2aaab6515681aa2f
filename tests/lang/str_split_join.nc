# split with and without separator and maxsplit; join.
def main():
    print("a b  c".split(), "  lead and trail  ".split(), "".split(), "   ".split())
    print("a,b,,c".split(","), ",".split(","), "".split(","), "abc".split("b"))
    print("a--b--c".split("--"), "a b c d".split(" ", 2), "a,b,c".split(",", 1))
    print("x\ty\nz".split(), "one two".split(None, 1), "a b c".split(" ", 0))
    print("-".join(["a", "b", "c"]), "".join([]), ", ".join(["x"]), "".join(["a", "b"]))
    print(" ".join("abc"), "+".join(("1", "2")), "|".join({"k": 1, "j": 2}))
    words = "the quick brown fox".split()
    print(len(words), words[-1], "_".join(words).upper())
    line = "name=value=extra"
    parts = line.split("=", 1)
    print(parts[0], parts[1])
