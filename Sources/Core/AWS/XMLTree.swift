import Foundation
#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An XML element read with Foundation's `XMLParser`: local name (namespace prefix dropped),
/// children in order, and the text it holds. AWS responses are small; a tree is simplest to read.
public final class XMLTree: @unchecked Sendable {
    public let name: String
    public private(set) var children: [XMLTree] = []
    public private(set) var text = ""

    init(name: String) { self.name = name }

    /// The first child with this name.
    public func child(_ name: String) -> XMLTree? { children.first { $0.name == name } }

    public func children(_ name: String) -> [XMLTree] { children.filter { $0.name == name } }

    /// The trimmed text of the element at a path of child names (`"vpc", "vpcId"`).
    public func text(_ path: String...) -> String? {
        var node: XMLTree? = self
        for name in path { node = node?.child(name) }
        guard let node else { return nil }
        return node.text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The `<item>`s (or other members) of a list element at a path.
    public func items(_ path: String..., member: String = "item") -> [XMLTree] {
        var node: XMLTree? = self
        for name in path { node = node?.child(name) }
        return node?.children(member) ?? []
    }

    /// Searches depth-first for the first element with this name.
    public func find(_ name: String) -> XMLTree? {
        if self.name == name { return self }
        for child in children { if let found = child.find(name) { return found } }
        return nil
    }

    public static func parse(_ data: Data) throws -> XMLTree {
        let parser = XMLParser(data: data)
        let builder = Builder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            throw XMLParseError(message: parser.parserError.map { "\($0)" } ?? "not an XML document")
        }
        return root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var root: XMLTree?
        var stack: [XMLTree] = []

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            let node = XMLTree(name: local)
            if let parent = stack.last { parent.children.append(node) } else { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }
    }
}

/// The body was not well-formed XML.
public struct XMLParseError: Error, Sendable { public let message: String }

/// Builds XML request bodies (Route53) with escaped text.
public enum XMLWriter {
    public static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    public static func element(_ name: String, _ text: String) -> String { "<\(name)>\(escape(text))</\(name)>" }
}
