import Synchronization

/// The gateway's current ``ReloadableSettings``, swapped whole by a reload: requests read a
/// snapshot (``current``) once, so the ones in flight keep theirs while new ones get the new set.
final class CurrentSettings: Sendable {
    private let settings: Mutex<ReloadableSettings>

    /// Holds `settings` until the first reload.
    init(_ settings: ReloadableSettings) {
        self.settings = Mutex(settings)
    }

    /// The settings new requests use.
    var current: ReloadableSettings { settings.withLock { $0 } }

    /// Makes `settings` the ones new requests use.
    func replace(with settings: ReloadableSettings) {
        self.settings.withLock { $0 = settings }
    }
}
