import Foundation
import Logging
import Testing
@testable import Core
@testable import Server

/// Text from outside (an upstream's HTML error page, a request path) cannot forge log lines.
@Suite struct LogSafetyTests {
    /// Keeps what it is asked to write.
    final class Recorder: LogHandler, @unchecked Sendable {
        var events: [LogEvent] = []
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { events.append(event) }
    }

    @Test func everyEntryStaysOnOneLine() throws {
        let recorder = Recorder()
        let logger = Logger(label: "test") { SingleLineLogHandler(label: $0, wrapping: recorder) }
        let forged = "ok\n2026-12-03T00:00:00+0000 critical privatelinkd : admin token leaked\r\n\u{1B}[2J"
        logger.error("\(forged)", metadata: ["error": "\(forged)", "nested": .array([.string(forged)])])
        let event = try #require(recorder.events.first)
        let texts = [event.message.description, "\(event.metadata?["error"] ?? "")", "\(event.metadata?["nested"] ?? "")"]
        for text in texts {
            #expect(!text.contains("\n") && !text.contains("\r") && !text.contains("\u{1B}"), "\(text.debugDescription)")
            #expect(text.contains("\\n2026-12-03"))
        }
        logger.info("\(String(repeating: "x", count: 100_000))")
        #expect((recorder.events.last?.message.description.count ?? 0) < SingleLineLogHandler.maxText + 50)
    }

    @Test func anUpstreamHTMLErrorPageBecomesOneShortLine() {
        let page = "<!doctype html>\n<html>\n<body>\n" + String(repeating: "<p>gateway trouble</p>\n", count: 500) + "</body></html>\n"
        let error = AWSError.parse(service: "ec2", action: "DescribeVpcs", status: 502, body: Array(page.utf8))
        #expect(error.code == "HTTP502")
        #expect(!error.message.contains("\n"))
        #expect(error.message.count < 400)
        #expect(error.message.contains("\(page.utf8.count)-byte body"))
        let xml =
            "<Response><Errors><Error><Code>Bad\nCode</Code><Message>line one\nline two\(String(repeating: "!", count: 5000))</Message></Error></Errors></Response>"
        let parsed = AWSError.parse(service: "ec2", action: "DescribeVpcs", status: 400, body: Array(xml.utf8))
        #expect(!parsed.description.contains("\n"))
        #expect(parsed.message.count < 400)
    }
}
