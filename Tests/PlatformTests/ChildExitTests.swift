import Glibc
import Platform
import Testing

@Suite struct ChildExitTests {
    @Test("a child's end in words and as a shell's code, reaped once", arguments: [
        ("exit 3", "exited with status 3", Int32(3)), ("kill -9 $$", "killed by signal 9", 137), ("true", "exited with status 0", 0),
    ])
    func ending(script: String, words: String, code: Int32) throws {
        let pid = try ProcessGroupSpawn.spawn(["/bin/sh", "-c", script], environment: nil, stdin: .null, stdout: .null, stderr: .null)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        #expect(ChildExit.describe(status) == words)
        #expect(ChildExit.code(status) == code)
        // Reaped already: a second look says so instead of waiting.
        #expect(ChildExit.reap(pid)?.hasPrefix("ended (status unknown") == true)
    }
}
