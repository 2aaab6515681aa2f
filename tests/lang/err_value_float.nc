# ValueError: could not convert string to float.
def main():
    print(float("1.5"))
    print(float("one"))
