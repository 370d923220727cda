import PortLeaseTransport
import PortLeaseWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(
    "SendRing", .serialized,
    .enabled(if: IORingAvailability.available, "io_uring is unavailable here (see the printed reason)"))
struct SendRingTests {
    /// A batch of datagrams goes out in one flush and arrives intact at the client.
    @Test func flushSendsEveryEnqueuedDatagram() throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        let client = TestClient()
        let ring = try SendRing(capacity: 32, slotSize: 1500)
        let destination = SocketAddress6(address: loopback, port: client.port)
        for sequence in 0..<32 {
            let accepted = testDatagram(sequence).withUnsafeBytes {
                ring.enqueue($0, on: socket, to: destination, from: loopback)
            }
            #expect(accepted)
        }
        #expect(ring.pending == 32)
        #expect(try ring.flush() == 32)
        #expect(ring.pending == 0)
        var sequences = Set<Int>()
        for _ in 0..<32 {
            guard let reply = client.receive() else { break }
            #expect(reply.sourcePort == socket.localAddress.port)
            reply.bytes.withUnsafeBytes { if let sequence = checkTestDatagram($0) { sequences.insert(sequence) } }
        }
        #expect(sequences == Set(0..<32))
        #expect(ring.failures == 0)
        #expect(try ring.flush() == 0)
    }

    /// `enqueue` refuses when the ring is full or the datagram exceeds a slot.
    @Test func enqueueRefusesWhenFullOrTooBig() throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        let ring = try SendRing(capacity: 2, slotSize: 64)
        let destination = SocketAddress6(address: loopback, port: 9)
        let small = [UInt8](repeating: 1, count: 64)
        let big = [UInt8](repeating: 1, count: 65)
        #expect(!big.withUnsafeBytes { ring.enqueue($0, on: socket, to: destination) })
        #expect(small.withUnsafeBytes { ring.enqueue($0, on: socket, to: destination) })
        #expect(small.withUnsafeBytes { ring.enqueue($0, on: socket, to: destination) })
        #expect(!small.withUnsafeBytes { ring.enqueue($0, on: socket, to: destination) })
        #expect(try ring.flush() == 2)
    }

    /// A send that fails (here: an IPv4-mapped destination on a V6ONLY socket) is counted, with its
    /// errno, and does not stop the others in the batch.
    @Test func failedSendsAreCounted() throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        let client = TestClient()
        let ring = try SendRing(capacity: 4)
        let mapped = IPv6Address("::ffff:127.0.0.1")!
        let bytes = testDatagram(7)
        bytes.withUnsafeBytes { payload in
            _ = ring.enqueue(payload, on: socket, to: SocketAddress6(address: mapped, port: client.port))
            _ = ring.enqueue(payload, on: socket, to: SocketAddress6(address: loopback, port: client.port))
        }
        #expect(try ring.flush() == 1)
        #expect(ring.failures == 1)
        #expect(ring.lastFailureErrno != 0)
        #expect(client.receive()?.bytes == bytes)
    }

    /// A ring created on one thread is used from another (it binds to the first flusher).
    @Test func ringCreatedHereFlushesOnAnotherThread() throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        let client = TestClient()
        let ring = try SendRing(capacity: 4)
        let destination = SocketAddress6(address: loopback, port: client.port)
        let sent = LoopHarness.Record()
        let thread = BackgroundThread {
            let bytes = testDatagram(3)
            _ = bytes.withUnsafeBytes { ring.enqueue($0, on: socket, to: destination) }
            do throws(TransportError) {
                _ = try ring.flush()
            } catch {
                sent.failure.withLock { $0 = error }
            }
        }
        thread.join()
        #expect(sent.failure.withLock { $0 } == nil)
        #expect(client.receive()?.bytes == testDatagram(3))
    }
}
