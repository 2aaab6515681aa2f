# /= by zero raises ZeroDivisionError with the / operator's message.
def main():
    x = 1
    x /= 4
    print(x)
    n = 1
    n /= 0
    print(n)
