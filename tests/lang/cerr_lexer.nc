# Syntax errors in the lexer: an unterminated string and an unclosed bracket.
def main():
    s = "abc
    return s

def other():
    x = (1,
    return x
