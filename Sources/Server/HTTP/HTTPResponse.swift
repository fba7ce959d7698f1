import Core

/// A response to write: status, headers and a complete body (always sent with `Content-Length`).
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public static let jsonContentType = "application/json; charset=utf-8"

    /// A JSON response.
    public static func json(_ status: Int, _ value: JSON, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        var body = value.serialized()
        body.append(UInt8(ascii: "\n"))
        return HTTPResponse(status: status, headers: [("Content-Type", jsonContentType)] + headers, body: body)
    }

    /// The stable error document: `{"error": {"code", "message", "details"}}`.
    public static func error(_ status: Int, code: String, message: String, details: [JSON] = [],
                             extra: [(String, JSON)] = [], headers: [(name: String, value: String)] = []) -> HTTPResponse {
        let error: JSON = .object([("code", .string(code)), ("message", .string(message)), ("details", .array(details))] + extra)
        return json(status, .object([("error", error)]), headers: headers)
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// The bytes on the wire. `includeBody` is false for `HEAD`, which still announces the length.
    func serialized(keepAlive: Bool, includeBody: Bool, date: String) -> [UInt8] {
        let sendsBody = status >= 200 && status != 204 && status != 304  // RFC 9110 §8.6: these carry no length
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + headers.count * 48 + (includeBody && sendsBody ? body.count : 0))
        bytes.append(contentsOf: "HTTP/1.1 \(status) \(HTTPResponse.reason(status))\r\n".utf8)
        for (name, value) in headers {
            bytes.append(contentsOf: name.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: value.utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        if sendsBody {
            bytes.append(contentsOf: "Content-Length: ".utf8)
            bytes.append(contentsOf: String(body.count).utf8)
            bytes.append(contentsOf: "\r\n".utf8)
        }
        bytes.append(contentsOf: "Date: ".utf8)
        bytes.append(contentsOf: date.utf8)
        bytes.append(contentsOf: (keepAlive ? "\r\nConnection: keep-alive\r\n\r\n" : "\r\nConnection: close\r\n\r\n").utf8)
        if includeBody && sendsBody { bytes.append(contentsOf: body) }
        return bytes
    }

    static func reason(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 422: return "Unprocessable Content"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }
}
