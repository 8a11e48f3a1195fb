import CurlHTTP
import Foundation
import Testing

@Suite struct LibCurlTests {
    /// The library linked at run time is the one pkg-config builds against.
    @Test func linkedLibraryMatchesPkgConfig() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pkg-config")
        process.arguments = ["--modversion", "libcurl"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(LibCurl.version == String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
