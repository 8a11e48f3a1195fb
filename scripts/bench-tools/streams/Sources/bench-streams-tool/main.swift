import Glibc
import NIOCore
import NIOPosix

// bench-streams-tool upstream --port P [--chunks N] [--interval-ms MS]
//   Serves POST /v1/chat/completions as an SSE stream of N chat.completion.chunk events, one every
//   MS (the first at once), each carrying `t=<CLOCK_MONOTONIC ns>` when it was sent, then a usage
//   chunk and `data: [DONE]`; GET /v1/models and /health answer for probes. Prints "listening" when
//   ready.
// bench-streams-tool client --port P --streams C [--header 'Name: value'] [--model M] [--timeout S]
//   Opens C streams at once and prints one JSON object: per-chunk delays (received − sent),
//   times to first chunk, completed streams and errors.

var arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else {
    warn("usage: bench-streams-tool upstream|client …\n")
    exit(2)
}
arguments.removeFirst()

func option(_ name: String) -> String? {
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count else { return nil }
    return arguments[index + 1]
}

func options(_ name: String) -> [String] {
    arguments.indices.filter { arguments[$0] == name && $0 + 1 < arguments.count }.map { arguments[$0 + 1] }
}

guard let port = option("--port").flatMap(Int.init) else {
    warn("bench-streams-tool: --port is required\n")
    exit(2)
}
OpenFiles.raise()
switch command {
case "upstream":
    let chunks = option("--chunks").flatMap(Int.init) ?? 30
    let interval = option("--interval-ms").flatMap(Int64.init) ?? 100
    try Upstream(port: port, chunks: chunks, interval: .milliseconds(interval)).run()
case "client":
    let streams = option("--streams").flatMap(Int.init) ?? 100
    let headers = options("--header").compactMap { line -> (String, String)? in
        guard let colon = line.firstIndex(of: ":") else { return nil }
        return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters())
    }
    let result = try StreamClient(
        port: port, streams: streams, headers: headers, model: option("--model") ?? "gpt-bench",
        timeout: .seconds(Int64(option("--timeout").flatMap(Int.init) ?? 300))
    ).run()
    print(result.json)
default:
    warn("bench-streams-tool: unknown command '\(command)'\n")
    exit(2)
}
