# Unsupported: from-import.
from math import sqrt

def main():
    return 1
