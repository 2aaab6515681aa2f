# Unsupported: set displays.
def main():
    s = {1, 2, 3}
    return len(s)
