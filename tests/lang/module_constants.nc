# Module constants: computed once at load, read by functions.
__version__ = "1.2.3"
LIMIT = 10
NAMES = ["ann", "bob"]
TABLE = {"a": 1, "b": LIMIT * 2}
PAIR = (LIMIT, -LIMIT)
RATE = 1 / 8
GREETING = "hi " + NAMES[0].upper()
SQUARES = [i * i for i in range(LIMIT)]
NESTED = {"list": [1, [2, 3]], "tuple": (4, 5)}
FLAG = not LIMIT > 5

def get_limit():
    return LIMIT

def add_name(n):
    names = NAMES
    names.append(n)
    return len(NAMES)

def main():
    print(__version__, LIMIT, NAMES, TABLE, PAIR, RATE, GREETING, FLAG)
    print(SQUARES, NESTED, get_limit() * 2, TABLE["b"], SQUARES[-1])
    print(add_name("cy"), NAMES)
    print(add_name("di"), NAMES, len(NAMES))
    local = TABLE.copy()
    local["c"] = 3
    print(local, TABLE)
