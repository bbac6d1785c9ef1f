"""Runs pyghmi's fakebmc, bound to one address with our own credentials.

Debian's /usr/bin/fakebmc always listens on every address with admin/password;
tests want a loopback-only peer on a free port with credentials they choose.
The BMC behaviour is pyghmi's FakeBmc unchanged, so tests exercise what
pyghmi really implements (notably: it never stores the persistent flag).
Run with /usr/bin/python3 so Debian's python3-pyghmi is importable.
"""
import argparse
import sys

import pyghmi.ipmi.bmc as bmc
from pyghmi.cmd.fakebmc import FakeBmc


class BoundFakeBmc(FakeBmc):
    def __init__(self, authdata, port, address):
        # Skip FakeBmc.__init__: it cannot take an address.
        bmc.Bmc.__init__(self, authdata, port, address=address)
        self.powerstate = 'off'
        self.bootdevice = 'default'


def main():
    parser = argparse.ArgumentParser(prog='esi_fakebmc')
    parser.add_argument('--address', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--user', default='admin')
    parser.add_argument('--password', default='password')
    args = parser.parse_args()
    server = BoundFakeBmc({args.user: args.password}, args.port, args.address)
    print('esi_fakebmc listening on %s:%d' % (args.address, args.port), flush=True)
    server.listen()


if __name__ == '__main__':
    sys.exit(main())
