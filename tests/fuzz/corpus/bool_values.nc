# bool is an int subtype: arithmetic, comparisons and truthiness.
def main():
    print(True, False, not True, not False, not 0, not 1, not "")
    print(True + True, True * 10, False - 1, True / 2, True // 1, -True)
    print(True == 1, False == 0, True == 1.0, True is True, 1 == True)
    print(bool(0), bool(1), bool(-1), bool(0.0), bool(0.1), bool(""), bool("a"))
    print(bool([]), bool([0]), bool(()), bool((0,)), bool({}), bool({0: 0}), bool(None))
    print(bool(), True < 2, False < True, max(True, 0), min(False, -1))
    print(sum([True, True, False]), str(True), [False], int(True), float(False))
    print([True, False], (True,), {True: "yes", False: "no"})
    d = {1: "one"}
    d[True] = "true"
    print(d, len(d))
