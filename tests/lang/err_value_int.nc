# ValueError: invalid literal for int().
def main():
    print(int("12"))
    print(int("12abc"))
