# Escapes in literals and the repr of strings (quote choice, escapes).
def main():
    print("tab\there", 'new\nline', "back\\slash", 'it\'s', "say \"hi\"")
    print(["it's", 'say "hi"', "both ' and \"", ''])
    print(["a\nb\tc\rd", "\x00\x01\x7f", "\\", "é", "\u20ac"])
    print("\x41\x42\u0043", "\0" == "\x00", len("\n\t\\"), "\u00e9" == "é")
    print(["a'b", 'q"q', "n\n"], ("t\t",), {"k\\": "v'"})
    print('''triple 'single' quotes''', """triple "double" quotes""")
    print("""multi
line""")
    print(len("""a
b"""), ["""x
y"""])
    print("a" "b" 'c', "joined \
line")
    print(["\x1b[0m", "\u00a0", "ä\x9f"])
