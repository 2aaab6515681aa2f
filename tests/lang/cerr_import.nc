# Only the capability modules may be imported.
import os

def main():
    return 1
