extension String {
    /// The text of a C character buffer, up to its first NUL (or the whole buffer without one).
    public init(nulTerminated buffer: [CChar]) {
        self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
