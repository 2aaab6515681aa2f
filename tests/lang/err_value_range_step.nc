# ValueError: range() arg 3 must not be zero.
def main():
    for i in range(0, 5, 0):
        print(i)
