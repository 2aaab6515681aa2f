# Unsupported: async functions.
async def fetch():
    return 1

def main():
    return 0
