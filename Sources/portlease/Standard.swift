import Foundation

/// Writing to standard error without going through the (not concurrency-safe) C globals.
enum Standard {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
