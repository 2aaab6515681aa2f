# ValueError: not enough values to unpack.
def main():
    for k, v in [("a", 1), ("b",)]:
        print(k, v)
