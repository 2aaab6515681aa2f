# raise ZeroDivisionError() with an empty message.
def main():
    raise ZeroDivisionError()
