extension Substring {
    /// Without leading and trailing ASCII spaces and tabs. Foundation's
    /// `trimmingCharacters(in: .whitespaces)` goes through NSString and UTF-16 and costs tens of
    /// thousands of instructions; header values are ASCII, and this runs on every request.
    public var trimmingASCIISpaces: Substring {
        var start = utf8.startIndex, end = utf8.endIndex
        while start < end, utf8[start] == 32 || utf8[start] == 9 { start = utf8.index(after: start) }
        while end > start {
            let last = utf8.index(before: end)
            guard utf8[last] == 32 || utf8[last] == 9 else { break }
            end = last
        }
        return self[start..<end]
    }
}

extension String {
    /// See `Substring.trimmingASCIISpaces`.
    public var trimmingASCIISpaces: Substring { self[...].trimmingASCIISpaces }
}
