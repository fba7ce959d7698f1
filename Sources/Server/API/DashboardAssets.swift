import Core
import Foundation
import HTTPTypes
import Logging

/// The built-in dashboard: `GET /` (its page) and `GET /ui/{file}` (its modules and stylesheet),
/// shipped in the binary as resources (`Sources/Server/Resources/ui`) and read once at start-up.
/// Plain HTML, CSS and JavaScript modules, no build step, nothing fetched from elsewhere; it calls
/// the same `/v1` API as any other client. Open like `/openapi.json`: the files hold no data.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        let body: [UInt8]
        let contentType: String
        let etag: String
    }

    let assets: [String: Asset]

    /// What a page may load: only this server's own files and API; no inline script, no framing.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
        .xContentTypeOptions: "nosniff", .referrerPolicy: "no-referrer",
    ]

    static func bundled(logger: Logger) -> DashboardAssets {
        guard let folder = Bundle.module.url(forResource: "ui", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path)
        else {
            logger.error("the dashboard's files are missing from the build")
            return DashboardAssets(assets: [:])
        }
        var assets: [String: Asset] = [:]
        for name in names {
            guard let type = contentType(of: name), let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) else {
                continue
            }
            let body = Array(data)
            assets[name] = Asset(body: body, contentType: type, etag: "\"\(fingerprint(body))\"")
        }
        return DashboardAssets(assets: assets)
    }

    static func contentType(of name: String) -> String? {
        if name.hasSuffix(".html") { return "text/html; charset=utf-8" }
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".svg") { return "image/svg+xml" }
        return nil
    }

    /// FNV-1a, 64 bits: an ETag only has to change when the file does.
    static func fingerprint(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    func register(_ router: inout Router) {
        router.add(.get, "/", runs: .inline, needs: .open) { context in try serve("index.html", context.request) }
        router.add(.get, "/ui/{file}", runs: .inline, needs: .open) { context in try serve(try context.parameter("file"), context.request) }
    }

    func serve(_ name: String, _ request: Request) throws -> Response {
        guard let asset = assets[name] else { throw APIError.notFound("dashboard file \(name)") }
        var fields = Self.securityHeaders
        fields[.eTag] = asset.etag
        fields[.cacheControl] = "no-cache"  // revalidate: a new binary serves new files at once
        if request.header(.ifNoneMatch) == asset.etag { return Response(status: .notModified, headerFields: fields, body: []) }
        fields[.contentType] = asset.contentType
        return Response(status: .ok, headerFields: fields, body: asset.body)
    }
}
