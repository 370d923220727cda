import ServiceLifecycle
import UnixSignals

/// SIGHUP as a service of the server's group: `action` runs for each SIGHUP, one at a
/// time, until graceful shutdown. Reloads go through the same lifecycle as everything
/// else rather than a signal handler on the side.
public struct HangupService: Service {
    private let signals: UnixSignalsSequence
    private let action: @Sendable () async -> Void

    /// Traps SIGHUP at once (before the server starts, so an early SIGHUP is not the
    /// default "terminate"); `action` runs once ``run()`` does.
    public init(action: @escaping @Sendable () async -> Void) async {
        signals = await UnixSignalsSequence(trapping: .sighup)
        self.action = action
    }

    public func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() { await action() }
    }
}
