# ZeroDivisionError from true division.
def ratio(a, b):
    return a / b

def main():
    print(ratio(1, 2))
    print(ratio(1, 0))
    print("not reached")
