# Functions, builtins and modules are not values; unknown methods.
import math

def helper():
    return 1

def main():
    f = helper
    g = len
    m = math
    return [1].push(2)
