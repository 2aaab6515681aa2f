# TypeError from str.join over a non-str item.
def main():
    print(", ".join(["a", "b"]))
    print(", ".join(["a", 2]))
