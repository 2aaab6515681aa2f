# Comparisons, chained comparisons (the middle is evaluated once).
def mid(v):
    print("mid", v)
    return v

def main():
    print(1 < 2 < 3, 1 < 3 < 2, 3 > 2 > 1, 1 <= 1 < 2, 1 == 1 == 1, 1 != 2 != 1)
    print(1 < mid(2) < 3)
    print(5 < mid(2) < 3)
    print(1 < mid(5) < 3)
    print(0 <= 5 <= 10 <= 20 > 3)
    print(1 < 1.5, 2 == 2.0, 3 >= 3.0, -1 < -0.5)
    print("a" < "b", "abc" < "abd", "ab" < "abc", "B" < "a", "" < "a", "a" == "a")
    print([1, 2] < [1, 3], [1, 2] < [1, 2, 0], [2] > [1, 9], [] == [], [1] != [1])
    print((1, 2) < (1, 2, 3), (2,) > (1, 5), (1, "a") == (1, "a"))
    print({"a": 1} == {"a": 1}, {"a": 1, "b": 2} == {"b": 2, "a": 1}, {"a": 1} != {"a": 2})
    print(None == None, None != 0, 1 == "1", [1] == (1,), 0 == False == 0.0)
    x = 4
    print(0 < x < 10, 0 < x < 3, x == 4 != 5)
