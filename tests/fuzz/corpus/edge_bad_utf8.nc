def main():
    return 'ÿşÃ'
