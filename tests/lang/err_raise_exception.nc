# raise Exception with an empty call and with a message.
def main():
    x = 0
    if x == 0:
        raise Exception("generic failure")
