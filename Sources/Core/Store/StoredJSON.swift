/// JSON text columns (`["subnet-1","subnet-2"]`): written with our own serializer, read back with a
/// fast path for arrays of plain strings (every GET reads several) and `JSON.parse` for the rest.
enum StoredJSON {
    static func text(_ strings: [String]) -> SQLValue { .text(JSON.strings(strings).serializedString) }
    static func text(_ value: JSON) -> SQLValue { value.isNull ? .null : .text(value.serializedString) }

    static func stringArray(_ text: String) -> [String] {
        var utf8 = Array(text.utf8)
        if let fast = fastStringArray(&utf8) { return fast }
        return (try? JSON.parse(text))?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    static func value(_ text: String?) -> JSON {
        guard let text else { return .null }
        return (try? JSON.parse(text)) ?? .null
    }

    /// `["a","b"]` with no escapes inside the strings; nil for anything else.
    private static func fastStringArray(_ bytes: inout [UInt8]) -> [String]? {
        guard bytes.first == UInt8(ascii: "["), bytes.last == UInt8(ascii: "]") else { return nil }
        if bytes.count == 2 { return [] }
        var result: [String] = []
        var i = 1
        while i < bytes.count - 1 {
            guard bytes[i] == UInt8(ascii: "\"") else { return nil }
            var j = i + 1
            while j < bytes.count, bytes[j] != UInt8(ascii: "\"") {
                if bytes[j] == UInt8(ascii: "\\") { return nil }
                j += 1
            }
            guard j < bytes.count - 1 else { return nil }
            result.append(String(decoding: bytes[(i + 1)..<j], as: UTF8.self))
            i = j + 1
            if bytes[i] == UInt8(ascii: ",") { i += 1 } else if i != bytes.count - 1 { return nil }
        }
        return result
    }
}
