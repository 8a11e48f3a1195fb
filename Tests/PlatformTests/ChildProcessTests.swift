import Foundation
import Platform
import Testing
import TestSupport

@Suite struct ChildProcessTests {
    @Test("stop() ends the whole tree, also a grandchild that started a session of its own, and says how the leader ended")
    func stopReachesEscapedGrandchildren() throws {
        let directory = try TemporaryDirectory("child-process")
        let pidFile = directory.file("grandchild.pid")
        // sh ignores nothing; the grandchild leaves the group (setsid) as sshd's session processes do.
        let child = try ChildProcess(
            name: "sh", arguments: ["/bin/sh", "-c", "setsid sleep 1000 & echo $! > \(pidFile); echo started; wait"],
            logPath: directory.file("log"))
        let grandchild = try Wait.value("the grandchild's pid", timeout: .seconds(10)) {
            (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        try Wait.until("the grandchild to leave the group", timeout: .seconds(10)) { child.descendants.contains(grandchild) && TestSSHD.isAlive(grandchild) }
        #expect(child.isRunning)
        child.stop(grace: .seconds(5))
        #expect(!TestSSHD.isAlive(grandchild), "the grandchild outlived stop()")
        #expect(child.ending == "killed by signal 15")
        #expect(child.descendants.isEmpty)
        #expect(child.log.contains("started"))
    }

    @Test("with a marker, stop() also ends a process that left both the group and the tree (a double fork after setsid)")
    func stopFindsMarkedOrphans() throws {
        let directory = try TemporaryDirectory("child-process")
        let pidFile = directory.file("orphan.pid")
        let mark = "BK_TEST_CHILD=\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let (name, value) = (String(mark.prefix { $0 != "=" }), String(mark.drop { $0 != "=" }.dropFirst()))
        // The middle shell exits at once: the orphan is reparented, outside the group and the tree.
        let child = try ChildProcess(
            name: "sh", arguments: ["/bin/sh", "-c", "setsid /bin/sh -c 'sleep 1000 & echo $! > \(pidFile)' & wait; exec sleep 1000"],
            environment: .ofThisProcess(adding: [name: value]), marker: mark, logPath: directory.file("log"))
        let orphan = try Wait.value("the orphan's pid", timeout: .seconds(10)) {
            (try? String(contentsOfFile: pidFile, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        try Wait.until("the orphan to leave the tree", timeout: .seconds(10)) { !TestSSHD.descendants(of: child.pid).contains(orphan) }
        #expect(TestSSHD.isAlive(orphan))
        #expect(child.descendants.contains(orphan), "the marker did not find it")
        child.stop(grace: .seconds(5))
        #expect(!TestSSHD.isAlive(orphan), "the orphan outlived stop()")
    }

    @Test("a program that cannot be started is an error naming it")
    func missingProgram() throws {
        let directory = try TemporaryDirectory("child-process")
        #expect {
            try ChildProcess(name: "ghost", arguments: ["/nonexistent/ghost"], logPath: directory.file("log"))
        } throws: { error in
            "\(error)".contains("cannot start ghost (/nonexistent/ghost)")
        }
    }

    @Test("greeting: the first bytes a loopback server sends; nil where nothing listens")
    func greeting() throws {
        let sshd = try TestSSHD()
        try sshd.start()
        #expect(LoopbackPort.greeting(sshd.port, timeout: .seconds(5))?.starts(with: Array("SSH-2.0-".utf8)) == true)
        let free = try LoopbackPort.free()
        #expect(LoopbackPort.greeting(free, timeout: .seconds(1)) == nil)
    }
}
