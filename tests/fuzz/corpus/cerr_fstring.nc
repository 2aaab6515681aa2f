# Unsupported: f-strings.
def main():
    x = 1
    return f"x={x}"
