import Foundation
import Logging
import HTTPTypes
import Testing
@testable import Core
@testable import Server

/// The middleware chain, the route table and the one place errors become responses.
@Suite struct MiddlewareAndRoutingTests {
    let app = try! SetupsAPITests.makeApplication()

    @Test func aSaneRequestIDIsKeptAndAnyOtherReplaced() {
        let kept = app.respond(to: Request(method: "GET", target: "/healthz", headers: [("X-Request-Id", "trace-42:a.b_c")]))
        #expect(kept.header("X-Request-Id") == "trace-42:a.b_c")
        for bad in ["", "has space", "new\nline", String(repeating: "x", count: 129), "é"] {
            let response = app.respond(to: Request(method: "GET", target: "/healthz", headers: [("X-Request-Id", bad)]))
            let id = response.header("X-Request-Id") ?? ""
            #expect(id.hasPrefix("req_") && id != bad, "\(bad.debugDescription)")
        }
        let made = app.respond(to: Request(method: "GET", target: "/nope"))
        #expect(made.status == 404 && made.header("X-Request-Id")?.hasPrefix("req_") == true)  // errors carry it too
    }

    @Test func middlewareRunsInOrderAroundTheEndpoint() {
        struct Tag: HTTPMiddleware {
            let name: String
            func respond(to request: Request, next: (Request) -> Response) -> Response {
                var request = request
                request.headerFields.append(HTTPField(name: HTTPField.Name("X-Seen")!, value: name))
                var response = next(request)
                response.headerFields.append(HTTPField(name: HTTPField.Name("X-Back")!, value: name))
                return response
            }
        }
        let chain = MiddlewareChain(middleware: [Tag(name: "outer"), Tag(name: "inner")])
        let response = chain.respond(to: Request(method: "GET", target: "/")) { request in
            Response(status: 200, headerFields: HTTPFields(request.headerFields.filter { $0.name.rawName == "X-Seen" }))
        }
        #expect(response.headerFields.map(\.value) == ["outer", "inner", "inner", "outer"])
    }

    @Test func eachRouteSaysWhereItRuns() {
        #expect(app.answersInline(Request(method: "GET", target: "/v1/setups/su_x")))
        #expect(app.answersInline(Request(method: "HEAD", target: "/v1/sites")))
        #expect(!app.answersInline(Request(method: "POST", target: "/v1/setups")))
        #expect(!app.answersInline(Request(method: "DELETE", target: "/v1/setups/su_x")))
        #expect(!app.answersInline(Request(method: "POST", target: "/v1/setups/su_x/verify")))
        #expect(app.answersInline(Request(method: "PUT", target: "/v1/setups")))  // a 405 costs nothing
    }

    @Test func theRouteTableKnowsEachPathsMethods() {
        #expect(app.router.methods("/v1/setups/su_x").map(\.rawValue) == ["GET", "DELETE", "PATCH", "HEAD", "OPTIONS"])
        #expect(app.router.methods("/v1/setups").map(\.rawValue) == ["POST", "GET", "HEAD", "OPTIONS"])
        #expect(app.router.methods("/v2/nothing").isEmpty)
        let options = app.respond(to: Request(method: "OPTIONS", target: "/v1/setups/su_x/retry"))
        #expect(options.status == 204 && options.header("Allow") == "POST, OPTIONS")
    }

    @Test func aMissingPathParameterIsABadRequestNotAnEmptyString() {
        let context = RequestContext(request: Request(method: "GET", target: "/"), parameters: ["id": ""])
        #expect(throws: APIError.self) { try context.parameter("id") }
        #expect(throws: APIError.self) { try context.parameter("vid") }
        #expect((try? RequestContext(request: Request(method: "GET", target: "/"), parameters: ["id": "su_1"]).parameter("id")) == "su_1")
    }

    @Test func storeErrorsRenderThemselves() throws {
        let notFound = NotFound(kind: "setup", id: "su_x").response
        let notFoundBody = try JSON.parse(notFound.body)
        #expect(notFound.status == 404 && notFoundBody["error"]?["code"] == "not_found")
        let conflict = StateConflict(message: "setup su_x is already deleting").response
        let conflictBody = try JSON.parse(conflict.body)
        #expect(conflict.status == 409 && conflictBody["error"]?["message"] == "setup su_x is already deleting")
        #expect(IdempotencyConflict(key: "k").response.status == 409)
    }
}
