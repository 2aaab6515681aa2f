# find, count, replace, startswith, endswith.
def main():
    s = "banana bandana"
    print(s.find("an"), s.find("xyz"), s.find(""), s.find("a"), s.find("bandana"))
    print(s.count("an"), s.count("a"), s.count("xyz"), s.count(""), "aaaa".count("aa"))
    print(s.replace("an", "AN"), s.replace("a", ""), s.replace("an", "-", 2), s.replace("z", "y"))
    print("abc".replace("", "-"), "aaa".replace("a", "bb", 0), "x".replace("x", "xx"))
    print(s.startswith("ban"), s.startswith("nab"), s.startswith(""), s.endswith("ana"), s.endswith("x"))
    print("".startswith(""), "a".endswith("abc"), "héllo".find("l"), "héllo".count("l"))
