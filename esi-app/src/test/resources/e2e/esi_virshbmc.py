"""pyghmi's virshbmc, bound to one address with our own credentials, with a boot device.

Debian's /usr/bin/virshbmc listens on every address with admin/password and does not
implement the boot device commands. This wrapper keeps its libvirt power control as is
(power on is virDomainCreate, power off is virDomainDestroy: the QEMU process really
starts and stops), binds to the address given, takes the password from the environment
variable named by --password-env (so it is not on the command line), and sets the boot
device by rewriting the domain's <os><boot dev=.../> in libvirt, so a boot device change
is a real change to the VM. Run with /usr/bin/python3 (Debian's python3-pyghmi and
python3-libvirt).
"""
import argparse
import os
import sys
import xml.etree.ElementTree as ET

import libvirt
import pyghmi.ipmi.bmc as bmc
from pyghmi.cmd.virshbmc import LibvirtBmc, error_handler, lifecycle_callback

IPMI_TO_LIBVIRT = {'network': 'network', 'hd': 'hd', 'optical': 'cdrom'}
LIBVIRT_TO_IPMI = {v: k for k, v in IPMI_TO_LIBVIRT.items()}


class BoundLibvirtBmc(LibvirtBmc):
    def __init__(self, authdata, hypervisor, domain, port, address):
        # Skip LibvirtBmc.__init__: it cannot take an address.
        bmc.Bmc.__init__(self, authdata, port, address=address)
        self.conn = libvirt.open(hypervisor)
        self.name = domain
        self.domain = self.conn.lookupByName(domain)
        self.state = self.domain.state(0)
        self.stream = None
        self.run_console = False
        self.conn.domainEventRegister(lifecycle_callback, self)
        self.sol_thread = None
        self.setup_boot = False

    def get_boot_device(self):
        if self.setup_boot:
            return 'setup'
        boot = ET.fromstring(self.domain.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)).find('./os/boot')
        return LIBVIRT_TO_IPMI.get(boot.get('dev') if boot is not None else None, 'default')

    def set_boot_device(self, bootdevice):
        self.setup_boot = bootdevice == 'setup'
        dev = IPMI_TO_LIBVIRT.get(bootdevice)
        if dev is None:
            return
        root = ET.fromstring(self.domain.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
        os_el = root.find('./os')
        for b in os_el.findall('boot'):
            os_el.remove(b)
        ET.SubElement(os_el, 'boot', {'dev': dev})
        self.conn.defineXML(ET.tostring(root, encoding='unicode'))
        self.domain = self.conn.lookupByName(self.name)


def main():
    parser = argparse.ArgumentParser(prog='esi_virshbmc')
    parser.add_argument('--address', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--user', default='admin')
    parser.add_argument('--password-env', default='ESI_VIRSHBMC_PASSWORD')
    parser.add_argument('--connect', required=True)
    parser.add_argument('--domain', required=True)
    args = parser.parse_args()
    password = os.environ.get(args.password_env)
    if not password:
        parser.error('set the BMC password in $' + args.password_env)
    libvirt.virEventRegisterDefaultImpl()
    libvirt.registerErrorHandler(error_handler, None)
    server = BoundLibvirtBmc({args.user: password}, args.connect, args.domain, args.port, args.address)
    print('esi_virshbmc listening on %s:%d for %s' % (args.address, args.port, args.domain), flush=True)
    server.listen()


if __name__ == '__main__':
    sys.exit(main())
