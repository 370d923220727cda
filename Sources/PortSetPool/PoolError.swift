/// Why a pool could not be built or a request could not be served.
///
/// Everything here can be caused by configuration or by a bug in a caller, and the
/// server must log it and go on, so it is an error value, never a trap. A full pool is
/// not an error: `allocate` returns nil for it.
public enum PoolError: Error, Hashable, Sendable {
    /// The PSID offset or a PSID length is invalid (see ``PortSetError``).
    case invalidPortSet(PortSetError)
    /// The finest PSID length is outside `0...10` or the smallest is outside `0...k_max`.
    case unsupportedPSIDLengths(minimum: Int, maximum: Int)
    /// No address ranges were given.
    case noAddresses
    /// Two address ranges overlap, so one address would be in the pool twice.
    case overlappingAddressRanges(ClosedRange<UInt32>, ClosedRange<UInt32>)
    /// A reserved port range is not inside `0...65535`.
    case invalidReservedPorts(ClosedRange<Int>)
    /// Every slot touches a reserved port: the pool could never hand anything out.
    case everyPortSetReserved
    /// The pool would exceed ``PortSetPool/maximumSlots`` slots.
    case poolTooLarge(slots: Int)
    /// The partition count is below 1 or above the number of partitionable blocks.
    case invalidPartitionCount(Int)
    /// The partition index is outside `0 ..< partitionCount`.
    case invalidPartition(Int)
    /// The pool does not hand out port sets of this PSID length.
    case unsupportedLength(Int)
    /// The address is not in any of the pool's ranges.
    case addressNotInPool(UInt32)
    /// The PSID does not fit in the requested PSID length.
    case invalidPSID(psid: Int, length: Int)
    /// The port set touches a reserved port, so it is never allocated.
    case reservedPortSet(address: UInt32, psid: Int, length: Int)
    /// Release of a set that is not allocated as exactly this `(address, PSID, length)`:
    /// a double release, or a release with the wrong length. Nothing was changed.
    case notAllocated(address: UInt32, psid: Int, length: Int)
}
