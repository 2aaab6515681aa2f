# Benchmark: counting words in a dict (300,000 lookups over 1,000 keys).
def main():
    keys = []
    for i in range(1000):
        keys.append("k" + str(i * 7919 % 1000))
    counts = {}
    for r in range(300):
        for k in keys:
            counts[k] = counts.get(k, 0) + 1
    return len(counts) + counts["k7"]


if __name__ == "__main__":
    import sys, time
    t0 = time.process_time()
    result = main()
    t1 = time.process_time()
    print(result)
    sys.stderr.write("time: %.1f us\n" % ((t1 - t0) * 1e6))
