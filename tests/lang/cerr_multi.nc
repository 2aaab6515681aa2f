# Several errors are reported in one run, in source order.
import socket

def main():
    a = undefined_one
    b = lambda: 0
    return a + b + undefined_two

def helper(x):
    return helper(x, x)
