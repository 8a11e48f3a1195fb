import Foundation
import Glibc
import Platform
import Testing

@Suite struct BlockingWorkTests {
    struct Refused: Error, Equatable { let why: String }

    @Test("the work runs on a thread of its own, named, and its value comes back")
    func runsOnItsOwnThread() async {
        let (name, value) = await BlockingWork.run("bk-test-worker") { (DedicatedThreadTests.kernelName(), 42) }
        #expect(name == "bk-test-worker")
        #expect(value == 42)
    }

    @Test("what the work throws is thrown to the caller, typed")
    func throwsThrough() async {
        do throws(Refused) {
            _ = try await BlockingWork.run("bk-test-worker") { () throws(Refused) -> Int in throw Refused(why: "no") }
            Issue.record("nothing thrown")
        } catch {
            #expect(error == Refused(why: "no"))
        }
    }

    @Test("work that blocks for a while does not hold the caller's executor: others run meanwhile", .timeLimit(.minutes(1)))
    func blockingDoesNotStarveThePool() async {
        let gate = DispatchSemaphore(value: 0)
        // Far more blocked works than the cooperative pool has threads (one per core): if they ran
        // on the pool, the task that opens the gate could never run.
        let count = ProcessInfo.processInfo.activeProcessorCount * 4
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<count {
                group.addTask { await BlockingWork.run("bk-test-blocked") { gate.wait() } }
            }
            group.addTask { for _ in 0..<count { gate.signal() } }
        }
    }
}

@Suite struct DedicatedThreadTests {
    /// The kernel's name of the calling thread, read with open(2) on the calling thread itself.
    static func kernelName() -> String {
        let fd = open("/proc/thread-self/comm", O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return String(decoding: buffer.prefix(max(0, count)), as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    @Test("the kernel knows the thread by its name, cut to 15 bytes at a character boundary", arguments: [
        ("bk-ledger", "bk-ledger"), ("bk-tunnel-macstudio-home", "bk-tunnel-macst"), ("bk-bridge-ünï", "bk-bridge-ünï"), ("bk-bridge-ünïcode", "bk-bridge-ünï"),
    ])
    func named(name: String, expected: String) async {
        let seen = await BlockingWork.run(name) { Self.kernelName() }
        #expect(seen == expected)
    }
}
