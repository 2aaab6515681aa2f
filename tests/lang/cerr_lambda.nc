# Unsupported: lambda.
def main():
    f = lambda x: x + 1
    return f
