# x.get(k, 0) on a list: AttributeError from the general path.
def main():
    d = {"a": 1}
    k = "a"
    print(d.get(k, 0))
    d = [1, 2]
    print(d.get(k, 0))
