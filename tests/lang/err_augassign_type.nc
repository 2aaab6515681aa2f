# += on an int with a str raises TypeError naming the += operator.
def main():
    n = 1
    n += "a"
    print(n)
