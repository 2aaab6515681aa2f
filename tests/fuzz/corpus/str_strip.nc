# strip, lstrip, rstrip with and without characters.
def main():
    s = "  \t padded \n "
    print("[" + s.strip() + "]", "[" + s.lstrip() + "]", "[" + s.rstrip() + "]")
    print("xxhixx".strip("x"), "xxhixx".lstrip("x"), "xxhixx".rstrip("x"))
    print("abcHELLOcba".strip("abc"), "..a.b..".strip("."), "".strip(), "   ".strip())
    print(["\n\r\t x \x0b\x0c".strip()], "aaa".strip("a") == "")
    print("<>".join(["  a ".strip(), " b".lstrip(), "c  ".rstrip()]))
    print("www.example.com".strip("cmowz."), "mississippi".rstrip("ips"))
