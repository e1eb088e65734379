#!/usr/bin/python3
# Ethereum's Keccak-256 from another implementation (pycryptodome, Debian's python3-pycryptodome):
# one hex message per line on stdin, its hex digest per line on stdout.
import sys

from Cryptodome.Hash import keccak

for line in sys.stdin:
    h = keccak.new(digest_bits=256)
    h.update(bytes.fromhex(line.strip()))
    print(h.hexdigest())
