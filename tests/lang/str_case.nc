# str.upper, lower, isdigit, isalpha (ASCII and Latin-1).
def main():
    s = "Hello, World 42"
    print(s.upper(), s.lower(), s)
    print("abc".isalpha(), "abc1".isalpha(), "".isalpha(), "ÄÖü".isalpha(), "a b".isalpha())
    print("123".isdigit(), "12a".isdigit(), "".isdigit(), "-1".isdigit(), "0".isdigit())
    print("àéî".upper(), "ÀÉÎ".lower(), "MiXeD".lower().upper())
    words = ["apple", "42", "x9", "Zed"]
    for w in words:
        print(w, w.isalpha(), w.isdigit(), w.upper(), w.lower())
