# Benchmark: recursive fib(27) (function calls, integer arithmetic).
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)

def main():
    return fib(27)


if __name__ == "__main__":
    import sys, time
    t0 = time.process_time()
    result = main()
    t1 = time.process_time()
    print(result)
    sys.stderr.write("time: %.1f us\n" % ((t1 - t0) * 1e6))
