# int + str(x): TypeError at the +, after str(x) ran.
def main():
    a = "a"
    for i in range(3):
        print(a + str(i) + ";")
    a = 7
    print(a + str(2) + ";")
