# "a" + str(i) + 1: the constant of the chain is not a str.
def main():
    for i in range(2):
        print("a" + str(i) + 1)
