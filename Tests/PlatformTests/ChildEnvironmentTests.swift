import Platform
import Testing

@Suite struct ChildEnvironmentTests {
    @Test("PATH, HOME and LANG are kept, everything else of the daemon's is not; the extra table wins")
    func minimal() {
        let parent = [
            "PATH": "/usr/bin", "HOME": "/var/lib/bk", "LANG": "C.UTF-8", "CREDENTIALS_DIRECTORY": "/run/credentials/bk",
            "NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "30000000", "OPENAI_API_KEY": "sk-x",
        ]
        let environment = ChildEnvironment(parent: parent, extra: ["CODEX_HOME": "/srv/codex", "HOME": "/srv/home"])
        #expect(environment.variables == ["PATH": "/usr/bin", "HOME": "/srv/home", "LANG": "C.UTF-8", "CODEX_HOME": "/srv/codex"])
    }

    @Test func aPathEvenWhenTheDaemonHasNone() {
        #expect(ChildEnvironment(parent: [:]).variables["PATH"] == "/usr/local/bin:/usr/bin:/bin")
    }
}
