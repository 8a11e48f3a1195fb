import CSystemd

/// What systemd tells this process about how it was started.
public enum Systemd {
    /// Whether the host booted with systemd as init (`sd_booted`).
    public static var booted: Bool { sd_booted() > 0 }
}
