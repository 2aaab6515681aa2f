# x.append(v) as a statement on a dict: AttributeError.
def main():
    x = []
    x.append(1)
    print(x)
    x = {}
    x.append(1)
