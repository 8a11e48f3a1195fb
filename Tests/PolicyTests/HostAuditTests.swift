import Foundation
import Glibc
import Policy
import TestSupport
import Testing

@Suite struct HostAuditTests {
    // Lines as the kernel prints them on a little-endian machine.
    static let tcp = """
          sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 0100007F:0FA0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
           1: 00000000:0CB5 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1002 1 0000000000000000 100 0 0 10 0
           2: 0501A8C0:0CB9 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1003 1 0000000000000000 100 0 0 10 0
           3: 0100007F:0D11 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 1004 1 0000000000000000 100 0 0 10 0
        """
    static let tcp6 = """
          sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
           0: 00000000000000000000000001000000:0FA3 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0
           1: 00000000000000000000000000000000:0D11 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2002 1 0000000000000000 100 0 0 10 0
        """

    @Test func procNetIsDecodedIntoListeners() {
        let listeners = Listener.parseProcNet(Self.tcp) + Listener.parseProcNet(Self.tcp6)
        #expect(listeners.map(\.description) == ["127.0.0.1:4000", "0.0.0.0:3253", "192.168.1.5:3257", "[::1]:4003", "[::]:3345"])
        #expect(listeners.map(\.isLoopbackOnly) == [true, false, false, true, false])
        #expect(listeners.map(\.inode) == [1001, 1002, 1003, 2001, 2002])
    }

    @Test func boundUDPSocketsAreReadFromProcNetUDP() {
        // st 07 with a port: bound (listening); st 01: connected; port 0: unbound.
        let udp = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
             1: 00000000:14E9 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 3001 2 0000000000000000 0
             2: 0100007F:D431 0100007F:0035 01 00000000:00000000 00:00000000 00000000  1000        0 3002 2 0000000000000000 0
             3: 00000000:0000 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 3003 2 0000000000000000 0
            """
        let listeners = Listener.parseProcNet(udp, transport: .udp)
        #expect(listeners.map(\.description) == ["udp 0.0.0.0:5353"])
        #expect(listeners.first?.isLoopbackOnly == false)
        #expect(Listener.parseProcNet(udp).isEmpty, "as TCP, none of these listens")
    }

    @Test func onlyNonLoopbackListenersOnConfiguredPortsAreViolations() throws {
        let proc = try fixture(tcp: Self.tcp, tcp6: Self.tcp6)
        let policy = try ExposurePolicy.parse("[[exceptions]]\naddress = \"192.168.1.5\"\nport = 3257\nreason = \"lab\"", source: "p.toml")
        let targets = [
            HostAudit.Target(port: 4000, subject: "gateway.listen", location: "c.toml:2"),
            HostAudit.Target(port: 3253, subject: "bridges[codex].url", location: "c.toml:9"),
            HostAudit.Target(port: 3257, subject: "bridges[m365].url", location: "c.toml:14"),
            HostAudit.Target(port: 3345, subject: "tunnels[t].forwards[0].listen", location: "c.toml:20"),
            HostAudit.Target(port: 9999, subject: "supervisor.control", location: nil),
        ]
        let report = HostAudit(procRoot: proc.path, sshd: nil).run(targets: targets, policy: policy)
        let violations = report.findings.filter { $0.severity == .violation }
        #expect(violations.map(\.subject) == ["listener for bridges[codex].url", "listener for tunnels[t].forwards[0].listen"])
        #expect(violations.map(\.value) == ["0.0.0.0:3253", "[::]:3345"])
        #expect(violations.allSatisfy { $0.rule == "exposed_listener" && $0.message.contains("every interface") })
        #expect(report.findings.filter { $0.severity == .excepted }.map(\.value) == ["192.168.1.5:3257"])
        #expect(report.exitCode == 1)
        #expect(report.checked == 5)
    }

    @Test func anUnreadableProcTableIsReportedNotPassed() throws {
        let proc = try TemporaryDirectory("empty-proc")
        try FileManager.default.createDirectory(atPath: proc.file("net"), withIntermediateDirectories: true)
        let report = HostAudit(procRoot: proc.path, sshd: nil).run(
            targets: [HostAudit.Target(port: 4000, subject: "gateway.listen", location: nil)], policy: ExposurePolicy(source: "t"))
        #expect(report.findings.map(\.severity) == [.unverified])
        #expect(report.text.contains("not verified"))
    }

    /// The live `/proc/net/tcp` on a busy host: 120 loopback listeners and one on every interface.
    /// procfs hands the table out a page at a time; a reader that stops after the first read (as
    /// `String(contentsOfFile:)` does) saw about 27 sockets and missed the exposed one.
    @Test func everyListenerOnABusyHostIsRead() throws {
        let crowd = try (0..<120).map { _ in try ListeningSocket(address: INADDR_LOOPBACK) }
        let exposed = try ListeningSocket(address: INADDR_ANY)
        defer { (crowd + [exposed]).forEach { close($0.fd) } }

        let read = Listener.readProcNet()
        #expect(read.unreadable.isEmpty)
        let ports = Set(read.listeners.map(\.port))
        #expect(crowd.map(\.port).filter { !ports.contains($0) } == [], "listeners not read")

        let report = HostAudit(sshd: nil).run(
            targets: [HostAudit.Target(port: exposed.port, subject: "bridges[b].url", location: nil)], policy: ExposurePolicy(source: "t"))
        #expect(report.findings.filter { $0.severity == .violation }.map(\.value) == ["0.0.0.0:\(exposed.port)"])
    }

    private func fixture(tcp: String, tcp6: String) throws -> TemporaryDirectory {
        let root = try TemporaryDirectory("proc")
        try FileManager.default.createDirectory(atPath: root.file("net"), withIntermediateDirectories: true)
        try root.write("net/tcp", tcp)
        try root.write("net/tcp6", tcp6)
        return root
    }
}

/// A TCP socket listening on `address` and a port the kernel chose.
private struct ListeningSocket {
    let fd: Int32
    let port: UInt16

    init(address: in_addr_t) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var sockaddr = sockaddr_in()
        sockaddr.sin_family = sa_family_t(AF_INET)
        sockaddr.sin_addr.s_addr = address.bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &sockaddr) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard fd >= 0, bound else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        self.fd = fd
        port = UInt16(bigEndian: sockaddr.sin_port)
    }
}
