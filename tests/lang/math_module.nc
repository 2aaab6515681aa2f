# The math module: sqrt floor ceil fabs pow log exp pi e inf.
import math

def main():
    print(math.sqrt(16), math.sqrt(2), math.sqrt(0), math.sqrt(1e100))
    print(math.floor(2.7), math.floor(-2.7), math.floor(5), math.ceil(2.1), math.ceil(-2.1), math.ceil(7))
    print(math.fabs(-3), math.fabs(2.5), math.pow(2, 10), math.pow(2, -1), math.pow(9, 0.5))
    print(math.log(1), math.log(math.e), math.log(100, 10), math.log(8, 2), math.log(0.5))
    print(math.exp(0), math.exp(1), math.exp(-1), math.exp(2.5))
    print(math.pi, math.e, math.inf, -math.inf, math.inf > 1e308)
    r = 2.0
    print("area", math.pi * r ** 2, round(math.pi, 4), math.floor(math.pi * 100) / 100)
    print(math.floor(-0.5), math.ceil(-0.5), math.sqrt(math.pow(3, 2) + math.pow(4, 2)))
