import Foundation
import Prometheus
import Store
import Synchronization

/// The gateway's Prometheus metrics (`GET /metrics`, text format): requests by model, bridge,
/// status and outcome (``RequestRecord/succeeded``: a stream that broke after its `200` is a
/// `failure`), latency and time-to-first-byte histograms, tokens; bridge and tunnel states are
/// read at scrape time.
final class GatewayMetrics: Sendable {
    /// Where every gateway metric is registered (``RefusalCounter`` adds its own).
    let registry = PrometheusCollectorRegistry()
    private static let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(120),
    ]

    /// A request's labels: its series are looked up once per label set, then kept (making a
    /// series formats its name and labels and takes the registry's lock: a tenth of a tiny request).
    private struct Labels: Hashable {
        let model: String
        let bridge: String
        let status: Int
        let succeeded: Bool
    }

    private struct Series {
        let requests: Counter
        let duration: DurationHistogram
        let firstByte: DurationHistogram
        let tokensIn: Counter
        let tokensOut: Counter
    }

    private let series = Mutex<[Labels: Series]>([:])

    /// Counts one finished request.
    func observe(_ record: RequestRecord) {
        let labels = Labels(model: record.modelServed ?? "unknown", bridge: record.bridge ?? "none", status: record.status, succeeded: record.succeeded)
        let series = series.withLock { known in
            if let series = known[labels] { return series }
            let series = makeSeries(labels)
            known[labels] = series
            return series
        }
        series.requests.increment()
        series.duration.recordNanoseconds(Int64(record.latencyMs * 1_000_000))
        if let ttfb = record.ttfbMs { series.firstByte.recordNanoseconds(Int64(ttfb * 1_000_000)) }
        if let tokens = record.tokensIn, tokens > 0 { series.tokensIn.increment(by: Int64(tokens)) }
        if let tokens = record.tokensOut, tokens > 0 { series.tokensOut.increment(by: Int64(tokens)) }
    }

    private func makeSeries(_ labels: Labels) -> Series {
        let model = [("model", labels.model)]
        return Series(
            requests: registry.makeCounter(
                descriptor: .init(namespace: "bridgekeeper", metricName: "requests", unitName: "total", helpText: "Gateway requests by outcome"),
                labels: model + [("bridge", labels.bridge), ("status", String(labels.status)), ("outcome", labels.succeeded ? "success" : "failure")]),
            duration: registry.makeDurationHistogram(
                descriptor: .init(namespace: "bridgekeeper", metricName: "request_duration", unitName: "seconds", helpText: "Until the last byte went to the client"),
                labels: model, buckets: Self.buckets),
            firstByte: registry.makeDurationHistogram(
                descriptor: .init(namespace: "bridgekeeper", metricName: "time_to_first_byte", unitName: "seconds", helpText: "Until the first byte went to the client"),
                labels: model, buckets: Self.buckets),
            tokensIn: tokens(model, "in"),
            tokensOut: tokens(model, "out"))
    }

    private func tokens(_ model: [(String, String)], _ direction: String) -> Counter {
        registry.makeCounter(
            descriptor: .init(namespace: "bridgekeeper", metricName: "tokens", unitName: "total", helpText: "Tokens by model and direction"),
            labels: model + [("direction", direction)])
    }

    /// The exposition text, with the states of `source`'s bridges and tunnels (one series per
    /// subject, its current state as a label, value 1), the routes' open circuits and limits
    /// (one series each, the seconds left as value), and each bridge's requests in flight and
    /// those refused at its `max_connections`.
    func exposition(
        states source: any DashboardSource, conditions: [RouteCondition], exchanges: [InFlightExchanges.Count] = [], now: Date = Date()
    ) -> [UInt8] {
        var text = registry.emitToString()
        text += "# HELP bridgekeeper_bridge_state The bridge's current state\n# TYPE bridgekeeper_bridge_state gauge\n"
        for bridge in source.bridges() {
            text += "bridgekeeper_bridge_state{bridge=\"\(Self.escape(bridge.name))\",state=\"\(bridge.state)\"} 1\n"
        }
        text += "# HELP bridgekeeper_tunnel_state The tunnel's current state\n# TYPE bridgekeeper_tunnel_state gauge\n"
        for tunnel in source.tunnels() {
            text += "bridgekeeper_tunnel_state{tunnel=\"\(Self.escape(tunnel.name))\",state=\"\(tunnel.state)\"} 1\n"
        }
        text += "# HELP bridgekeeper_route_condition Seconds until an open circuit or a limit of a bridge (model=\"\": all its models) ends\n"
        text += "# TYPE bridgekeeper_route_condition gauge\n"
        for condition in conditions {
            let labels = "bridge=\"\(Self.escape(condition.bridge))\",model=\"\(Self.escape(condition.model ?? ""))\",condition=\"\(condition.kind.rawValue)\""
            text += "bridgekeeper_route_condition{\(labels)} \(max(0, Int(condition.until.timeIntervalSince(now).rounded(.up))))\n"
        }
        text += "# HELP bridgekeeper_bridge_in_flight Requests to the bridge in flight now\n# TYPE bridgekeeper_bridge_in_flight gauge\n"
        for count in exchanges { text += "bridgekeeper_bridge_in_flight{bridge=\"\(Self.escape(count.bridge))\"} \(count.open)\n" }
        text += "# HELP bridgekeeper_bridge_saturated_total Requests refused because the bridge had max_connections in flight\n"
        text += "# TYPE bridgekeeper_bridge_saturated_total counter\n"
        for count in exchanges { text += "bridgekeeper_bridge_saturated_total{bridge=\"\(Self.escape(count.bridge))\"} \(count.saturated)\n" }
        return Array(text.utf8)
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
