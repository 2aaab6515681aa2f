# Unsupported: yield (generators).
def gen():
    yield 1

def main():
    return 0
