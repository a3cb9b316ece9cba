@testable import OverlapCore
import OverlapModel
import Testing

extension CoreTests {
    /// A block parked while its writer may still count into it (port mode's
    /// visit row when the workers retire mid-visit) loses no count.
    struct ParkedStatsTests {
        @Test("counts made after a block is parked stay in the sums; off the live list, back on unpark, folded on retire")
        func parkedCountsStay() {
            let registry = StatsRegistry()
            let row = registry.register(name: "port-v", role: .portVisits, mode: .port)
            let slot = ThreadStats.opSlot(ThreadStats.Slot.posted, .recv, .event)
            row.add(slot)
            registry.park(row)
            row.add(slot)  // the engine thread was still inside a visit
            #expect(registry.withView { $0.sum(slot) } == 2)
            #expect(!registry.live.contains { $0 === row } && registry.parkedRows.map(\.name) == ["port-v"])
            registry.unpark(row)
            #expect(registry.live.contains { $0 === row } && registry.parkedRows.isEmpty)
            registry.park(row)
            registry.retire(row)
            row.add(slot)  // after retire nothing may write: this one is not counted
            #expect(registry.withView { $0.sum(slot) } == 2 && registry.parkedRows.isEmpty)
        }
    }
}
