import SystemPackage

/// How `Files.open` opens a file: the three ways PortLease uses files.
public enum FileOpenIntent: Sendable, Hashable {
    /// Read only; the file must exist.
    case readOnly
    /// Read and write, creating the file if needed and keeping its contents (a segment
    /// reopened for appends).
    case readWrite
    /// Write only, creating the file or emptying it (a temporary file before a rename).
    case truncate

    var access: FileDescriptor.AccessMode {
        switch self {
        case .readOnly: .readOnly
        case .readWrite: .readWrite
        case .truncate: .writeOnly
        }
    }

    var options: FileDescriptor.OpenOptions {
        switch self {
        case .readOnly: .closeOnExec
        case .readWrite: [.closeOnExec, .create]
        case .truncate: [.closeOnExec, .create, .truncate]
        }
    }
}
