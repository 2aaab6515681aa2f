# TypeError: iterating over an int.
def main():
    for x in 5:
        print(x)
