def f(n):
    return f(n + 1)

def main():
    return f(0)
