"""Hosts on a real network, made of network namespaces: each host a namespace with one veth into a
Linux bridge (the LAN switch) in a namespace of its own, addresses only inside them. Faults act on
a host's egress with nftables (this kernel has no sch_netem): all frames dropped (a blackhole, ARP
included), a share of them dropped (loss), every packet held for a while (delay: an iptables NFQUEUE
rule and delay_queue.py), or the link taken down.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PREFIX = "10.77.0"


def stop(process, sig=signal.SIGTERM):
    """Signals a process started by Host.start and its group; SIGKILL after 10 s."""
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Host:
    def __init__(self, network, name, number):
        self.network = network
        self.name = name
        self.netns = f"{network.name}-{name}"
        self.address = f"{PREFIX}.{number}"
        self.device = f"{name}0"
        self.processes = []

    def run(self, *argv, check=True, input=None, timeout=60):
        result = subprocess.run(["ip", "netns", "exec", self.netns, *argv], input=input, capture_output=True, text=True,
                                timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{self.name}: {' '.join(argv)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def start(self, label, *argv):
        """Starts a long-running process on this host, its output in the network's directory."""
        log = open(self.network.directory / f"{self.name}-{label}.log", "a")
        process = subprocess.Popen(["ip", "netns", "exec", self.netns, *argv], stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.processes.append(process)
        return process

    def log(self, label):
        return (self.network.directory / f"{self.name}-{label}.log").read_text(errors="replace")

    def nft(self, ruleset):
        self.run("nft", "-f", "-", input=ruleset)

    # --- Faults on this host's egress ------------------------------------------------------

    def blackhole(self):
        """Every frame this host sends is dropped, ARP included."""
        self.drop("drop")

    def loss(self, percent):
        self.drop(f"numgen random mod 100 < {percent} drop")

    def drop(self, rule):
        self.clear()
        self.nft(f"table netdev fault {{\n chain egress {{\n  type filter hook egress device {self.device} priority 0; policy accept;\n"
                 f"  {rule}\n }}\n}}\n")

    def delay(self, milliseconds, jitter):
        """Every IP packet this host sends out of its veth waits `milliseconds` ± `jitter`."""
        self.clear()
        self.delayer = self.start("delay", sys.executable, str(Path(__file__).parent / "delay_queue.py"), "7",
                                  str(milliseconds), str(jitter))
        deadline = time.monotonic() + 10
        while "delaying queue" not in self.log("delay"):
            assert time.monotonic() < deadline and self.delayer.poll() is None, self.log("delay")
            time.sleep(0.05)
        self.run("iptables", "-A", "OUTPUT", "-o", self.device, "-j", "NFQUEUE", "--queue-num", "7")

    def clear(self):
        self.run("nft", "delete", "table", "netdev", "fault", check=False)
        if getattr(self, "delayer", None):
            self.run("iptables", "-D", "OUTPUT", "-o", self.device, "-j", "NFQUEUE", "--queue-num", "7", check=False)
            stop(self.delayer)
            self.delayer = None

    def link(self, up):
        self.run("ip", "link", "set", self.device, "up" if up else "down")


class Network:
    def __init__(self, name, directory):
        self.name = name
        self.directory = Path(directory)
        self.switch = f"{name}-switch"
        self.hosts = {}
        self._ip("netns", "add", self.switch)
        self._ip("-n", self.switch, "link", "add", "lan", "type", "bridge")
        self._ip("-n", self.switch, "link", "set", "lan", "up")

    def add(self, name, number):
        host = Host(self, name, number)
        self._ip("netns", "add", host.netns)
        self._ip("-n", host.netns, "link", "set", "lo", "up")
        port = f"{name}-port"
        self._ip("link", "add", host.device, "netns", host.netns, "type", "veth", "peer", "name", port, "netns", self.switch)
        self._ip("-n", self.switch, "link", "set", port, "master", "lan", "up")
        self._ip("-n", host.netns, "addr", "add", f"{host.address}/24", "dev", host.device)
        self._ip("-n", host.netns, "link", "set", host.device, "up")
        self.hosts[name] = host
        return host

    def close(self):
        for host in self.hosts.values():
            for process in host.processes:
                stop(process)
            subprocess.run(["ip", "netns", "delete", host.netns], check=False)
        subprocess.run(["ip", "netns", "delete", self.switch], check=False)

    @staticmethod
    def _ip(*argv):
        subprocess.run(["ip", *argv], check=True, capture_output=True, text=True)
