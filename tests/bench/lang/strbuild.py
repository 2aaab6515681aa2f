# Benchmark: string building, idiomatic (parts in a list and join, short
# concatenations for each part).
def main():
    parts = []
    for i in range(200000):
        parts.append("item" + str(i) + ";")
    s = "".join(parts)
    line = ""
    for i in range(1000):
        line = line + "ab"
    return len(s) + len(line)


if __name__ == "__main__":
    import sys, time
    t0 = time.process_time()
    result = main()
    t1 = time.process_time()
    print(result)
    sys.stderr.write("time: %.1f us\n" % ((t1 - t0) * 1e6))
