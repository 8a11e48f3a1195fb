import Policy
import TOML
import Testing

@Suite struct PolicyFileTests {
    let file = """
        [[exceptions]]
        address = "192.168.1.5"
        port = 3253
        reason = "lab bridge on VLAN 20"

        [[exceptions]]
        address = "fd00::5"
        port = 3257
        reason = "ULA test host"
        """

    @Test func anExceptionLetsExactlyItsAddressAndPortThrough() throws {
        let policy = try ExposurePolicy.parse(file, source: "policy.toml")
        #expect(policy.exceptions.map(\.location) == ["policy.toml:1", "policy.toml:6"])
        guard case .excepted(let address, let exception) = policy.check(bind: "192.168.1.5:3253") else {
            Issue.record("the excepted bind was not allowed")
            return
        }
        #expect(address.description == "192.168.1.5:3253")
        #expect(exception.reason == "lab bridge on VLAN 20")
        guard case .excepted = policy.check(bind: "[fd00:0::5]:3257") else {
            Issue.record("an IPv6 exception did not match another spelling of its address")
            return
        }
        for other in ["192.168.1.5:3254", "192.168.1.6:3253", "0.0.0.0:3253", "[::ffff:192.168.1.5]:3253"] {
            guard case .refused = policy.check(bind: other) else {
                Issue.record("\(other) passed an exception meant for 192.168.1.5:3253")
                continue
            }
        }
    }

    @Test(arguments: [
        ("[[exceptions]]\naddress = \"0.0.0.0\"\nport = 1\nreason = \"x\"", 2, "cannot be excepted"),
        ("[[exceptions]]\naddress = \"::\"\nport = 1\nreason = \"x\"", 2, "cannot be excepted"),
        ("[[exceptions]]\naddress = \"::ffff:10.0.0.1\"\nport = 1\nreason = \"x\"", 2, "cannot be excepted"),
        ("[[exceptions]]\naddress = \"10.0.0.0/8\"\nport = 1\nreason = \"x\"", 2, "not a literal IP address"),
        ("[[exceptions]]\naddress = \"lan-host\"\nport = 1\nreason = \"x\"", 2, "not a literal IP address"),
        ("[[exceptions]]\naddress = \"10.0.0.1\"\nport = 0\nreason = \"x\"", 3, "out of range"),
        ("[[exceptions]]\naddress = \"10.0.0.1\"\nport = 1\nreason = \"  \"", 4, "say why"),
        ("[[exceptions]]\naddress = \"10.0.0.1\"\nport = 1", 1, "missing required key 'exceptions[0].reason'"),
        ("[[exceptions]]\naddress = \"10.0.0.1\"\nport = 1\nreason = \"x\"\nports = [2]", 5, "unknown key 'ports'"),
        ("exception = 1", 1, "unknown key 'exception'"),
        ("[[exceptions]]\naddress = \"127.0.0.1\"\nport = 1\nreason = \"x\"", 2, "is loopback, which is always allowed"),
        ("[[exceptions]]\naddress = \"::ffff:192.168.1.5\"\nport = 1\nreason = \"x\"", 2, "'::ffff:192.168.1.5' cannot be excepted"),
    ])
    func invalidPolicyFilesNameTheLine(text: String, line: Int, fragment: String) {
        #expect {
            try ExposurePolicy.parse(text, source: "p.toml")
        } throws: { error in
            guard let error = error as? TOMLSchemaError, let problem = error.problems.first else { return false }
            return problem.line == line && problem.message.contains(fragment)
        }
    }
}
