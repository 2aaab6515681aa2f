# IndexError: string index out of range.
def main():
    s = "abc"
    i = 0
    while True:
        print(s[i])
        i += 1
