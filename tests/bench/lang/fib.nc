# Benchmark: recursive fib(27) (function calls, integer arithmetic).
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def main():
    return fib(27)
