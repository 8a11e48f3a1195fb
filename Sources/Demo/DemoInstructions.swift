/// What the demo prints once everything is up: where things are, `bridgekeeper status`, and
/// ready-to-paste settings for curl, the OpenAI and Anthropic Python SDKs, Codex and Claude Code,
/// and how to look at the ledger, the dashboard and the metrics.
struct DemoInstructions {
    /// The gateway's port on 127.0.0.1.
    var gatewayPort: UInt16
    /// The generated config, for `bridgekeeper status --config`.
    var configPath: String
    /// This executable's absolute path, so the printed `status` command works as pasted (a
    /// binary just built is in nobody's `PATH`).
    var executablePath: String
    /// The demo's temporary directory.
    var directory: String
    /// The output of `bridgekeeper status`.
    var status: String
    /// This process (it serves the bridges).
    var demoPID: Int32
    /// The `bridgekeeper run` child.
    var daemonPID: Int32
    /// The sshd listener.
    var sshdPID: Int32
    /// The sshd's port.
    var sshdPort: UInt16
    /// The tunnel's listener on the sshd side.
    var forwardPort: UInt16
    /// The demo OpenAI bridge's port.
    var openAIBridgePort: UInt16
    /// The `auth_required` bridge's port.
    var authBridgePort: UInt16
    /// The dashboard's token file (its contents are never printed).
    var dashboardTokenFile: String
    /// The daemon's state directory (the ledger's database).
    var stateDirectory: String

    /// The whole text.
    var text: String {
        let gateway = "http://127.0.0.1:\(gatewayPort)"
        return """
            bridgekeeper demo is running. Ctrl-C stops it and removes everything it started.

              gateway  \(gateway)  (OpenAI /v1/chat/completions and /v1/responses, Anthropic /v1/messages)
              models   demo-model (alias demo): the demo bridge, through the reverse SSH tunnel
                       demo-m365: a bridge whose owner has not signed in (503 bridge_auth_required)
              tunnel   sshd 127.0.0.1:\(sshdPort) listens on 127.0.0.1:\(forwardPort) → demo bridge 127.0.0.1:\(openAIBridgePort)
              bridges  demo 127.0.0.1:\(openAIBridgePort), m365 127.0.0.1:\(authBridgePort) (served by this process)
              pids     demo \(demoPID), daemon \(daemonPID), sshd \(sshdPID)
              files    \(directory) (keys, config, logs; removed on exit)

            $ \(executablePath) status --config \(configPath)
            \(status)

            Try it from another terminal.

            curl (whole answer, a stream, and the bridge that wants a sign-in):

              curl -s \(gateway)/v1/chat/completions -H 'Content-Type: application/json' \\
                -d '{"model": "demo", "messages": [{"role": "user", "content": "Hello through the tunnel"}]}'

              curl -sN \(gateway)/v1/chat/completions -H 'Content-Type: application/json' \\
                -d '{"model": "demo", "stream": true, "messages": [{"role": "user", "content": "Stream it"}]}'

              curl -s \(gateway)/v1/chat/completions -H 'Content-Type: application/json' \\
                -d '{"model": "demo-m365", "messages": [{"role": "user", "content": "Hi"}]}'

            curl, Anthropic Messages and the Responses API:

              curl -s \(gateway)/v1/messages -H 'Content-Type: application/json' -H 'anthropic-version: 2023-06-01' \\
                -d '{"model": "demo", "max_tokens": 200, "messages": [{"role": "user", "content": "Hello messages"}]}'

              curl -s \(gateway)/v1/responses -H 'Content-Type: application/json' \\
                -d '{"model": "demo", "input": "Hello responses"}'

            OpenAI Python SDK (pip install openai), chat completions and Responses:

              from openai import OpenAI
              client = OpenAI(base_url="\(gateway)/v1", api_key="demo")
              reply = client.chat.completions.create(model="demo", messages=[{"role": "user", "content": "Hello"}])
              print(reply.choices[0].message.content)
              print(client.responses.create(model="demo", input="Hello").output_text)

            Anthropic Python SDK (pip install anthropic):

              from anthropic import Anthropic
              client = Anthropic(base_url="\(gateway)", api_key="demo")
              reply = client.messages.create(model="demo", max_tokens=200, messages=[{"role": "user", "content": "Hello"}])
              print(reply.content[0].text)

            The ledger, the dashboard and the metrics (behind the dashboard token in \(dashboardTokenFile)):

              curl -s '\(gateway)/api/dashboard/requests?limit=5' -H "Authorization: Bearer $(cat \(dashboardTokenFile))"
              curl -s \(gateway)/api/dashboard/providers -H "Authorization: Bearer $(cat \(dashboardTokenFile))"
              curl -s \(gateway)/metrics -H "Authorization: Bearer $(cat \(dashboardTokenFile))"

              The ledger itself is SQLite: \(stateDirectory)/bridgekeeper.sqlite (table requests).

            Codex (~/.codex/config.toml):

              model = "demo-model"
              model_provider = "bridgekeeper-demo"

              [model_providers.bridgekeeper-demo]
              name = "bridgekeeper demo"
              base_url = "\(gateway)/v1"
              wire_api = "responses"

            Claude Code:

              ANTHROPIC_BASE_URL=\(gateway) ANTHROPIC_AUTH_TOKEN=demo \\
                ANTHROPIC_MODEL=demo-model ANTHROPIC_DEFAULT_HAIKU_MODEL=demo-model claude

            The demo bridge calls a tool when a request offers tools and asks about the weather.
            """
    }
}
