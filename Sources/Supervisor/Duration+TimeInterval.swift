extension Duration {
    /// The duration in (fractional) seconds, for arithmetic with `Date`.
    var timeInterval: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
