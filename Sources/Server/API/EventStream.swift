import Core
import Foundation

/// One `GET /v1/events/stream`: Server-Sent Events of transitions from its cursor on, written by
/// the event loop (`ResponseStream`). `id:` is the transition id, so a client resumes with
/// `Last-Event-ID` without a gap or a repeat; a comment every 15 s keeps proxies from closing it.
final class EventStream: ResponseStream, @unchecked Sendable {
    private let feed: TransitionFeed
    private let setupID: String?
    private let team: String?
    private let slots: StreamSlots
    private var cursor: Int  // touched only by the connection's event loop
    private var lastWrite: Double
    private var started = false
    static let heartbeat = 15.0
    static let batch = 200

    init(feed: TransitionFeed, after cursor: Int, setupID: String?, team: String?, slots: StreamSlots, now: Double) {
        self.feed = feed
        self.cursor = cursor
        self.setupID = setupID
        self.team = team
        self.slots = slots
        self.lastWrite = now
    }

    func next(now: Double) -> [UInt8]? {
        var out: [UInt8] = []
        if !started {
            started = true
            out.append(contentsOf: "retry: 2000\n\n".utf8)  // how long EventSource waits before reconnecting
        }
        do {
            for event in try feed.events(after: cursor, setupID: setupID, team: team, limit: Self.batch, now: now) {
                out.append(contentsOf: "id: \(event.id)\nevent: transition\ndata: ".utf8)
                out.append(contentsOf: Representation.transition(event).serialized())
                out.append(contentsOf: "\n\n".utf8)
                cursor = event.id
            }
        } catch {
            return nil  // the database is closing: end the stream; the client resumes elsewhere
        }
        if out.isEmpty && now - lastWrite >= Self.heartbeat { out.append(contentsOf: ": heartbeat\n\n".utf8) }
        if !out.isEmpty { lastWrite = now }
        return out
    }

    func closed() { slots.release() }
}

/// The cap on open streams (`--max-streams`): beyond it a new stream is answered 503.
final class StreamSlots: Sendable {
    let capacity: Int
    private let open = Locked(0)

    init(capacity: Int) { self.capacity = capacity }

    var count: Int { open.withLock { $0 } }

    func take() -> Bool {
        open.withLock { open in
            guard open < capacity else { return false }
            open += 1
            return true
        }
    }

    func release() { open.withLock { $0 -= 1 } }
}
