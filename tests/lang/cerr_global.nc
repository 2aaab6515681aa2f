# Unsupported: global.
COUNT = 0

def main():
    global COUNT
    return COUNT
