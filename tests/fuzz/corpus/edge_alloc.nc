def main():
    x = [0] * 1000000000
    s = 'x' * 100000000000
    d = {}
    i = 0
    while True:
        d[i] = [i] * 100
        i += 1
