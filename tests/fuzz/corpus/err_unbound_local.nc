# UnboundLocalError: a local read before it is assigned.
def f(flag):
    if flag:
        y = 1
    return y

def main():
    print(f(True))
    print(f(False))
