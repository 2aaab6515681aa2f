# d.get(k, 0) and d[k] = v with an unhashable key: TypeError.
def main():
    d = {"a": 1}
    k = "a"
    d[k] = d.get(k, 0) + 1
    print(d)
    k = [1]
    d[k] = d.get(k, 0) + 1
