def main():
    return "abc
    '''
