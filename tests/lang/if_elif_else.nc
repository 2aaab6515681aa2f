# if / elif / else, truthiness of every type, nesting.
def classify(n):
    if n < 0:
        return "negative"
    elif n == 0:
        return "zero"
    elif n < 10:
        return "small"
    else:
        return "large"

def main():
    for n in [-3, 0, 7, 42]:
        print(n, classify(n))
    for v in [0, 1, 0.0, 2.5, "", "a", [], [0], (), (0,), {}, {"k": 0}, None, True, False]:
        if v:
            print([v], "truthy")
        else:
            print([v], "falsy")
    x = 5
    if x > 1:
        if x > 3:
            print("x > 3")
        else:
            print("1 < x <= 3")
    if x == 5: print("single line body")
    if x != 5:
        pass
    elif x == 5:
        print("elif taken")
