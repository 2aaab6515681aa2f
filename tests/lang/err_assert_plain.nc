# AssertionError without a message.
def main():
    assert 1 == 1
    print("first passed")
    assert []
