import PortLeaseTransport
import PortLeaseWire
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite(
    "ReceiveLoop over loopback", .serialized,
    .enabled(if: IORingAvailability.available, "io_uring is unavailable here (see the printed reason)"))
struct ReceiveLoopTests {
    /// 10,000 datagrams of 4 to 1,403 bytes in bursts: every one arrives intact, from the client's
    /// port, to `::1`, with an interface index; replies through `SendRing` all come back.
    @Test func tenThousandDatagramsArriveAndAreEchoed() async throws {
        let client = TestClient()
        let harness = try LoopHarness(expectedSourcePort: client.port, echo: true)
        defer { harness.finish() }
        let port = harness.socket.localAddress.port
        let total = 10_000
        let burst = 25
        var echoes = Set<Int>()
        var wrongEchoSource = 0
        /// Takes one echo; false when none came within the client's timeout.
        func takeEcho() -> Bool {
            guard let reply = client.receive() else { return false }
            reply.bytes.withUnsafeBytes { bytes in
                if let sequence = checkTestDatagram(bytes) { echoes.insert(sequence) }
            }
            if reply.sourcePort != port || reply.source != loopback { wrongEchoSource += 1 }
            return true
        }
        for start in stride(from: 0, to: total, by: burst) {
            for sequence in start..<(start + burst) {
                #expect(client.send(testDatagram(sequence), toPort: port))
            }
            for _ in 0..<burst {
                guard takeEcho() else { break }
            }
        }
        // On a loaded machine an echo can miss its burst's wait and arrive later: take the rest.
        while echoes.count < total && takeEcho() {}
        #expect(await waitUntil { harness.received == total })
        let observed = harness.record.observed.withLock { $0 }
        #expect(observed.sequences.count == total)
        #expect(observed.corrupt == 0)
        #expect(observed.wrongSource.isEmpty)
        #expect(observed.wrongDestination.isEmpty)
        #expect(observed.zeroInterface == 0)
        #expect(observed.badStamps == 0, "each datagram carries the kernel's receive time (SO_TIMESTAMPNS)")
        #expect(observed.batches >= 1)
        #expect(echoes.count == total)
        #expect(wrongEchoSource == 0)
        #expect(harness.loop.statistics.received == total)
        #expect(harness.loop.statistics.truncated == 0)
        #expect(harness.record.failure.withLock { $0 } == nil)
    }

    /// On Linux 6.1 and later the ring runs with SINGLE_ISSUER | DEFER_TASKRUN (created disabled,
    /// enabled by the thread that runs it).
    @Test func usesDeferredTaskRunOnNewKernels() throws {
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let parts = release.split(separator: ".").prefix(2).compactMap { Int($0.prefix { $0.isNumber }) }
        let socket = try UDPSocket(bind: loopback, port: 0)
        let loop = try ReceiveLoop(sockets: [socket], bufferCount: 8, bufferSize: 512, entries: 8)
        if parts.count == 2, (parts[0], parts[1]) >= (6, 1) {
            #expect(loop.defersTaskRun)
        }
    }

    /// With SINGLE_ISSUER the ring belongs to the first thread that ran it: `run` from another
    /// thread fails with EEXIST instead of corrupting the ring.
    @Test func runFromASecondThreadIsRefused() async throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        let loop = try ReceiveLoop(sockets: [socket], bufferCount: 8, bufferSize: 512, entries: 8)
        guard loop.defersTaskRun else { return }
        let first = BackgroundThread { try? loop.run(handler: { _ in }, batchEnd: {}) }
        try await Task.sleep(for: .milliseconds(20))
        loop.stop()
        first.join()
        let record = LoopHarness.Record()
        let second = BackgroundThread {
            do throws(TransportError) {
                try loop.run(handler: { _ in }, batchEnd: {})
            } catch {
                record.failure.withLock { $0 = error }
            }
        }
        #expect(await waitUntil(seconds: 2) { second.isFinished })
        if !second.isFinished { loop.stop() }
        second.join()
        #expect(record.failure.withLock { $0 } == .systemCall("io_uring_submit_and_wait", errno: EEXIST))
    }

    /// `stop()` from another thread makes an idle `run` return: the stop wakes the loop, which
    /// does not wait for traffic. (The bound is a deadline for a hung loop, not a timing: how
    /// fast is a benchmark's question, and a loaded machine made a 1 s bound flaky.)
    @Test func stopEndsRunPromptly() async throws {
        let harness = try LoopHarness(expectedSourcePort: nil, echo: false)
        try await Task.sleep(for: .milliseconds(50))
        #expect(!harness.thread.isFinished)
        harness.loop.stop()
        #expect(await waitUntil(seconds: 5) { harness.thread.isFinished })
        harness.thread.join()
        #expect(harness.record.failure.withLock { $0 } == nil)
    }

    /// `run` can be called again after `stop()`; a `stop()` before `run` ends that run at once.
    @Test func runAgainAfterStop() async throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        let loop = try ReceiveLoop(sockets: [socket], bufferCount: 16, bufferSize: 512, entries: 8)
        let client = TestClient()
        loop.stop()
        let thread = BackgroundThread {
            var count = 0
            try? loop.run(handler: { _ in count += 1 }, batchEnd: {})
            try? loop.run(handler: { _ in count += 1 }, batchEnd: {})
        }
        client.send(testDatagram(1), toPort: socket.localAddress.port)
        #expect(await waitUntil { loop.statistics.received == 1 })
        loop.stop()
        thread.join()
    }

    /// A datagram larger than `bufferSize` is counted as truncated, not delivered, and the loop
    /// keeps receiving.
    @Test func oversizedDatagramIsCountedAsTruncated() async throws {
        let client = TestClient()
        let harness = try LoopHarness(expectedSourcePort: client.port, echo: false, bufferCount: 64, bufferSize: 512)
        defer { harness.finish() }
        let port = harness.socket.localAddress.port
        #expect(client.send([UInt8](repeating: 0xAB, count: 1200), toPort: port))
        #expect(await waitUntil { harness.loop.statistics.truncated == 1 })
        let fits = (0..<200).first { testDatagram($0).count <= 512 }!
        #expect(client.send(testDatagram(fits), toPort: port))
        #expect(await waitUntil { harness.received == 1 })
        #expect(harness.record.observed.withLock { $0.sequences } == [fits])
        #expect(harness.loop.statistics.truncated == 1)
    }

    /// With fewer buffers than queued datagrams, the multishot receive ends with ENOBUFS, is
    /// counted and re-armed, and every datagram still arrives.
    @Test func runningOutOfBuffersIsCountedAndRecovers() async throws {
        let socket = try UDPSocket(bind: loopback, port: 0)
        let loop = try ReceiveLoop(sockets: [socket], bufferCount: 4, bufferSize: 1500, entries: 8)
        let client = TestClient()
        for sequence in 0..<64 { #expect(client.send(testDatagram(sequence), toPort: socket.localAddress.port)) }
        let thread = BackgroundThread {
            try? loop.run(handler: { _ in }, batchEnd: {})
        }
        #expect(await waitUntil { loop.statistics.received == 64 })
        loop.stop()
        thread.join()
        let statistics = loop.statistics
        #expect(statistics.received == 64)
        #expect(statistics.noBuffers >= 1)
        #expect(statistics.rearms >= statistics.noBuffers)
    }

    /// Datagrams on two sockets report which socket they came in on.
    @Test func socketIndexNamesTheReceivingSocket() async throws {
        let first = try UDPSocket(bind: loopback, port: 0)
        let second = try UDPSocket(bind: loopback, port: 0)
        let loop = try ReceiveLoop(sockets: [first, second], bufferCount: 16, bufferSize: 2048, entries: 8)
        let seen = LoopHarness.Record()
        let thread = BackgroundThread {
            try? loop.run(
                handler: { datagram in
                    let sequence = checkTestDatagram(datagram.payload) ?? -1
                    seen.observed.withLock { _ = $0.sequences.insert(sequence * 10 + datagram.socketIndex) }
                }, batchEnd: {})
        }
        let client = TestClient()
        client.send(testDatagram(1), toPort: first.localAddress.port)
        client.send(testDatagram(2), toPort: second.localAddress.port)
        #expect(await waitUntil { loop.statistics.received == 2 })
        loop.stop()
        thread.join()
        #expect(seen.observed.withLock { $0.sequences } == [10, 21])
    }
}
