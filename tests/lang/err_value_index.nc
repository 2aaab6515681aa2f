# ValueError: list.index of a missing item.
def main():
    a = ["x", "y"]
    print(a.index("y"))
    print(a.index("z"))
