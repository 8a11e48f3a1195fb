public import TOML

extension ExposurePolicy {
    /// Reads a policy file:
    ///
    /// ```toml
    /// [[exceptions]]
    /// address = "192.168.1.5"   # one literal address, never a wildcard, range or name
    /// port = 3253
    /// reason = "lab bridge on the isolated VLAN, reviewed 2026-11-01"
    /// ```
    public static func parse(_ text: String, source: String) throws(TOMLSchemaError) -> ExposurePolicy {
        try TOMLReader.read(text, source: source) { root in
            var exceptions: [PolicyException] = []
            for entry in root.tables("exceptions") {
                defer { entry.finish() }
                let address = entry.string("address", required: true)
                let port = entry.integer("port", in: 1...65535, required: true)
                let reason = entry.string("reason", required: true)
                if let reason, reason.value.allSatisfy(\.isWhitespace) {
                    entry.problem("reason", "is empty; say why this exception exists")
                }
                guard let address, let port, let reason else { continue }
                guard let ip = IPAddress(address.value) else {
                    entry.problem("address", "'\(address.value)' is not a literal IP address; an exception names one exact address")
                    continue
                }
                guard ip.addressClass != .loopback else {
                    entry.problem("address", "'\(address.value)' is loopback, which is always allowed; remove this exception")
                    continue
                }
                let refusal = refusal(for: ip.addressClass, port: UInt16(port.value), address: ip)
                guard refusal.rule.isExemptible else {
                    entry.problem("address", "'\(address.value)' cannot be excepted: \(refusal.message)")
                    continue
                }
                exceptions.append(PolicyException(ip: ip, port: UInt16(port.value), reason: reason.value, location: "\(source):\(entry.line)"))
            }
            return ExposurePolicy(exceptions: exceptions, source: source)
        }
    }
}
