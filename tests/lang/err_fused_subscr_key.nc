# d[k] with a str key that is not there: KeyError.
def main():
    d = {"a": 1, "b": 2}
    for k in ["a", "b", "c"]:
        print(d[k])
