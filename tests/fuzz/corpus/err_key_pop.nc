# KeyError from dict.pop without a default; an int key.
def main():
    d = {1: "one"}
    print(d.pop(1))
    d.pop(1)
