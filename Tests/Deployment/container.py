"""A Debian 12 machine booted with systemd as PID 1 under systemd-nspawn, driven from outside.

What this kind of host needs (root, no systemd as PID 1, hybrid cgroups): nspawn runs with both
--register=no and --keep-unit (otherwise "Failed to open system bus"), in a cgroup of its own so
that the payload/supervisor directories it leaves behind are removed with it; commands run inside
through `nsenter -t <its PID 1> -a` (machinectl and systemd-run -M need a systemd on the host).
"""

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

# The cgroup hierarchies nspawn places its payload in here: cgroup v2 ("unified") and the v1
# name=systemd one of a hybrid host, or the v2 root of a unified host.
CGROUP_ROOTS = [p for p in (Path("/sys/fs/cgroup/unified"), Path("/sys/fs/cgroup/systemd")) if (p / "cgroup.procs").exists()] \
    or [Path("/sys/fs/cgroup")]


def wait_until(what, predicate, timeout):
    """Polls `predicate` until it returns something truthy; fails naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def minbase_root(cache, include):
    """A pristine `debootstrap --variant=minbase` root of bookworm with `include`, made once into
    `cache` (75–110 s, about 250 MB) and copied for each machine."""
    stamp = cache / "include"
    if not (stamp.exists() and stamp.read_text() == ",".join(include)):
        shutil.rmtree(cache, ignore_errors=True)
        partial = cache.with_name(cache.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["debootstrap", "--variant=minbase", "--include=" + ",".join(include), "bookworm", str(partial)],
                       check=True, stdout=subprocess.DEVNULL)
        partial.rename(cache)
        stamp.write_text(",".join(include))
    return cache


class Container:
    def __init__(self, root, name):
        self.root = Path(root)
        self.name = name
        self.nspawn = None
        self.pid1 = None
        self.cgroups = [base / f"bridgekeeper-test-{name}" for base in CGROUP_ROOTS]

    @classmethod
    def copy_of(cls, pristine, workdir, name):
        root = Path(workdir) / name
        subprocess.run(["cp", "-a", "--reflink=auto", str(pristine), str(root)], check=True)
        return cls(root, name)

    # --- Before boot -----------------------------------------------------------------------

    def chroot_run(self, *argv, binds=()):
        """Runs argv in the root without booting it (nspawn's plain mode), on the host's network:
        how packages are installed from Debian's archive."""
        options = [f"--bind-ro={host}:{inside}" for host, inside in binds]
        return subprocess.run(["systemd-nspawn", "-q", "--register=no", "--keep-unit", "-D", str(self.root), *options,
                               "--setenv=DEBIAN_FRONTEND=noninteractive", *argv],
                              check=True, capture_output=True, text=True)

    def write(self, path, text, mode=0o644, owner=None):
        """Writes a file inside the machine (from the host: the root is a directory here)."""
        target = self.root / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        os.chmod(target, mode)
        if owner is not None:
            uid, gid = self.ids(owner)
            os.chown(target, uid, gid)

    def read(self, path):
        return (self.root / path.lstrip("/")).read_text()

    def ids(self, user):
        """A user's uid and gid from the machine's own /etc/passwd."""
        for line in self.read("/etc/passwd").splitlines():
            fields = line.split(":")
            if fields[0] == user:
                return int(fields[2]), int(fields[3])
        raise KeyError(f"no user {user} in {self.root}/etc/passwd")

    # --- Running ---------------------------------------------------------------------------

    def boot(self):
        for cgroup in self.cgroups:
            cgroup.mkdir(exist_ok=True)
        # The shell moves itself into the machine's own cgroups, then becomes nspawn.
        enter = "; ".join(f"echo $$ > {cgroup}/cgroup.procs" for cgroup in self.cgroups)
        with open(self.root.parent / f"{self.name}.console", "w") as console:
            self.nspawn = subprocess.Popen(
                ["sh", "-c", enter + '; exec "$@"', "sh", "systemd-nspawn", "-q", "--boot", "--register=no", "--keep-unit",
                 "--private-network", "--console=passive", f"--machine={self.name}", "-D", str(self.root)],
                stdout=console, stderr=subprocess.STDOUT, start_new_session=True)
        self.pid1 = wait_until("the machine's PID 1", self._find_pid1, 30)
        state = wait_until("systemctl is-system-running", lambda: self.run("systemctl", "is-system-running", "--wait",
                                                                             check=False).stdout.strip(), 60)
        if state != "running":
            failed = self.run("systemctl", "--failed", "--no-legend", check=False).stdout
            raise AssertionError(f"the machine booted {state}: failed units:\n{failed}")

    def _find_pid1(self):
        if self.nspawn.poll() is not None:
            raise AssertionError(f"systemd-nspawn exited {self.nspawn.returncode}: {self.console_text()}")
        children = subprocess.run(["pgrep", "-P", str(self.nspawn.pid)], capture_output=True, text=True).stdout.split()
        for pid in children:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "systemd":
                return int(pid)
        return None

    def console_text(self):
        return (self.root.parent / f"{self.name}.console").read_text(errors="replace")[-4000:]

    def run(self, *argv, check=True, input=None, timeout=120):
        """Runs argv inside the machine: its mount, network, pid, ipc, uts and cgroup namespaces."""
        result = subprocess.run(["nsenter", "-t", str(self.pid1), "-a", *argv], input=input, capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
        return result

    def http(self, method, url, headers=None, body=None):
        """(status, body) of one request made in the machine's network namespace with the host's curl."""
        argv = ["nsenter", "-t", str(self.pid1), "-n", "curl", "-sS", "-m", "10", "-X", method, "-o", "-", "-w",
                "\n%{http_code}", url]
        for name, value in (headers or {}).items():
            argv += ["-H", f"{name}: {value}"]
        if body is not None:
            argv += ["-H", "Content-Type: application/json", "--data-binary", "@-"]
        result = subprocess.run(argv, input=body, capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            return None, result.stderr.strip()
        text, _, status = result.stdout.rpartition("\n")
        return int(status), text

    def unit(self, name):
        """The unit's properties (systemctl show), as a dict of strings."""
        out = self.run("systemctl", "show", name).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def journal(self, unit):
        """Every journal entry of the unit, as journalctl -o json gives them."""
        out = self.run("journalctl", "-u", unit, "-o", "json", "--no-pager").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def stop(self):
        if self.nspawn and self.nspawn.poll() is None:
            # SIGTERM to nspawn asks the machine's systemd for a clean poweroff.
            self.nspawn.send_signal(signal.SIGTERM)
            try:
                self.nspawn.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(self.nspawn.pid, signal.SIGKILL)
                self.nspawn.wait()
        # Whatever is left of the machine (a poweroff that never finished) is killed with its cgroup.
        for cgroup in self.cgroups:
            if (cgroup / "cgroup.kill").exists():
                (cgroup / "cgroup.kill").write_text("1")
        for cgroup in self.cgroups:
            if cgroup.exists():
                directories = sorted((p for p in cgroup.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)) + [cgroup]
                for directory in directories:
                    wait_until(f"{directory} to empty", lambda: not (directory / "cgroup.procs").read_text().strip(), 10)
                    directory.rmdir()
