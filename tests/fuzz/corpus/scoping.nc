# Python scoping: parameters and assigned names are locals of their function.
LIMIT = 3

def counter(n):
    count = 0
    for i in range(n):
        count += 1
    return count

def uses_constant(x):
    return x + LIMIT

def shadow_param(LIMIT_COPY):
    LIMIT_COPY = LIMIT_COPY * 2
    return LIMIT_COPY

def branch_local(flag):
    if flag:
        value = "set"
    else:
        value = "other"
    return value

def main():
    count = 100
    print(counter(5), count)
    print(uses_constant(1), shadow_param(4), branch_local(True), branch_local(False))
    i = "before"
    for i in range(2):
        pass
    print(i)
    for j in []:
        pass
    k = [n for n in range(3)]
    print(k)
