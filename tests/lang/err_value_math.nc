# ValueError: math domain error.
import math

def main():
    print(math.sqrt(4))
    print(math.sqrt(-1))
