# d.get(k, 0) where k was never assigned: UnboundLocalError.
def main(flag=False):
    d = {}
    if flag:
        k = "a"
    print(d.get("k", 0))
    return d.get(k, 0)
