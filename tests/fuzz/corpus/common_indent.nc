    # Common leading indentation is removed, as inside a test string.
    def helper(x):
        return x * 2

    def main():
        print("indented source", helper(21))
