# d[k] = d.get(k, 0) + 1 where the value is a str: TypeError.
def main():
    d = {"a": 1, "b": "x"}
    for k in ["a", "b"]:
        d[k] = d.get(k, 0) + 1
        print(d)
