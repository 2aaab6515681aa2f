def main():
    s = 'ünïcødé 日本 😀'
    return s[::-1], len(s)
