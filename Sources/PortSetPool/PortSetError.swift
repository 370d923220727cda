/// Why a PSID offset, PSID length, PSID or port-set request is not valid.
///
/// The arithmetic of RFC 7597 section 5.1 is only defined for `a + k <= 16`; values
/// outside it come from configuration files or from the network, so they are reported
/// as errors the caller can log and answer, never as traps.
public enum PortSetError: Error, Hashable, Sendable {
    /// The PSID offset `a` is outside `0...16`.
    case invalidOffset(Int)
    /// The PSID length `k` is negative or `a + k` exceeds 16 bits.
    case invalidLength(offset: Int, length: Int)
    /// The PSID does not fit in `length` bits.
    case invalidPSID(psid: Int, length: Int)
}
