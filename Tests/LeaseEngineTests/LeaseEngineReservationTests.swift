import LeaseEngine
import LeaseLog
import PortLeaseWire
import PortSetPool
import Testing

/// Reservations: the owner always gets its binding, nobody else ever does, and a lease from
/// before the reservation ends at start-up with a record that says so.
@Suite struct LeaseEngineReservationTests {
    static let owner = TestClient(500)
    static let address = IPv4Address(198, 51, 100, 1)
    /// PSID 37 of length 6 on the one address of the pool.
    static let reservation = Reservation(client: owner.key, address: address, psid: 37, psidLength: 6)

    /// One address, 64 port sets of length 6 (offset 6: none touches ports 0-1023).
    static func configuration(_ reservations: [Reservation] = [reservation]) -> EngineConfiguration {
        var configuration = Fixtures.configuration([Fixtures.sharedPool("map", "198.51.100.1", "198.51.100.1")])
        configuration.reservations = reservations
        return configuration
    }

    static func isReserved(_ exchange: Exchange) -> Bool {
        exchange.granted.map { $0.address == address && $0.psid == 37 && $0.psidLength == 6 } ?? false
    }

    @Test func theOwnerGetsItsPortSetAndNobodyElseDoesEvenWhenThePoolIsFull() throws {
        let harness = try EngineHarness(Self.configuration())
        var leased = 0
        for number in 1...70 {
            let exchange = harness.dora(TestClient(number))
            #expect(!Self.isReserved(exchange), "client \(number) got the reserved port set")
            if exchange.replyType == .ack {
                leased += 1
            } else {
                #expect(exchange.outcome == .dropped(.poolsExhausted))
            }
        }
        #expect(leased == 63)
        let ack = harness.dora(Self.owner)
        #expect(ack.replyType == .ack && Self.isReserved(ack))
        #expect(ack.records.map(\.event) == [.bind] && ack.records.first?.psid == 37)
        // A client asking for it by option 50 and 159 is given something else, or nothing.
        let asking = TestClient(99)
        let offer = harness.send(
            asking.message(
                .discover, requested: Self.address, portParams: try PortParams(offset: 6, psidLength: 6, psid: 37)),
            from: asking)
        #expect(!Self.isReserved(offer))
    }

    @Test func aReleasedReservationStaysOutOfThePoolForItsOwner() throws {
        let harness = try EngineHarness(Self.configuration())
        let ack = harness.dora(Self.owner)
        #expect(Self.isReserved(ack))
        harness.send(Self.owner.message(.release, ciaddr: Self.address, portParams: ack.portParams), from: Self.owner)
        #expect(harness.engine.lease(of: Self.owner.key) == nil)
        for number in 1...64 { #expect(!Self.isReserved(harness.dora(TestClient(number)))) }
        // Expired, too: the owner's lease runs out, and the set still waits for it.
        let again = harness.dora(Self.owner)
        #expect(Self.isReserved(again))
        harness.advance(seconds: 7200)
        #expect(harness.engine.lease(of: Self.owner.key) == nil)
        #expect(!Self.isReserved(harness.dora(TestClient(200))))
        #expect(Self.isReserved(harness.dora(Self.owner)))
    }

    @Test func anOwnerHoldingAnotherBindingIsMovedOntoItsReservation() throws {
        // The owner leased dynamically before its reservation was configured.
        let before = try EngineHarness(Self.configuration([]))
        let dynamic = before.dora(Self.owner)
        #expect(dynamic.replyType == .ack && !Self.isReserved(dynamic))
        let after = try EngineHarness(Self.configuration())
        for record in before.allRecords { after.engine.replay(record) }
        // Its renewal of the old binding is NAKed and the binding released...
        let renewal = after.send(
            Self.owner.message(.request, ciaddr: dynamic.yiaddr!, portParams: dynamic.portParams), from: Self.owner,
            unicast: true)
        #expect(renewal.replyType == .nak)
        #expect(renewal.records.map(\.event) == [.release])
        // ...and its DISCOVER is offered the reservation.
        #expect(Self.isReserved(after.dora(Self.owner)))
    }

    @Test func aLeaseFromBeforeTheReservationEndsAtStartUpWithAForcedRelease() throws {
        let before = try EngineHarness(Self.configuration([]))
        let holder = TestClient(7)
        let held = before.dora(holder, hint: try PortParams(offset: 6, psidLength: 6, psid: 37))
        let granted = try #require(held.granted)
        // The reservation is made for that very port set, and the server restarts.
        let reservation = Reservation(
            client: Self.owner.key, address: granted.address, psid: granted.psid, psidLength: granted.psidLength)
        let after = try EngineHarness(Self.configuration([reservation]))
        for record in before.allRecords { after.engine.replay(record) }
        var records: [LeaseRecord] = []
        let ended = after.engine.yieldReservations(now: after.now, records: &records)
        #expect(ended.map(\.0) == [holder.key])
        #expect(records.map(\.event) == [.forcedRelease])
        #expect(records.first?.clientKey == holder.key && records.first?.psid == granted.psid)
        // The holder's renewal is NAKed; the owner gets the set.
        let renewal = after.send(
            holder.message(.request, ciaddr: granted.address, portParams: held.portParams), from: holder, unicast: true)
        #expect(renewal.replyType == .nak)
        let ack = after.dora(Self.owner)
        #expect(ack.granted?.psid == granted.psid && ack.granted?.address == granted.address)
        // The owner's own lease, replayed, is kept as it is.
        let again = try EngineHarness(Self.configuration([reservation]))
        for record in before.allRecords + records + after.allRecords { again.engine.replay(record) }
        var none: [LeaseRecord] = []
        #expect(again.engine.yieldReservations(now: again.now, records: &none).isEmpty && none.isEmpty)
        #expect(again.engine.lease(of: Self.owner.key)?.binding.psid == granted.psid)
    }

    @Test func aHolderIsFoundInStepsAndItsLeaseEndedForAReservationMadeLater() throws {
        let harness = try EngineHarness(Self.configuration([]))
        for number in 1...40 { harness.dora(TestClient(number)) }
        let target = try #require(harness.engine.lease(of: TestClient(33).key)?.binding)
        // Steps of 7 slots: the holder turns up in one of them, and the search ends after the table.
        var start: Int? = 0
        var found: ClientKey?
        var steps = 0
        while let from = start, found == nil {
            (found, start) = harness.engine.holder(of: target, scanningFrom: from, count: 7)
            steps += 1
        }
        #expect(found == TestClient(33).key && steps > 1)
        #expect(
            harness.engine.holder(of: Binding(address: IPv4Address(198, 51, 100, 2), psid: 1, psidLength: 6, pool: 0))
                == nil)
        // Reserved for the owner now: the holder's lease ends with a forced release, and the
        // slots stay out of the pool (nobody else gets them, the owner does).
        harness.engine.addReservation(
            Reservation(
                client: Self.owner.key, address: target.address, psid: target.psid, psidLength: target.psidLength),
            binding: target)
        var records: [LeaseRecord] = []
        #expect(
            harness.engine.yieldReservation(target, heldBy: TestClient(33).key, now: harness.now, records: &records))
        #expect(records.map(\.event) == [.forcedRelease])
        #expect(
            !harness.engine.yieldReservation(target, heldBy: TestClient(33).key, now: harness.now, records: &records))
        for number in 41...70 { #expect(harness.dora(TestClient(number)).granted?.psid != target.psid) }
        #expect(harness.dora(Self.owner).granted?.psid == target.psid)
        // Removed again while the owner holds it: the owner keeps its lease, and its release
        // gives the slots back to the pool.
        #expect(harness.engine.removeReservation(of: .client(Self.owner.key)) == target)
        #expect(!harness.engine.releaseIfUnheld(target, by: .client(Self.owner.key)))
    }

    @Test func aFullAddressIsReservedInAFullPool() throws {
        var configuration = Fixtures.configuration([Fixtures.fullPool()])
        let client = TestClient(3, wantsPortParams: false)
        configuration.reservations = [Reservation(client: client.key, address: IPv4Address(203, 0, 113, 18))]
        let harness = try EngineHarness(configuration)
        for number in 10...14 {
            #expect(harness.dora(TestClient(number, wantsPortParams: false)).yiaddr != IPv4Address(203, 0, 113, 18))
        }
        #expect(harness.dora(client).yiaddr == IPv4Address(203, 0, 113, 18))
    }

    static let refused: [(Reservation, String)] = [
        (
            Reservation(client: TestClient(1).key, address: IPv4Address(198, 51, 101, 1), psid: 1, psidLength: 6),
            "in no pool"
        ),
        (Reservation(client: TestClient(1).key, address: address), "shared pool"),
        (
            Reservation(client: TestClient(1).key, address: address, psid: 1, psidLength: 3),
            "offers PSID lengths 4, 5, 6"
        ),
    ]

    @Test(arguments: 0..<3)
    func aReservationThePoolCannotHoldIsRefused(_ index: Int) throws {
        let (reservation, reason) = Self.refused[index]
        #expect {
            _ = try LeaseEngine.makePools(for: Self.configuration([reservation]), shards: 1)
        } throws: { error in
            guard case .invalidReservation(let refused, let text) = error as? EngineError else { return false }
            return refused == reservation && text.contains(reason)
        }
    }

    @Test func twoForOneClientOverlapsAndReservedPortsAreRefused() throws {
        let second = Reservation(client: Self.owner.key, address: Self.address, psid: 2, psidLength: 6)
        let overlapping = Reservation(client: TestClient(2).key, address: Self.address, psid: 9, psidLength: 4)
        for (list, reason) in [
            ([Self.reservation, second], "another reservation"), ([Self.reservation, overlapping], "overlaps"),
        ] {
            #expect {
                _ = try LeaseEngine.makePools(for: Self.configuration(list), shards: 1)
            } throws: { error in
                guard case .invalidReservation(_, let text) = error as? EngineError else { return false }
                return text.contains(reason)
            }
        }
        // Offset 0: PSID 0 of length 6 is ports 0-1023, the pool's reserved ports.
        var configuration = Fixtures.configuration([
            Fixtures.sharedPool("lw4o6", "198.51.100.1", "198.51.100.1", offset: 0)
        ])
        configuration.reservations = [
            Reservation(client: Self.owner.key, address: Self.address, psid: 0, psidLength: 6)
        ]
        #expect {
            _ = try LeaseEngine.makePools(for: configuration, shards: 1)
        } throws: { error in
            guard case .invalidReservation(_, let text) = error as? EngineError else { return false }
            return text.contains("reserved ports")
        }
    }
}
