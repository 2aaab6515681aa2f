# Every dict method: get keys values items pop update copy.
def main():
    d = {"a": 1, "b": 2}
    print(d.get("a"), d.get("z"), d.get("z", 0), d.get("b", 99))
    print(d.keys(), d.values(), d.items())
    print(list(d.keys()), list(d.values()), list(d.items()))
    print(d.pop("a"), d, d.pop("zz", "default"), d.pop("b", None), d)
    d.update({"x": 10, "y": 20})
    d.update({"x": 11})
    d.update([("p", 1), ("q", 2)])
    print(d, len(d))
    e = d.copy()
    e["new"] = True
    print(d, e)
    keys = d.keys()
    d["late"] = 0
    print(keys, len(keys))
    for k, v in d.items():
        print(k, v)
    for v in d.values():
        print(v, end=" ")
    print()
    print(dict(), dict({"a": 1}), dict([("k", "v"), (1, 2)]), dict([]))
