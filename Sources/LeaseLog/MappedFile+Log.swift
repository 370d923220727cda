import PortLeaseSystem

extension MappedFile {
    /// Maps `path` for a reader of the log (`PortLeaseSystem.MappedFile`); nil when it does not
    /// exist. The error is the log's, naming the call and the file.
    static func forLog(_ path: String) throws(LeaseLogError) -> MappedFile? {
        do throws(SystemCallError) {
            return try MappedFile(path: path)
        } catch {
            throw .system(error)
        }
    }
}
