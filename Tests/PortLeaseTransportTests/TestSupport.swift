import PortLeaseSystem
import PortLeaseTransport
import PortLeaseWire
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Whether io_uring works here; when it does not, the tests that need it are skipped and the
/// reason is printed once (never a failure: CI containers often block io_uring with seccomp).
enum IORingAvailability {
    static let problem: TransportError? = {
        let problem = IORingSupport.check()
        if let problem { print("PortLeaseTransportTests: skipping io_uring tests: \(problem)") }
        return problem
    }()
    static var available: Bool { problem == nil }
}

/// `::1`.
let loopback = IPv6Address(high: 0, low: 1)

/// A thread of its own (not the cooperative pool): `ReceiveLoop.run` blocks it until stopped.
final class BackgroundThread: @unchecked Sendable {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }
    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }
    private var thread = pthread_t()
    private let finished = Flag()

    init(_ body: @escaping @Sendable () -> Void) {
        let finished = self.finished
        let context = Unmanaged.passRetained(
            Body {
                body()
                finished.value.store(true, ordering: .releasing)
            }
        ).toOpaque()
        let result = pthread_create(
            &thread, nil,
            { raw in
                let body = Unmanaged<Body>.fromOpaque(raw!).takeRetainedValue()
                body.run()
                return nil
            }, context)
        precondition(result == 0, "pthread_create failed")
    }

    /// Whether the body has returned.
    var isFinished: Bool { finished.value.load(ordering: .acquiring) }

    func join() {
        pthread_join(thread, nil)
    }
}

/// Polls `condition` every millisecond until it holds or `seconds` pass; returns whether it held.
func waitUntil(seconds: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !condition() {
        if ContinuousClock.now > deadline { return false }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return true
}

/// A plain blocking UDP socket on `::1`, port 0: the test's client.
final class TestClient {
    let fd: Int32
    let port: UInt16

    init(receiveTimeoutMilliseconds: Int = 2000) {
        let fd = socket(AF_INET6, Int32(SOCK_DGRAM.rawValue), 0)
        precondition(fd >= 0)
        self.fd = fd
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_addr.__in6_u.__u6_addr8.15 = 1
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
            }
        }
        precondition(bound == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin6_port)
        var timeout = timeval(
            tv_sec: receiveTimeoutMilliseconds / 1000, tv_usec: (receiveTimeoutMilliseconds % 1000) * 1000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var size: Int32 = 4 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends `bytes` to `[::1]:port`; returns false when the kernel refused it.
    @discardableResult
    func send(_ bytes: [UInt8], toPort port: UInt16) -> Bool {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = port.bigEndian
        address.sin6_addr.__in6_u.__u6_addr8.15 = 1
        let sent = bytes.withUnsafeBytes { payload in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, payload.baseAddress, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        return sent == bytes.count
    }

    /// The next datagram and its source port, or nil after the receive timeout.
    func receive() -> (bytes: [UInt8], sourcePort: UInt16, source: IPv6Address)? {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var address = sockaddr_in6()
        var length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length)
                }
            }
        }
        guard count >= 0 else { return nil }
        let source = withUnsafeBytes(of: address.sin6_addr) { IPv6Address(bytes: $0)! }
        return (Array(buffer[..<count]), UInt16(bigEndian: address.sin6_port), source)
    }

    deinit {
        close(fd)
    }
}

/// The test datagram number `sequence`: its number in the first four bytes (big-endian), then
/// a pattern derived from it; sizes vary from 4 to 1,403 bytes.
func testDatagram(_ sequence: Int) -> [UInt8] {
    let size = 4 + (sequence * 37) % 1400
    var bytes = [UInt8](repeating: 0, count: size)
    bytes[0] = UInt8(truncatingIfNeeded: sequence >> 24)
    bytes[1] = UInt8(truncatingIfNeeded: sequence >> 16)
    bytes[2] = UInt8(truncatingIfNeeded: sequence >> 8)
    bytes[3] = UInt8(truncatingIfNeeded: sequence)
    for index in 4..<size { bytes[index] = UInt8(truncatingIfNeeded: sequence &* 31 &+ index) }
    return bytes
}

/// The sequence number of a test datagram when its bytes match `testDatagram`, else nil.
func checkTestDatagram(_ payload: UnsafeRawBufferPointer) -> Int? {
    guard payload.count >= 4 else { return nil }
    let sequence = Int(payload[0]) << 24 | Int(payload[1]) << 16 | Int(payload[2]) << 8 | Int(payload[3])
    guard payload.count == 4 + (sequence * 37) % 1400 else { return nil }
    for index in 4..<payload.count where payload[index] != UInt8(truncatingIfNeeded: sequence &* 31 &+ index) {
        return nil
    }
    return sequence
}

/// What the loop thread saw, read by the test.
struct ObservedDatagrams {
    var sequences: Set<Int> = []
    var corrupt = 0
    var wrongSource: [SocketAddress6] = []
    var wrongDestination: [IPv6Address] = []
    var zeroInterface = 0
    /// Datagrams without a kernel receive stamp, or with one in the future or over 60 s old.
    var badStamps = 0
    var batches = 0
    var echoed = 0
    var echoRefused = 0
}

/// A `ReceiveLoop` on a background thread, recording every datagram and, with `echo`, sending
/// each back to its source through a `SendRing` flushed at the end of each batch.
final class LoopHarness: Sendable {
    let socket: UDPSocket
    let loop: ReceiveLoop
    let thread: BackgroundThread
    let record: Record

    /// The loop thread's observations and its error, if `run` threw.
    final class Record: Sendable {
        let observed = Mutex(ObservedDatagrams())
        let failure = Mutex<TransportError?>(nil)
    }

    init(
        expectedSourcePort: UInt16?, echo: Bool, bufferCount: Int = 1024, bufferSize: Int = 2048
    ) throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        try socket.setReceiveBufferSize(4 << 20)
        let loop = try ReceiveLoop(sockets: [socket], bufferCount: bufferCount, bufferSize: bufferSize)
        let sender = echo ? try SendRing(capacity: 256) : nil
        let record = Record()
        self.socket = socket
        self.loop = loop
        self.record = record
        let sendFailures = UnsafeSendable(value: sender)
        thread = BackgroundThread {
            let sender = sendFailures.value
            do throws(TransportError) {
                try loop.run(
                    handler: { datagram in
                        let sequence = checkTestDatagram(datagram.payload)
                        var echoed = false
                        if let sender, sequence != nil {
                            if !sender.enqueue(
                                datagram.payload, on: loop.sockets[datagram.socketIndex], to: datagram.source,
                                from: datagram.destination, interfaceIndex: datagram.interfaceIndex)
                            {
                                _ = try? sender.flush()
                                echoed = sender.enqueue(
                                    datagram.payload, on: loop.sockets[datagram.socketIndex], to: datagram.source,
                                    from: datagram.destination, interfaceIndex: datagram.interfaceIndex)
                            } else {
                                echoed = true
                            }
                        }
                        record.observed.withLock { state in
                            if let sequence { state.sequences.insert(sequence) } else { state.corrupt += 1 }
                            if let expectedSourcePort,
                                datagram.source.port != expectedSourcePort || datagram.source.address != loopback
                            {
                                state.wrongSource.append(datagram.source)
                            }
                            if datagram.destination != loopback { state.wrongDestination.append(datagram.destination) }
                            if datagram.interfaceIndex == 0 { state.zeroInterface += 1 }
                            let now = SystemClock.wallClockNanoseconds()
                            let stamp = datagram.kernelReceiveTime
                            if stamp == 0 || stamp > now || now - stamp > 60_000_000_000 { state.badStamps += 1 }
                            if sender != nil { if echoed { state.echoed += 1 } else { state.echoRefused += 1 } }
                        }
                    },
                    batchEnd: {
                        record.observed.withLock { $0.batches += 1 }
                        if let sender { _ = try? sender.flush() }
                    })
            } catch {
                record.failure.withLock { $0 = error }
            }
        }
    }

    var received: Int { record.observed.withLock { $0.sequences.count } }

    /// Stops the loop and waits for its thread.
    func finish() {
        loop.stop()
        thread.join()
    }
}

/// Carries a value the test knows is used by one thread at a time.
struct UnsafeSendable<Value>: @unchecked Sendable {
    let value: Value
}
