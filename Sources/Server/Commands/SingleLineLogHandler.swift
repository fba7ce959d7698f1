import Core
import Logging

/// Keeps every log entry on one line: the message, metadata values and error texts are escaped
/// (`\n`, `\u{1B}`…) and cut before swift-log's stream handler writes them. Log lines carry text
/// from outside (AWS error bodies, request paths, resolver answers); unescaped, an upstream could
/// write lines of its own that read like ours.
struct SingleLineLogHandler: LogHandler {
    private var inner: any LogHandler
    /// Characters kept of one message or value.
    static let maxText = 1000

    /// Escapes for `inner`, which writes (swift-log's standard-error stream handler by default).
    init(label: String, wrapping inner: (any LogHandler)? = nil) {
        self.inner = inner ?? StreamLogHandler.standardError(label: label)
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue.mapValues(Self.escaped) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue.map(Self.escaped) }
    }

    func log(event: LogEvent) {
        var event = event
        event.message = "\(Echo.text(event.message.description, limit: Self.maxText))"
        var metadata = event.metadata?.mapValues(Self.escaped) ?? [:]
        if let error = event.error {
            metadata["error.message"] = .string(Echo.text("\(error)", limit: Self.maxText))
            event.error = nil
        }
        event.metadata = metadata.isEmpty ? nil : metadata
        inner.log(event: event)
    }

    static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case let .string(text): return .string(Echo.text(text, limit: maxText))
        case let .stringConvertible(convertible): return .string(Echo.text(convertible.description, limit: maxText))
        case let .array(values): return .array(values.map(escaped))
        case let .dictionary(values): return .dictionary(values.mapValues(escaped))
        }
    }
}
