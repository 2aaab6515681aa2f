# Deviation: a sum beyond int64 raises OverflowError inside the builtin.
BIG = 4611686018427387904

def main():
    print(sum([BIG - 1, BIG]))
    print(sum([BIG, BIG]))
