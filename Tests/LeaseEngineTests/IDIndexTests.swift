import Testing

@testable import LeaseEngine

/// The open-addressing id index behind the lease table, against a Dictionary model.
@Suite struct IDIndexTests {
    /// Random inserts and removals with many colliding hashes (few distinct hash
    /// values, so probe runs are long and backward-shift deletion is exercised):
    /// every key the model holds is found with its id, and no removed one is.
    @Test func matchesADictionaryUnderChurnAndCollisions() {
        var index = IDIndex()
        var model: [UInt64: UInt32] = [:]
        var generator = SystemRandomNumberGenerator()
        func hash(_ key: UInt64) -> UInt32 { UInt32(key % 97) }
        func position(_ key: UInt64, _ ids: [UInt32: UInt64]) -> Int? {
            index.find(hash(key)) { ids[$0] == key }
        }
        var keysByID: [UInt32: UInt64] = [:]
        var nextID: UInt32 = 0
        for step in 0..<20_000 {
            let key = UInt64.random(in: 0..<3_000, using: &generator)
            if let id = model[key] {
                let found = position(key, keysByID)
                #expect(found.map { index[$0] } == id, "step \(step): key \(key)")
                if let found, Bool.random(using: &generator) {
                    index.remove(at: found)
                    model[key] = nil
                    keysByID[id] = nil
                }
            } else {
                #expect(position(key, keysByID) == nil, "step \(step): key \(key) was removed")
                index.insert(hash(key), nextID)
                model[key] = nextID
                keysByID[nextID] = key
                nextID += 1
            }
            #expect(index.count == model.count)
        }
        for (key, id) in model {
            #expect(position(key, keysByID).map { index[$0] } == id)
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
}
