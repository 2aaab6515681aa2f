# raise with a bare exception name: no message.
def main():
    print("before")
    raise KeyError
