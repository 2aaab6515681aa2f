# Unsupported: class.
class Point:
    pass

def main():
    return 0
