import Core
import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// The `Date` header value, formatted once per second.
enum HTTPDate {
    private static let cache = Locked<(Int, String)>((0, ""))

    static func now() -> String {
        let seconds = Int(time(nil))
        return cache.withLock { entry in
            if entry.0 == seconds { return entry.1 }
            var t = time_t(seconds)
            var parts = tm()
            gmtime_r(&t, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            strftime(&buffer, 64, "%a, %d %b %Y %H:%M:%S GMT", &parts)
            entry = (seconds, String(nulTerminated: buffer))
            return entry.1
        }
    }
}
