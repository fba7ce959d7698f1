import CSystem
import Core
import HTTPTypes
import Foundation
import Logging
#if canImport(Glibc)
    import Glibc
#endif

/// Answers: handed back by workers, written in order, flushed as the socket allows.
extension EventLoop {
    // MARK: Write

    /// Called on a worker thread.
    func complete(_ connection: HTTPConnection, request: Request, response: Response, started: Double) {
        lock.lock()
        completions.append((connection, request, response, started))
        let needsWake = !wakePending
        wakePending = true
        lock.unlock()
        if needsWake { wake() }
    }

    func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    func drainCompletions() {
        var counter: UInt64 = 0
        _ = read(wakeFD, &counter, 8)
        lock.lock()
        let batch = completions
        completions.removeAll(keepingCapacity: true)
        wakePending = false
        lock.unlock()
        for (connection, request, response, started) in batch where !connection.closed {
            respond(connection, request: request, response: response, started: started)
        }
        adoptPending()
    }

    /// Queues the response's bytes; `request` is nil for a request refused while it was read
    /// (malformed, too large, too slow), which always closes the connection.
    func respond(_ connection: HTTPConnection, request: Request?, response: Response, started: Double) {
        let (isDraining, _) = lockedFlags()
        let keepAlive =
            (request?.keepAlive ?? false) && !connection.closeAfterWrite && !isDraining
            && !(response.header(.connection)?.lowercased() == "close")
        if let pending = response.pending, let request {
            connection.phase = .waiting
            connection.pending = (pending, request, started)
            setInterest(connection, EPOLLRDHUP.rawValue)  // nothing is read until it is answered
            return
        }
        let keepsAlive = keepAlive && response.stream == nil  // a stream's end is the connection's
        if !keepsAlive { connection.closeAfterWrite = true }
        connection.stream = response.stream
        var response = response
        response.headerFields[.connection] = nil
        if request == nil { response.headerFields[.requestID] = Identifier.make(prefix: "req_") }  // refused while read: an id for the report
        let bytes = response.serialized(keepAlive: keepsAlive, includeBody: request?.method != .head, date: HTTPDate.now())
        connection.output.append(contentsOf: bytes)
        connection.phase = .writing
        connection.writeStartedAt = monotonicSeconds()
        connection.served += 1
        let elapsed = (monotonicSeconds() - started) * 1000
        // Requests that reached the responder are logged by its access log; here, the ones refused
        // while reading (malformed, too large, too slow) at info, and every write's timing at debug.
        logger.log(
            level: request == nil ? .info : .debug,
            "\(request?.method.rawValue ?? "-") \(request?.path ?? "-") \(response.status.code) \(String(format: "%.2f", elapsed))ms \(response.body.count)B",
            metadata: ["peer": "\(connection.peer)"])
        flush(connection)
    }

    func flush(_ connection: HTTPConnection) {
        while connection.outputOffset < connection.output.count {
            let n = connection.output.withUnsafeBytes { buffer in
                send(
                    connection.fd, buffer.baseAddress! + connection.outputOffset,
                    buffer.count - connection.outputOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                connection.outputOffset += n
                connection.lastActivity = monotonicSeconds()
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                setInterest(connection, EPOLLOUT.rawValue | EPOLLRDHUP.rawValue)
                return
            } else {
                close(connection)
                return
            }
        }
        connection.output.removeAll(keepingCapacity: true)
        connection.outputOffset = 0
        connection.writeStartedAt = nil
        if connection.stream != nil {
            connection.phase = .streaming
            setInterest(connection, EPOLLRDHUP.rawValue)
            return
        }
        if connection.closeAfterWrite {
            close(connection)
            return
        }
        connection.phase = .reading
        setInterest(connection, EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
        processBuffered(connection)  // a pipelined request may be waiting already
    }

    // MARK: Long-lived answers

    /// At each sweep: a stream's new bytes (or its end), a pending answer that became ready.
    func serviceLongLived(_ connection: HTTPConnection, now: Double) {
        if connection.phase == .streaming, let stream = connection.stream {
            guard let bytes = stream.next(now: now) else {
                close(connection)
                return
            }
            guard !bytes.isEmpty else { return }
            if connection.output.count - connection.outputOffset + bytes.count > limits.maxStreamBufferBytes {
                logger.info("stream dropped: the client does not read", metadata: ["peer": "\(connection.peer)"])
                close(connection)
                return
            }
            if connection.writeStartedAt == nil { connection.writeStartedAt = now }
            connection.output.append(contentsOf: bytes)
            flush(connection)
        } else if connection.phase == .waiting, let (pending, request, started) = connection.pending,
            let response = pending.poll(now: now)
        {
            connection.pending = nil
            connection.phase = .processing
            respond(connection, request: request, response: response, started: started)
        }
    }
}
