# //= by zero raises ZeroDivisionError with the // operator's message.
def main():
    d = {"k": 9}
    d["k"] //= 2
    print(d)
    d["k"] //= 0
    print(d)
