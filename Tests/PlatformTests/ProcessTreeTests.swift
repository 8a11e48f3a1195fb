import Foundation
import Platform
import Testing

@Suite struct ProcessTreeTests {
    @Test(
        "/proc/PID/stat: the command name may hold spaces and parentheses; fields count from the last ')'",
        arguments: [
            ("1234 (python3) S 1 1234 1234 0", ProcessTree.Process(pid: 1234, parent: 1, group: 1234, comm: "python3", state: "S")),
            ("77 (a b) (c)) Z 5 70 70", ProcessTree.Process(pid: 77, parent: 5, group: 70, comm: "a b) (c)", state: "Z")),
        ])
    func parsesStat(text: String, expected: ProcessTree.Process) {
        #expect(ProcessTree.parseStat(text) == expected)
    }

    @Test("a stat line that is cut short or has no pid is no process", arguments: ["", "x (sh) S 1 1", "12 (sh) S 1", "12 sh S 1 1"])
    func refusesBroken(text: String) {
        #expect(ProcessTree.parseStat(text) == nil)
    }

    @Test("this process's group holds this process, read from the real /proc")
    func findsItself() {
        let members = ProcessTree.members(leader: getpgrp())
        #expect(members.contains { $0.pid == getpid() && $0.isLive })
    }
}
