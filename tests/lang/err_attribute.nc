# AttributeError: a method the receiver's type does not have.
def main():
    s = "text"
    print(s.upper())
    print(s.append("x"))
