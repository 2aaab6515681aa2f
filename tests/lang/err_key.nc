# KeyError with the repr of the missing key.
def lookup(d, k):
    return d[k]

def main():
    d = {"present": 1}
    print(lookup(d, "present"))
    print(lookup(d, "missing"))
