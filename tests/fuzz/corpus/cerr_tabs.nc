# Indentation that mixes tabs and spaces inconsistently is refused.
def main():
	x = 1
        return x
