# Unsupported: nested functions and nonlocal.
def main():
    count = 0
    def bump():
        nonlocal count
        count += 1
    return count
