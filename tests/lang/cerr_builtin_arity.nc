# Calling a builtin with the wrong number of arguments.
def main():
    return len([1], [2])
