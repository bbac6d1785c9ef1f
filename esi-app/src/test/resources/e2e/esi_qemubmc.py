"""An IPMI BMC (pyghmi) in front of a QEMU machine that it starts and stops itself.

Power on starts swtpm (when the machine has a TPM) and QEMU with the arguments in the JSON
file given, plus the boot order of the current boot device (network: -boot order=n, disk:
order=c); power off kills both, as pulling the plug does. The machine powering itself off
(the agent's poweroff) ends QEMU, and the power state follows the process. The state of the
TPM stays in its directory between power cycles, so the machine keeps its endorsement seed,
like a real one. Run with /usr/bin/python3 (Debian's python3-pyghmi).

The JSON file: {"qemu": [argv...], "tpm": {"state": dir, "socket": path} | null}.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time

import pyghmi.ipmi.bmc as bmc

BOOT_ORDER = {'network': 'n', 'hd': 'c', 'optical': 'd', 'default': 'cn'}


class QemuBmc(bmc.Bmc):
    def __init__(self, authdata, port, address, machine, log):
        bmc.Bmc.__init__(self, authdata, port, address=address)
        self.machine = machine
        self.log = log
        self.bootdevice = 'default'
        self.qemu = None
        self.swtpm = None
        self.lock = threading.Lock()

    def say(self, text):
        self.log.write('%s %s\n' % (time.strftime('%H:%M:%S'), text))
        self.log.flush()

    def running(self):
        return self.qemu is not None and self.qemu.poll() is None

    def get_power_state(self):
        return 'on' if self.running() else 'off'

    def is_active(self):
        return self.running()

    def get_boot_device(self):
        return self.bootdevice

    def set_boot_device(self, bootdevice):
        self.say('boot device %s' % bootdevice)
        self.bootdevice = bootdevice

    def power_on(self):
        with self.lock:
            if self.running():
                return
            self.stop_tpm()
            tpm = self.machine.get('tpm')
            args = list(self.machine['qemu'])
            if tpm:
                if os.path.exists(tpm['socket']):
                    os.unlink(tpm['socket'])
                self.swtpm = subprocess.Popen(
                    ['swtpm', 'socket', '--tpm2', '--tpmstate', 'dir=' + tpm['state'],
                     '--ctrl', 'type=unixio,path=' + tpm['socket']],
                    stdout=self.log, stderr=self.log)
                deadline = time.time() + 10
                while not os.path.exists(tpm['socket']) and time.time() < deadline:
                    time.sleep(0.05)
                args += ['-chardev', 'socket,id=chrtpm,path=' + tpm['socket'],
                         '-tpmdev', 'emulator,id=tpm0,chardev=chrtpm', '-device', 'tpm-tis,tpmdev=tpm0']
            args += ['-boot', 'order=' + BOOT_ORDER.get(self.bootdevice, 'cn')]
            self.say('power on, boot %s' % self.bootdevice)
            self.qemu = subprocess.Popen(args, stdout=self.log, stderr=self.log)

    def power_off(self):
        with self.lock:
            self.say('power off')
            if self.qemu is not None and self.qemu.poll() is None:
                self.qemu.kill()
                self.qemu.wait()
            self.stop_tpm()

    def stop_tpm(self):
        if self.swtpm is not None and self.swtpm.poll() is None:
            self.swtpm.terminate()
            try:
                self.swtpm.wait(5)
            except subprocess.TimeoutExpired:
                self.swtpm.kill()
        self.swtpm = None

    def power_shutdown(self):
        self.power_off()

    def power_reset(self):
        self.power_off()
        self.power_on()

    def power_cycle(self):
        self.power_reset()


def main():
    parser = argparse.ArgumentParser(prog='esi_qemubmc')
    parser.add_argument('--address', default='127.0.0.1')
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--user', default='admin')
    parser.add_argument('--password-env', default='ESI_QEMUBMC_PASSWORD')
    parser.add_argument('--machine', required=True)
    parser.add_argument('--log', required=True)
    args = parser.parse_args()
    password = os.environ.get(args.password_env)
    if not password:
        parser.error('set the BMC password in $' + args.password_env)
    with open(args.machine) as f:
        machine = json.load(f)
    log = open(args.log, 'a', buffering=1)
    server = QemuBmc({args.user: password}, args.port, args.address, machine, log)

    def stop(signum, frame):
        server.power_off()
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    server.say('esi_qemubmc listening on %s:%d' % (args.address, args.port))
    server.listen()


if __name__ == '__main__':
    sys.exit(main())
