"""Bridgekeeper across a real network: a gateway host (OpenSSH sshd on its LAN address, configured
like units/sshd-bridgekeeper.conf; bridgekeeper with the inbound tunnel, probes, the gateway and a
webhook sink), a bridge host (a fake bridge on loopback; bridgekeeper holding the reverse tunnel
with keepalive 2 s) and a LAN neighbour of the gateway host, each a network namespace on one
Linux bridge. Faults act on the bridge host's egress.

    python3 Tests/Deployment/network_test.py --binary .build/release/bridgekeeper

scripts/test-network runs this. Root only.
"""

import argparse
import atexit
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from container import wait_until  # noqa: E402
from network import Network, stop  # noqa: E402

HERE = Path(__file__).parent
REPOSITORY = HERE.parent.parent
KEEPALIVE = 2
PROBE_INTERVAL = 1
GATEWAY = "http://127.0.0.1:4000"

options = None
net = None
work = None
gateway = bridge_host = neighbour = None
daemons = {}


def setUpModule():
    global net, work, gateway, bridge_host, neighbour
    signal.signal(signal.SIGTERM, interrupted)
    atexit.register(tearDownModule)
    work = Path(tempfile.mkdtemp(prefix="bridgekeeper-network-", dir="/var/tmp"))
    net = Network(f"bk{int(time.time()) % 100000}", work)
    gateway, bridge_host, neighbour = net.add("gw", 1), net.add("bh", 2), net.add("nb", 3)

    # The gateway host's sshd: its LAN address only, the shipped drop-in's rules for the tunnel
    # login (root here, the user this test runs as).
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / "host-key")], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(work / "tunnel-key")], check=True)
    (work / "authorized_keys").write_text((work / "tunnel-key.pub").read_text())
    dropin = (REPOSITORY / "units/sshd-bridgekeeper.conf").read_text()
    dropin = dropin.replace("Match User tunnel", "Match User root").replace(" 127.0.0.1:3357", "")
    (work / "sshd_config").write_text("\n".join([
        f"ListenAddress {gateway.address}:22", f"HostKey {work / 'host-key'}", f"AuthorizedKeysFile {work / 'authorized_keys'}",
        "PermitRootLogin prohibit-password", "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
        "StrictModes no", "PidFile none", "LogLevel VERBOSE", ""]) + dropin)
    subprocess.run(["/usr/sbin/sshd", "-t", "-f", str(work / "sshd_config")], check=True)
    gateway.start("sshd", "/usr/sbin/sshd", "-D", "-e", "-f", str(work / "sshd_config"))
    host_key = (work / "host-key.pub").read_text().split()
    (work / "known_hosts").write_text(f"{gateway.address} {host_key[0]} {host_key[1]}\n")

    write_gateway_config()
    (work / "bh.toml").write_text(f'''
[supervisor]
state_dir = "{work}/bh-state"
control = "127.0.0.1:4099"

[[tunnels]]
name = "home"
mode = "reverse"
server = "root@{gateway.address}:22"
identity_file = "{work}/tunnel-key"
known_hosts = "{work}/known_hosts"
keepalive = "{KEEPALIVE}s"
  [[tunnels.forwards]]
  listen = "127.0.0.1:3353"
  target = "127.0.0.1:3253"

[[bridges]]
name = "codex"
url = "http://127.0.0.1:3253"
api = "openai"
  [bridges.probe]
  interval = "{PROBE_INTERVAL}s"
  timeout = "800ms"
''')
    gateway.start("webhooks", sys.executable, str(HERE / "webhook_sink.py"), "9000", str(work / "webhooks.jsonl"))
    bridge_host.start("bridge", sys.executable, str(HERE / "fake_bridge.py"), "3253", "gpt-test")
    daemons["gw"] = gateway.start("bridgekeeper", options.binary, "run", "--config", str(work / "gw.toml"))
    daemons["bh"] = bridge_host.start("bridgekeeper", options.binary, "run", "--config", str(work / "bh.toml"))


def write_gateway_config(damping="flap_threshold = 1000"):
    """The gateway host's config; `damping` is its [notify] flap settings (each single fault is
    checked for exactly one incident, so they are kept from counting as flapping unless asked)."""
    (work / "gw.toml").write_text(f'''
[supervisor]
state_dir = "{work}/gw-state"
control = "127.0.0.1:4099"

[gateway]
listen = "127.0.0.1:4000"

[[tunnels]]
name = "home"
mode = "inbound"
user = "root"
keepalive = "{KEEPALIVE}s"
  [[tunnels.forwards]]
  listen = "127.0.0.1:3353"

[[bridges]]
name = "codex"
url = "http://127.0.0.1:3353"
api = "openai"
tunnel = "home"
  [bridges.probe]
  interval = "{PROBE_INTERVAL}s"
  timeout = "800ms"

[[models]]
id = "gpt-test"
routes = ["codex"]

[notify]
{damping}

[[notify.webhooks]]
name = "sink"
url = "http://127.0.0.1:9000/hook"
format = "json"
''')


def restart_gateway_daemon():
    stop(daemons["gw"])
    daemons["gw"] = gateway.start("bridgekeeper", options.binary, "run", "--config", str(work / "gw.toml"))


def tearDownModule():
    global net
    if net:
        net.close()
        net = None
        if not options.keep:
            subprocess.run(["rm", "-rf", str(work)], check=False)


def interrupted(signum, frame):
    raise KeyboardInterrupt


def status(host):
    result = host.run(options.binary, "status", "--config", str(work / f"{host.name}.toml"), "--json", check=False)
    return json.loads(result.stdout) if result.returncode in (0, 1) else None


def state(host, kind, name):
    report = status(host)
    return next((item["state"] for item in report[kind] if item["name"] == name), None) if report else None


def complete(timeout=60):
    """(status, seconds) of one chat completion through the gateway host's gateway."""
    started = time.monotonic()
    body = json.dumps({"model": "gpt-test", "messages": [{"role": "user", "content": "hi"}]})
    result = gateway.run("curl", "-sS", "-m", str(timeout), "-o", "/dev/null", "-w", "%{http_code}", "-H",
                         "Content-Type: application/json", "--data-binary", body, GATEWAY + "/v1/chat/completions",
                         check=False, timeout=timeout + 10)
    return int(result.stdout or 0), time.monotonic() - started


def webhooks():
    path = work / "webhooks.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def listeners(host):
    """Local addresses of every TCP listener and bound UDP socket on the host."""
    out = host.run("ss", "-Htuln").stdout
    return [line.split()[4] for line in out.splitlines()]


class ListenerSampler:
    """`ss -Htln` on every host every 100 ms, for the whole run, keeping what no sample may show:
    a TCP listener beyond loopback other than the gateway host's sshd."""

    def __init__(self, hosts, allowed):
        self.hosts, self.allowed = hosts, allowed
        self.samples, self.violations = 0, []
        self.running = True
        self.threads = [threading.Thread(target=self.sample, args=(host,), daemon=True) for host in hosts]
        for thread in self.threads:
            thread.start()

    def sample(self, host):
        while self.running:
            result = host.run("ss", "-Htln", check=False, timeout=10)
            if result.returncode == 0:
                for line in result.stdout.splitlines():
                    local = line.split()[3]
                    if not (local.startswith("127.") or local.startswith("[::1]")) and local not in self.allowed:
                        self.violations.append((time.time(), host.name, local))
                self.samples += 1
            time.sleep(0.1)

    def stop(self):
        self.running = False
        for thread in self.threads:
            thread.join(15)


class Test1Healthy(unittest.TestCase):
    def test_1_the_tunnel_comes_up_and_requests_cross_it(self):
        wait_until("the bridge host's tunnel up", lambda: state(bridge_host, "tunnels", "home") == "up", 30)
        wait_until("the gateway host's tunnel up", lambda: state(gateway, "tunnels", "home") == "up", 30)
        wait_until("the bridge live from the gateway host", lambda: state(gateway, "bridges", "codex") == "live", 30)
        self.assertEqual(complete()[0], 200)

    def test_2_nothing_but_sshd_is_reachable_from_the_lan(self):
        for host, expected in ((gateway, [22]), (bridge_host, [])):
            found = json.loads(neighbour.run(sys.executable, str(HERE / "port_scan.py"), host.address, timeout=300).stdout)
            self.assertEqual(found, expected, f"{host.name} ({host.address}) accepts connections on {found} from the LAN")
        for host in (gateway, bridge_host):
            beyond = [a for a in listeners(host) if not (a.startswith("127.") or a.startswith("[::1]")) and a != f"{gateway.address}:22"]
            self.assertEqual(beyond, [], f"{host.name} listens beyond loopback")


DETECTION = 3 * KEEPALIVE + PROBE_INTERVAL + 1  # 3 × keepalive + one probe interval + the loop's second
TUNNEL = ("tunnel", "home")
BRIDGE = ("bridge", "codex")


def settled_state():
    wait_until("the last outage's all-clear", lambda: not open_incidents(webhooks()), 90)
    # (When a peer holds the bridge host's end, only the gateway host has a daemon to ask.)
    wait_until("the tunnel up on both hosts and the bridge live", lambda: (
        daemons["bh"].poll() is not None or state(bridge_host, "tunnels", "home") == "up")
        and state(gateway, "tunnels", "home") == "up" and state(gateway, "bridges", "codex") == "live", 90)


def in_background(function):
    """Runs `function` on a thread; returns a callable that waits for its result."""
    result = {}
    thread = threading.Thread(target=lambda: result.setdefault("value", function()), daemon=True)
    thread.start()
    return lambda: (thread.join(120), result.get("value"))[1]


def outage(test, name, inject, clear, subject, lasts=10, recover_within=15):
    """Injects a fault for `lasts` seconds, then clears it, and checks what everyone saw: the
    gateway host notices within 3 × keepalive + one probe interval; a request in flight when the
    fault began fails once that is known instead of hanging, and a client asking meanwhile gets a
    prompt 503; the first completion after clearing succeeds within `recover_within`; on-call
    hears of one incident (`subject`) and its recovery. Returns the figures, printed too."""
    settled_state()
    wall_clock = time.time()
    inject()
    time.sleep(0.5)
    in_flight = in_background(lambda: complete(timeout=60))
    time.sleep(max(0, wall_clock + min(lasts, DETECTION) - time.time()))
    during = complete(timeout=40)
    time.sleep(max(0, wall_clock + lasts - time.time()))
    clear()
    cleared = time.time()
    wait_until("the bridge live again", lambda: state(gateway, "bridges", "codex") == "live", 120)
    code, _ = complete()
    recovered = time.time() - cleared
    flight = in_flight()
    figures = {"bh": first_event(bridge_host, wall_clock, "tunnel home: "), "gw": first_event(gateway, wall_clock, "tunnel home: "),
               "gw bridge": first_event(gateway, wall_clock, "bridge codex: "), "in flight": flight, "during": during,
               "recovered": recovered}
    sent = wait_until("the all-clear", lambda: (hooks := since(webhooks(), wall_clock)) and not open_incidents(hooks) and hooks, 60)
    figures["webhooks"] = [f"{w['event']} {w['kind']} {w['subject']} {w['state']}" for w in sent]
    print(f"{name}: the bridge host noticed after {figures['bh'][0]:.1f} s ({figures['bh'][1]}), the gateway host after "
          f"{figures['gw'][0]:.1f} s (tunnel {figures['gw'][1]}; bridge {figures['gw bridge'][1]} after {figures['gw bridge'][0]:.1f} s); "
          f"a request in flight: {flight[0]} after {flight[1]:.1f} s; a request meanwhile: {during[0]} in {during[1]:.2f} s; "
          f"live again {recovered:.1f} s after clearing; webhooks: " + ", ".join(figures["webhooks"]), file=sys.stderr)
    test.assertEqual(code, 200)
    noticed = figures["gw"] if subject == TUNNEL else figures["gw bridge"]
    test.assertLessEqual(noticed[0], DETECTION, f"the gateway host noticed late: {noticed}")
    test.assertEqual(during[0], 503)
    test.assertLess(during[1], 5)
    test.assertEqual(flight[0], 503, f"the request in flight: {flight}")
    test.assertLessEqual(flight[1], DETECTION + 2, f"the request in flight hung: {flight}")
    test.assertLessEqual(recovered, recover_within)
    # One outage, one incident: opened and recovered, nothing else.
    test.assertEqual([(w["event"], w["kind"], w["subject"]) for w in sent],
                     [("opened", *subject), ("recovered", *subject)], sent)
    return figures


def degradation(test, name, inject, clear, lasts=20):
    """A fault the tunnel should ride out (loss, delay): completions every 2 s while it lasts, each
    a 200 or a prompt 503 (never a hang), live again after clearing, and every incident (if any)
    closed. Returns the figures, printed too."""
    settled_state()
    wall_clock = time.time()
    inject()
    results = []
    while time.time() < wall_clock + lasts:
        results.append(complete(timeout=60))
        time.sleep(2)
    clear()
    cleared = time.time()
    wait_until("the bridge live again", lambda: state(gateway, "bridges", "codex") == "live", 120)
    code, _ = complete()
    recovered = time.time() - cleared
    sent = wait_until("the all-clear", lambda: not open_incidents(hooks := since(webhooks(), wall_clock)) and [hooks], 120)[0]
    figures = {"bh": first_event(bridge_host, wall_clock, "tunnel home: "), "gw": first_event(gateway, wall_clock, "tunnel home: "),
               "requests": results, "recovered": recovered,
               "webhooks": [f"{w['event']} {w['kind']} {w['subject']} {w['state']}" for w in sent]}
    ok = [seconds for status, seconds in results if status == 200]
    print(f"{name}: {len(ok)}/{len(results)} completions succeeded (median {statistics.median(ok) if ok else float('nan'):.2f} s, "
          f"max {max(ok) if ok else float('nan'):.2f} s), others: {[r for r in results if r[0] != 200]}; the bridge host's "
          f"tunnel: {figures['bh'][1]}, the gateway host's: {figures['gw'][1]}; live {recovered:.1f} s after clearing; "
          f"webhooks: {', '.join(figures['webhooks']) or 'none'}", file=sys.stderr)
    test.assertEqual(code, 200)
    for status, seconds in results:
        test.assertTrue(status == 200 or (status == 503 and seconds < 5), (status, seconds))
    return figures


def since(hooks, wall_clock):
    """The bodies of the webhooks that arrived after `wall_clock` (their own `time` has whole
    seconds only, so it can be before the fault that caused them)."""
    return [w["body"] for w in hooks if w["received"] >= wall_clock]


def open_incidents(hooks):
    """Incidents opened (or flapping) and not yet closed (recovered, or settled good) among these
    webhooks (bodies or records)."""
    bodies = [w.get("body", w) for w in hooks]
    opened = {w["incident_id"] for w in bodies if w["event"] in ("opened", "flapping")}
    closed = {w["incident_id"] for w in bodies
              if w["event"] == "recovered" or (w["event"] == "settled" and w["state"] in ("live", "up"))}
    return opened - closed


def sshd_listener():
    return next(p for p in gateway.processes if "sshd_config" in " ".join(p.args) and p.poll() is None)


def session_processes():
    """The gateway host's sshd processes serving sessions (the listener's descendants)."""
    found, parents = [], [sshd_listener().pid]
    while parents:
        children = subprocess.run(["pgrep", "-P", str(parents.pop())], capture_output=True, text=True).stdout.split()
        found += [int(pid) for pid in children]
        parents += children
    return found


def signal_sessions(sig):
    for pid in session_processes():
        os.kill(pid, sig)


def start_sshd(config="sshd_config"):
    gateway.start("sshd", "/usr/sbin/sshd", "-D", "-e", "-f", str(work / config))


class Test2Faults(unittest.TestCase):
    figures = {}

    @classmethod
    def setUpClass(cls):
        cls.sampler = ListenerSampler([gateway, bridge_host], {f"{gateway.address}:22"})

    def test_0_a_fresh_start_pages_nobody(self):
        wait_until("bridge live", lambda: state(gateway, "bridges", "codex") == "live", 30)
        # Both daemons started together: the gateway host saw the tunnel down for a moment, within
        # its startup grace.
        self.assertEqual(webhooks(), [], "a fresh start paged")

    def test_1_blackhole(self):
        figures = outage(self, "blackhole 10 s", bridge_host.blackhole, bridge_host.clear, TUNNEL)
        compared["bridgekeeper", "blackhole 10 s"] = figures["bh"][0], figures["recovered"]
        self.assertLessEqual(figures["bh"][0], DETECTION)

    def test_2_link_down(self):
        # Connects fail at once while the link is down, so the backoff grows: the first completion
        # after it comes back is within the backoff cap (30 s) + 5 s.
        figures = outage(self, "link down 10 s", lambda: bridge_host.link(False), lambda: bridge_host.link(True), TUNNEL,
                         recover_within=35)
        compared["bridgekeeper", "link down 10 s"] = figures["bh"][0], figures["recovered"]
        self.assertLessEqual(figures["bh"][0], DETECTION)

    def test_3_server_side_session_stopped(self):
        # sshd's session process SIGSTOPped: its listener stays, nothing crosses it.
        figures = outage(self, "sshd session SIGSTOP 10 s", lambda: signal_sessions(signal.SIGSTOP),
                         lambda: signal_sessions(signal.SIGCONT), TUNNEL)
        compared["bridgekeeper", "sshd session SIGSTOP 10 s"] = figures["bh"][0], figures["recovered"]

    def test_4_bridge_host_daemon_killed_and_restarted(self):
        def kill():
            stop(daemons["bh"], signal.SIGKILL)

        def restart():
            daemons["bh"] = bridge_host.start("bridgekeeper", options.binary, "run", "--config", str(work / "bh.toml"))
        outage(self, "bridge-host daemon SIGKILL, restarted after 10 s", kill, restart, TUNNEL)

    def test_5_bridge_killed_and_restarted(self):
        bridge = next(p for p in bridge_host.processes if "fake_bridge.py" in " ".join(p.args) and p.poll() is None)

        def kill():
            stop(bridge, signal.SIGKILL)

        def restart():
            bridge_host.start("bridge", sys.executable, str(HERE / "fake_bridge.py"), "3253", "gpt-test")
        outage(self, "bridge SIGKILL, restarted after 10 s", kill, restart, BRIDGE)

    def test_6_loss_30_percent(self):
        degradation(self, "30 % loss for 20 s", lambda: bridge_host.loss(30), bridge_host.clear)

    def test_7_delay_400_ms(self):
        degradation(self, "400 ± 100 ms delay for 20 s", lambda: bridge_host.delay(400, 100), bridge_host.clear)

    def test_8_sshd_restarted_keeps_the_tunnel(self):
        # Restarting the gateway host's sshd (its listener) leaves running sessions alone: the
        # tunnel stays up and nobody is paged.
        settled_state()
        wall_clock = time.time()
        sshd = sshd_listener()
        sshd.terminate()
        sshd.wait(10)
        start_sshd()
        for _ in range(3):
            self.assertEqual(complete()[0], 200)
            time.sleep(PROBE_INTERVAL)
        self.assertEqual(first_event(bridge_host, wall_clock, "tunnel home: ")[1], "never")
        self.assertEqual(since(webhooks(), wall_clock), [])

    def test_9_rounds(self):
        """Blackhole-and-clear rounds (10 s each) with the shipped drop-in, then with
        `AllowTcpForwarding remote`: every round recovers by itself within 15 s of clearing, and
        flap damping keeps on-call's phone quiet while still closing what it opened; and under
        `AllowTcpForwarding remote` a stopped session's listener is waited out, not taken for policy."""
        write_gateway_config('flap_window = "1m"\nflap_outage = "30s"')
        restart_gateway_daemon()
        remote = (work / "sshd_config").read_text().replace("AllowTcpForwarding yes", "AllowTcpForwarding remote")
        self.assertIn("AllowTcpForwarding remote", remote)
        (work / "sshd_config-remote").write_text(remote)
        for label, config in (("the shipped drop-in", "sshd_config"), ("AllowTcpForwarding remote", "sshd_config-remote")):
            if config != "sshd_config":
                # The new rules apply to new sessions: end the listener and its sessions.
                listener, sessions = sshd_listener(), session_processes()
                listener.terminate()
                listener.wait(10)
                for pid in sessions:
                    try:
                        os.kill(pid, signal.SIGTERM)
                    except ProcessLookupError:
                        pass
                start_sshd(config)
            settled_state()
            wall_clock = time.time()
            recoveries = []
            for _ in range(options.rounds):
                wait_until("a completion before the round", lambda: complete(timeout=10)[0] == 200, 60)
                bridge_host.blackhole()
                time.sleep(10)
                bridge_host.clear()
                cleared = time.time()
                try:
                    wait_until("a completion after the round", lambda: complete(timeout=5)[0] == 200, 60)
                except AssertionError:
                    for host in (bridge_host, gateway):
                        print(f"--- {host.name}'s daemon, last lines:\n" + "\n".join(host.log("bridgekeeper").splitlines()[-40:]),
                              file=sys.stderr)
                    raise
                recoveries.append(time.time() - cleared)
            sent = wait_until("the all-clear", lambda: (h := since(webhooks(), wall_clock)) and not open_incidents(h) and h, 150)
            print(f"{options.rounds} rounds of a 10 s blackhole with {label}: recovered {statistics.median(recoveries):.1f} s "
                  f"(median), {max(recoveries):.1f} s (max) after clearing; webhooks: "
                  + ", ".join(f"{w['event']} {w['kind']} {w['subject']} {w['state']}" for w in sent), file=sys.stderr)
            self.assertLessEqual(max(recoveries), 15, recoveries)
            # Damped: two ordinary outages, then one flapping notice, then one settled closing it.
            self.assertLessEqual(len(sent), 6, sent)

        # Under `AllowTcpForwarding remote` the refused port cannot be checked. Whether a round's
        # reconnect is refused while the dead session still holds the listener is up to chance;
        # a stopped session holds it for sure: that refusal is retried, not taken for policy.
        unchecked = "does not allow checking the port"
        seen = bridge_host.log("bridgekeeper").count(unchecked)
        signal_sessions(signal.SIGSTOP)
        try:
            wait_until("a reconnect refused while the stopped session holds the port",
                       lambda: bridge_host.log("bridgekeeper").count(unchecked) > seen, 60)
        finally:
            signal_sessions(signal.SIGCONT)
        cleared = time.time()
        wait_until("a completion after the stopped session ended", lambda: complete(timeout=5)[0] == 200, 60)
        print(f"a stopped session's listener under AllowTcpForwarding remote: live {time.time() - cleared:.1f} s "
              f"after it resumed", file=sys.stderr)
        self.assertLessEqual(time.time() - cleared, 15)

    @classmethod
    def tearDownClass(cls):
        cls.sampler.stop()
        print(f"listener sampler: {cls.sampler.samples} samples of ss -ltn on both hosts, "
              f"{len(cls.sampler.violations)} listeners beyond loopback but sshd's", file=sys.stderr)
        assert cls.sampler.samples > 100, cls.sampler.samples
        assert not cls.sampler.violations, cls.sampler.violations[:10]


FAULTS = {  # name: (inject, clear), the outages the peers are compared under
    "blackhole 10 s": (lambda: bridge_host.blackhole(), lambda: bridge_host.clear()),
    "link down 10 s": (lambda: bridge_host.link(False), lambda: bridge_host.link(True)),
    "sshd session SIGSTOP 10 s": (lambda: signal_sessions(signal.SIGSTOP), lambda: signal_sessions(signal.SIGCONT)),
}
compared = {}  # (holder of the bridge host's tunnel, fault): (seconds until it noticed, seconds live after clearing)
NEVER = 120  # how long a peer is given to come back after a fault is cleared


def ssh_peer(autossh):
    """OpenSSH holding the bridge host's reverse tunnel the way its users are told to: keepalive
    2 s × 3, exit when the forward is refused (so autossh retries); under autossh -M 0 with
    AUTOSSH_GATETIME=0, as autossh's documentation advises for a service."""
    ssh = ["-N", "-R", "127.0.0.1:3353:127.0.0.1:3253", "-i", str(work / "tunnel-key"), "-o", "BatchMode=yes",
           "-o", f"UserKnownHostsFile={work / 'known_hosts'}", "-o", "StrictHostKeyChecking=yes",
           "-o", f"ServerAliveInterval={KEEPALIVE}", "-o", "ServerAliveCountMax=3", "-o", "ExitOnForwardFailure=yes",
           f"root@{gateway.address}"]
    if autossh:
        return bridge_host.start("autossh", "env", "AUTOSSH_GATETIME=0", "autossh", "-M", "0", *ssh)
    return bridge_host.start("ssh", "ssh", *ssh)


def ssh_clients(peer, autossh):
    """The pids of the ssh client holding the tunnel: the peer itself (`ip netns exec` and `env`
    exec), or autossh's child."""
    if not autossh:
        return {peer.pid} if peer.poll() is None else set()
    return {int(pid) for pid in subprocess.run(["pgrep", "-P", str(peer.pid)], capture_output=True, text=True).stdout.split()}


def eventually(predicate, timeout):
    """`predicate`'s first truthy value within `timeout` s, or None."""
    try:
        return wait_until("", predicate, timeout)
    except AssertionError:
        return None


class Test3Peers(unittest.TestCase):
    """The bridge host's tunnel held by OpenSSH `ssh -R` and by autossh instead of bridgekeeper,
    under the same outages, the gateway host unchanged: when the holder noticed, and when the
    bridge was live through the gateway again after clearing (or not within two minutes)."""

    def setUp(self):
        if not options.peers:
            self.skipTest("the peer comparison runs with --peers")

    def measure(self, peer_name, autossh):
        for fault, (inject, clear) in FAULTS.items():
            peer = ssh_peer(autossh)
            settled_state()
            before = ssh_clients(peer, autossh)
            wall_clock = time.time()
            inject()
            # Noticed: the ssh client that held the tunnel has given up (exited).
            noticed = eventually(lambda: (time.time() - wall_clock) if not before & ssh_clients(peer, autossh) else None,
                                 10 + 2 * DETECTION)
            time.sleep(max(0, wall_clock + 10 - time.time()))
            clear()
            cleared = time.time()
            live = eventually(lambda: state(gateway, "bridges", "codex") == "live" and complete(timeout=5)[0] == 200, NEVER)
            recovered = time.time() - cleared if live else float("inf")
            compared[peer_name, fault] = noticed or float("inf"), recovered
            print(f"{peer_name}, {fault}: noticed after {compared[peer_name, fault][0]:.1f} s, live again "
                  f"{recovered:.1f} s after clearing", file=sys.stderr)
            stop(peer)

    def test_1_openssh_and_autossh(self):
        stop(daemons["bh"])
        try:
            self.measure("ssh -R", autossh=False)
            self.measure("autossh", autossh=True)
        finally:
            daemons["bh"] = bridge_host.start("bridgekeeper", options.binary, "run", "--config", str(work / "bh.toml"))
        holders = ["bridgekeeper", "ssh -R", "autossh"]
        cell = lambda seconds: "never" if seconds == float("inf") else f"{seconds:.1f} s"
        print("\n| fault | " + " | ".join(f"{h}: noticed / live again" for h in holders) + " |", file=sys.stderr)
        print("|---|" + "---|" * len(holders), file=sys.stderr)
        for fault in FAULTS:
            print(f"| {fault} | " + " | ".join(" / ".join(cell(x) for x in compared.get((h, fault), (float("nan"),) * 2))
                                                for h in holders) + " |", file=sys.stderr)


def first_event(host, since, prefix):
    """(seconds after `since`, state) of the daemon's first log line starting `prefix` after it."""
    for line in host.log("bridgekeeper").splitlines():
        fields = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', line))
        message = fields.get("msg", "").strip('"')
        if message.startswith(prefix) and "time" in fields:
            at = datetime.fromisoformat(fields["time"]).timestamp()
            if at >= since:
                return at - since, message[len(prefix):]
    return float("inf"), "never"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=str(REPOSITORY / ".build/release/bridgekeeper"))
    parser.add_argument("--keep", action="store_true", help="keep the logs in /var/tmp")
    parser.add_argument("--rounds", type=int, default=20, help="blackhole-and-clear rounds per sshd configuration")
    parser.add_argument("--peers", action="store_true", help="also hold the tunnel with ssh -R and autossh, side by side")
    options, rest = parser.parse_known_args()
    options.binary = str(Path(options.binary).resolve())
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)
