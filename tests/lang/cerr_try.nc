# Unsupported: try/except.
def main():
    try:
        x = 1
    except ValueError:
        x = 2
    return x
