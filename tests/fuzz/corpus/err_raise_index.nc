# raise IndexError with a message; output before it is kept.
def main():
    for i in range(3):
        print("step", i)
    raise IndexError("custom index error")
