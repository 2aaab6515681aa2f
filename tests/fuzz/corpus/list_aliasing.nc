# References: aliasing, copies, nested mutation through function arguments.
def add_item(lst, item):
    lst.append(item)

def replace_item(d, k):
    d[k] = "replaced"

def rebind(lst):
    lst = [0]
    return lst

def main():
    a = [1, 2]
    add_item(a, 3)
    print(a)
    b = rebind(a)
    print(a, b)
    d = {"k": "v"}
    replace_item(d, "k")
    print(d)
    outer = [[1], [2]]
    inner = outer[0]
    inner.append(10)
    shallow = outer.copy()
    shallow[1].append(20)
    shallow.append([3])
    print(outer, shallow)
    m = {"x": [1]}
    n = m.copy()
    n["x"].append(2)
    n["y"] = 0
    print(m, n)
    c = a[:]
    c.append(99)
    print(a, c)
