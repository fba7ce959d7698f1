import Foundation

/// A value guarded by a lock. Used where a closure must return a non-`Sendable` value to its caller
/// (a database connection's result), which `Synchronization.Mutex`'s `sending` rules do not allow.
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    public init(_ value: Value) { self.value = value }

    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
