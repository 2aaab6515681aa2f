# Unsupported: with.
def main():
    with open("f") as f:
        pass
