# Benchmark: build a list of 300,000 items, then loop over it 5 times.
N = 300000

def main():
    items = []
    for i in range(N):
        items.append(i)
    total = 0
    for r in range(5):
        for x in items:
            if x % 3 == 0:
                total += x
            else:
                total -= 1
    return total


if __name__ == "__main__":
    import sys, time
    t0 = time.process_time()
    result = main()
    t1 = time.process_time()
    print(result)
    sys.stderr.write("time: %.1f us\n" % ((t1 - t0) * 1e6))
