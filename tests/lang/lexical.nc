# Lexical forms: comments, line joining in brackets, backslash continuation,
# number literals, semicolon-free statements, blank lines.

def main():   # a comment after a colon
    total = (1 +
             2 +   # inside brackets
             3)
    values = [
        1,
        2,
    ]
    mapping = {
        "a": 1,
        "b": 2,
    }
    long = 1 + \
        2
    print(total, values, mapping, long)
    print(0x10, 0o10, 0b10, 1_0, 0xdead_beef, 1.5, .5, 5., 1e3, 1E-3, 2.5e+2, 1_0.0_1)
    print(True, False, None, 'single', "double", '''tri''', """tri""")

    # blank lines and comments between statements

    x = [1, 2,
         3][1]
    print(x, (
        "implicit"
        " concat"))
    t = (1,
         )
    print(t)
