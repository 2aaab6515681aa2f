# Assigning to a module constant inside a function.
LIMIT = 10

def main():
    LIMIT = 20
    return LIMIT
