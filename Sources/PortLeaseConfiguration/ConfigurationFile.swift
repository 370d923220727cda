import PortLeaseSystem

/// Reads a configuration file whole (`Files.readAll`), with the system's own words for what
/// went wrong (`No such file or directory`, `Permission denied`).
enum ConfigurationFile {
    /// Larger files are refused: a configuration is a few kilobytes, and a wrong path
    /// pointing at a disk image should fail quickly.
    static let maximumSize = 16 << 20

    static func read(_ path: String) throws(ConfigurationError) -> [UInt8] {
        do {
            return try Files.readAll(path, maximumSize: maximumSize)
        } catch {
            let reason: String
            switch error.code {
            case .fileTooLarge: reason = "larger than \(maximumSize >> 20) MiB"
            case .invalidArgument: reason = "not a regular file"
            default: reason = error.code.description
            }
            throw .unreadable(path: path, reason: reason)
        }
    }
}
