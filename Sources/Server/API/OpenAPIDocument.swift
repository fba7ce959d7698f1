import Core
import Foundation
import Logging

/// `GET /openapi.json`: the API's OpenAPI 3.1 contract, kept by hand as one file
/// (`Sources/Server/Resources/openapi.json`) and checked against the running server by
/// schemathesis in the tests. Open to everyone, like `/healthz`: it describes, it holds nothing.
struct OpenAPIDocument: Sendable {
    let body: [UInt8]

    /// Reads the bundled document once, at start-up; a missing one is logged and answered with a 500.
    static func bundled() throws -> OpenAPIDocument {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw OpenAPIDocumentError(message: "openapi.json is missing from the build")
        }
        let data = try Data(contentsOf: url)
        // Its validity is the contract test's job; parsing its 110 KB at every start cost about 136
        // million instructions (callgrind) for nothing the server uses.
        guard data.first == UInt8(ascii: "{") else { throw OpenAPIDocumentError(message: "openapi.json is not a JSON object") }
        return OpenAPIDocument(body: Array(data))
    }

    /// Serves the bundled document; should the build lack it, the route says so with a 500.
    static func register(_ router: inout Router, logger: Logger) {
        let document: OpenAPIDocument?
        do { document = try bundled() } catch {
            logger.error("no OpenAPI document", metadata: ["error": "\(error)"])
            document = nil
        }
        router.add(.get, "/openapi.json", runs: .inline, needs: .open) { _ in
            guard let document else { throw APIError.internalError() }
            return Response(status: .ok, headerFields: [.contentType: Response.jsonContentType, .cacheControl: "no-cache"], body: document.body)
        }
    }
}

struct OpenAPIDocumentError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
