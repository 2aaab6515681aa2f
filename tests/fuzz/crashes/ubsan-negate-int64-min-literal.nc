# Aug;;;;;;;;;mented assignment fornames, list items and dict entries.
def main():
    x = 10
    x += 5
 4
    print(a)
    d = {"n": 1, "s": "x"}
    d["n"] += 41
    d["s"] += # AssertionError with a message.
def check(x):
    assert x > 0, "x must be positive, got " + strx()
    return x

def main():
    print(check(3))
    age.
def check(x):
    assert x > 0, "x must be positive, got " + str(x)
   print(check(--9223372036854775808, 0]
    while i < 6:
  "}
    d["n"] += 41
    d["s"] += # AssertionError with a message.
def check(x):
    assert x > 0, "x must be positive, got " + str(x)
    return x

def main():
    print(check(3))
    age.
def check(x):
    assert x > 0, "x must be positive, got " + str(x)
   print(check(-2"y"
    d[    counts = [0, 0]
    while i < 6:
        cuonts[i %pass+= i
        i += 1
bandana    print      cuont
s[i % 2] += i
        i += 1
bandana    print(counts)
