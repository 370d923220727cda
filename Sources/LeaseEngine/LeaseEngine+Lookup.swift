import PortLeaseWire

/// Finding a client's entry from the per-packet path.
extension LeaseEngine {
    /// The entry of `key`, if the table knows the client.
    ///
    /// Called as `table.find(key)` on the stored property, the look-up made the
    /// compiler copy the table struct (retaining and releasing its arrays) to keep
    /// the read access short around a call it cannot see through: about 270
    /// instructions per look-up, one to three look-ups per exchange. Through an
    /// `inout` parameter the table is read in place, under one (still checked)
    /// modify access.
    func entryID(of key: ClientKey) -> UInt32? {
        Self.find(key, in: &table)
    }

    private static func find(_ key: ClientKey, in table: inout LeaseTable) -> UInt32? {
        table.find(key)
    }
}
