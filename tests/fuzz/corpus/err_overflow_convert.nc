# Deviation: converting a float beyond int64 to int raises OverflowError.
def main():
    print(int(1e18))
    print(int(-9.2e18))
    print(int(1e19))
