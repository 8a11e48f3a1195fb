/// Thrown out of a tunnel's work when a stop was requested.
struct StopRequested: Error {}
