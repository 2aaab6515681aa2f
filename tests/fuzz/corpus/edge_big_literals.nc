def main():
    return [9223372036854775807, -9223372036854775808, 1e400, 0xffffffffffffffffffffffffffffffffffffffff, '\uZZZZ', '\x4', 1_000_]
