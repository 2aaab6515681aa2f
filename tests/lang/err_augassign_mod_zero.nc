# %= by zero raises ZeroDivisionError with the % operator's message.
def main():
    x = 9
    x %= 4
    print(x)
    x %= 0
    print(x)
