import Foundation
import Logging
import Systemd
import Testing

/// Log lines on stderr when journald is not listening.
@Suite struct LogfmtTests {
    static let time = Date(timeIntervalSince1970: 1_700_000_000.25)

    @Test("time, level and msg first, then metadata in key order; bare values stay bare")
    func line() {
        let line = Logfmt.line(
            time: Self.time, level: .info, message: "bridge codex: live",
            metadata: ["state": "live", "bridge": "codex", "ms": "12.5"])
        #expect(line == #"time=2023-11-14T22:13:20.250Z level=info msg="bridge codex: live" bridge=codex ms=12.5 state=live"#)
    }

    @Test("values are quoted when empty or holding a space, =, quote, backslash or control character", arguments: [
        ("codex", "codex"),
        ("", #""""#),
        ("connection refused", #""connection refused""#),
        ("a=b", #""a=b""#),
        (#"say "hi""#, #""say \"hi\"""#),
        (#"C:\path"#, #""C:\\path""#),
        ("two\nlines\tand\r", #""two\nlines\tand\r""#),
        ("bell\u{7}", #""bell\u{7}""#),
        ("naïve–ünïcode", "naïve–ünïcode"),
    ])
    func quoting(text: String, expected: String) {
        #expect(Logfmt.value(text) == expected)
    }

    @Test("a message cannot forge a field or a second line")
    func noInjection() {
        let line = Logfmt.line(time: Self.time, level: .warning, message: "x\nlevel=critical msg=forged", metadata: ["k e=y": "v"])
        #expect(!line.contains("\n"))
        #expect(line.hasSuffix(#"msg="x\nlevel=critical msg=forged" k_e_y=v"#))
    }

    @Test("the handler writes one logfmt line per event with its own, the logger's and the call's metadata")
    func handler() {
        let lines = Lines()
        var handler = DaemonLogHandler(level: .info, destination: .standardError, write: lines.append)
        handler[metadataKey: "tunnel"] = "home"
        let logger = Logger(label: "test") { _ in handler }
        logger.info("tunnel home: up", metadata: ["state": "up"])
        logger.debug("not at this level")
        #expect(lines.all.count == 1)
        let line = lines.all.first ?? ""
        #expect(line.hasSuffix(#" level=info msg="tunnel home: up" state=up tunnel=home"# + "\n"), "\(line)")
        #expect(line.hasPrefix("time=20"))
    }
}
