import CLinux
import Foundation

/// Starts a thread of the daemon's own — a tunnel's, a managed bridge's, a writer's — named as
/// `top -H`, `perf` and gdb show it.
///
/// The name is set by the thread itself, with `pthread_setname_np`: Foundation on Linux drops a
/// name given before `start()` (the thread keeps its creator's), and the kernel refuses one
/// longer than 15 bytes, so it is cut to that.
public enum DedicatedThread {
    /// The longest thread name Linux keeps, in bytes.
    public static let maximumNameLength = 15

    /// Runs `body` on a new thread named `name` (cut to ``maximumNameLength`` bytes).
    public static func start(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let name = cut(name)
        let thread = Thread {
            bk_set_thread_name(name)
            body()
        }
        thread.start()
    }

    /// `name` cut to at most ``maximumNameLength`` bytes, at a character boundary.
    static func cut(_ name: String) -> String {
        var result = ""
        for character in name {
            guard result.utf8.count + character.utf8.count <= maximumNameLength else { break }
            result.append(character)
        }
        return result
    }
}
