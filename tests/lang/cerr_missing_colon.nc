# Syntax error: a missing colon after the parameters.
def main()
    return 1
