import Testing

@testable import LeaseEngine

/// The open-addressing id index behind the lease table, against a Dictionary model.
@Suite struct IDIndexTests {
    /// Random inserts and removals with many colliding hashes (few distinct hash
    /// values, so probe runs are long and backward-shift deletion is exercised),
    /// through growth from empty and with ids beyond 16 bits: every key the model
    /// holds is found with its id, and no removed one is.
    @Test(arguments: [0, 70_000])
    func matchesADictionaryUnderChurnAndCollisions(firstID: Int) {
        var index = IDIndex()
        var model: [UInt64: UInt32] = [:]
        var generator = SystemRandomNumberGenerator()
        func hash(_ key: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: (key % 97) &* 0x9E37_79B1) }
        var keysByID: [UInt32: UInt64] = [:]
        func position(_ key: UInt64) -> Int? {
            index.find(hash(key)) { keysByID[$0] == key }
        }
        var nextID = UInt32(firstID)
        for step in 0..<20_000 {
            let key = UInt64.random(in: 0..<3_000, using: &generator)
            if let id = model[key] {
                let found = position(key)
                #expect(found.map { index[$0] } == id, "step \(step): key \(key)")
                if let found, Bool.random(using: &generator) {
                    index.remove(at: found)
                    model[key] = nil
                    keysByID[id] = nil
                }
            } else {
                #expect(position(key) == nil, "step \(step): key \(key) was removed")
                if step == 10_000 { nextID += 1 << 17 }
                keysByID[nextID] = key
                index.insert(hash(key), nextID)
                model[key] = nextID
                nextID += 1
            }
            #expect(index.count == model.count)
        }
        for (key, id) in model {
            #expect(position(key).map { index[$0] } == id)
        }
    }

    @Test func replacePointsAKeyToAnotherID() {
        var index = IDIndex()
        index.reserveCapacity(100)
        index.insert(7, 1)
        let found = index.find(7) { $0 == 1 }
        #expect(found != nil)
        if let found { index.replace(at: found, with: 2) }
        #expect(index.find(7) { $0 == 2 } != nil)
        #expect(index.find(7) { $0 == 1 } == nil)
        #expect(index.count == 1)
    }

    /// A probe compares the stored hash before asking about the id, so keys whose
    /// hashes differ are told apart without touching leases.
    @Test func aDifferentHashNeverReachesTheComparison() {
        var index = IDIndex()
        index.insert(0x1234_5600, 0)
        var asked = 0
        let found = index.find(0x1234_5601) { _ in
            asked += 1
            return true
        }
        #expect(found == nil)
        #expect(asked == 0)
    }
}
