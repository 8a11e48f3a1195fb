public import HummingbirdCore
public import Logging
public import NIOCore

/// A server child channel whose connections are handled on their own event loop (the task
/// executor preference of ``EventLoopExecutor``) instead of on the cooperative pool.
public struct EventLoopAffineChannel<Base: ServerChildChannel>: ServerChildChannel {
    public typealias Value = Base.Value
    let base: Base

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        base.setup(channel: channel, logger: logger)
    }

    public func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopExecutor.of(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}
