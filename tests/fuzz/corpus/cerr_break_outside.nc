# 'break' and 'continue' outside a loop.
def main():
    break

def other():
    continue
