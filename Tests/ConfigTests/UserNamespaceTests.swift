import Foundation
import TestSupport
import Testing

@testable import Config

/// Whether an inbound tunnel's user can be told apart where the daemon runs.
@Suite struct UserNamespaceTests {
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory("uid-map") }

    func map(_ text: String) throws -> String {
        try directory.write("uid_map-\(UUID())", text)
    }

    @Test("the initial namespace maps everyone; PrivateUsers= maps root and the service's user only")
    func mapped() throws {
        let everyone = try map("         0          0 4294967295\n")
        #expect(Configuration.isMapped(uid: 998, map: everyone))
        // What systemd writes for PrivateUsers=yes with a dynamic user 61234.
        let privateUsers = try map("         0          0          1\n     61234      61234          1\n")
        #expect(Configuration.isMapped(uid: 0, map: privateUsers))
        #expect(Configuration.isMapped(uid: 61234, map: privateUsers))
        #expect(!Configuration.isMapped(uid: 998, map: privateUsers), "the tunnel user would show as nobody")
        #expect(Configuration.isMapped(uid: 998, map: "/nonexistent/uid_map"))
    }
}
