# IndexError: pop from empty list.
def main():
    a = [1]
    print(a.pop())
    a.pop()
