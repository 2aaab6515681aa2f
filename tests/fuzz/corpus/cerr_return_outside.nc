# 'return' outside a function.
X = 1
return X

def main():
    return X
