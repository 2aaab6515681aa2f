# Indentation with tabs (consistently) is accepted.
def main():
	x = 0
	for i in range(3):
		if i % 2 == 0:
			x += i
		else:
			x -= 1
	print("tabs", x)
	return x
