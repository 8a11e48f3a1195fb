import Foundation
import Testing
import TunnelManager

@Suite struct LibSSH2Tests {
    /// The library linked at run time is the one pkg-config builds against (Debian 12: 1.10.0),
    /// whose limits (no rsa-sha2) the tunnel code is written for.
    @Test func linkedLibraryMatchesPkgConfig() throws {
        let expected = try pkgConfigVersion("libssh2")
        #expect(LibSSH2.version == expected)
    }
}

func pkgConfigVersion(_ package: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/pkg-config")
    process.arguments = ["--modversion", package]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
