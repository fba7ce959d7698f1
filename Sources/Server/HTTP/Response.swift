import Core
import HTTPTypes

/// A response to write: status, header fields and a complete body (always sent with
/// `Content-Length`). Status and fields are swift-http-types' values.
public struct Response: Sendable {
    public var status: HTTPResponse.Status
    public var headerFields: HTTPFields
    public var body: [UInt8]
    /// Set for a streamed body (the head is sent without a length and the connection closes when
    /// the stream ends).
    public var stream: (any ResponseStream)?
    /// Set for an answer to come: the loop polls it and writes what it gives.
    public var pending: (any PendingResponse)?

    public init(status: HTTPResponse.Status, headerFields: HTTPFields = [:], body: [UInt8] = []) {
        self.status = status
        self.headerFields = headerFields
        self.body = body
    }

    public static let jsonContentType = "application/json; charset=utf-8"

    /// A JSON response.
    public static func json(_ status: HTTPResponse.Status, _ value: JSON, headerFields: HTTPFields = [:]) -> Response {
        var body = value.serialized()
        body.append(UInt8(ascii: "\n"))
        var fields: HTTPFields = [.contentType: jsonContentType]
        fields.append(contentsOf: headerFields)
        return Response(status: status, headerFields: fields, body: body)
    }

    /// The stable error document: `{"error": {"code", "message", "details"}}`.
    public static func error(
        _ status: HTTPResponse.Status, code: String, message: String, details: [JSON] = [],
        extra: [(String, JSON)] = [], headerFields: HTTPFields = [:]
    ) -> Response {
        let error: JSON = .object([("code", .string(code)), ("message", .string(message)), ("details", .array(details))] + extra)
        return json(status, .object([("error", error)]), headerFields: headerFields)
    }

    /// The first value of a header field.
    public func header(_ name: HTTPField.Name) -> String? {
        headerFields.first { $0.name == name }?.value
    }

    /// The bytes on the wire. `includeBody` is false for `HEAD`, which still announces the length.
    func serialized(keepAlive: Bool, includeBody: Bool, date: String) -> [UInt8] {
        let code = status.code
        let sendsBody = code >= 200 && code != 204 && code != 304 && stream == nil  // RFC 9110 §8.6; a stream has no length
        var bytes: [UInt8] = []
        bytes.reserveCapacity(160 + headerFields.count * 48 + (includeBody && sendsBody ? body.count : 0))
        bytes.append(contentsOf: "HTTP/1.1 \(code) \(Response.reason(status))\r\n".utf8)
        for field in headerFields {
            bytes.append(contentsOf: field.name.rawName.utf8)
            bytes.append(contentsOf: ": ".utf8)
            bytes.append(contentsOf: field.value.utf8)
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

    /// The reason phrase: the status's own (`.notFound`), or the registered one for its code when
    /// it was written as a number (`404`), which carries none.
    static func reason(_ status: HTTPResponse.Status) -> String {
        if !status.reasonPhrase.isEmpty { return status.reasonPhrase }
        switch status.code {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 304: return "Not Modified"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 412: return "Precondition Failed"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 415: return "Unsupported Media Type"
        case 417: return "Expectation Failed"
        case 421: return "Misdirected Request"
        case 422: return "Unprocessable Content"
        case 428: return "Precondition Required"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status.code)"
        }
    }
}
