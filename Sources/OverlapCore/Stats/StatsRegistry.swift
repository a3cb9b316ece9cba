import OverlapModel
import Synchronization

/// Every thread's counter block, alive or retired: retired blocks stay so that
/// totals never go backwards.
final class StatsRegistry: Sendable {
    private let blocks = Locked<[ThreadStats]>([])
    private let nextID = Atomic<Int>(0)

    func register(name: String, role: ThreadRole, mode: NotificationMode?) -> ThreadStats {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let stats = ThreadStats(id: id, name: name, role: role, mode: mode)
        blocks.withLock { $0.append(stats) }
        return stats
    }

    var all: [ThreadStats] { blocks.withLock { $0 } }

    /// Requests by stage, summed over `list`. Later stages are read first:
    /// whatever was delivered was completed and whatever was completed was
    /// posted, so pending (posted - completed) and queued (completed -
    /// delivered) never read negative however the threads race the reader.
    func requestCounts(in list: [ThreadStats]) -> RequestCounts {
        var c = RequestCounts()
        for (slot, stage) in [(ThreadStats.Slot.delivered, 0), (ThreadStats.Slot.completed, 1), (ThreadStats.Slot.posted, 2)] {
            for op in OpKind.allCases {
                for m in NotificationMode.allCases {
                    let v = Int64(bitPattern: sum(ThreadStats.opSlot(slot, op, m), in: list))
                    switch stage {
                    case 0: c.delivered[op, m] = v
                    case 1: c.completed[op, m] = v
                    default: c.posted[op, m] = v
                    }
                }
            }
        }
        return c
    }

    /// Requests posted in `mode` whose completion has not been delivered yet.
    /// `requestCounts` reads delivered before posted, so the figure is never
    /// too low: zero means every request posted in that mode has been handled.
    func outstanding(_ mode: NotificationMode) -> Int64 {
        let c = requestCounts(in: all)
        return c.posted.total(mode: mode) - c.delivered.total(mode: mode)
    }

    /// Sum of one slot over every block.
    func sum(_ slot: Int, in list: [ThreadStats]) -> UInt64 {
        list.reduce(0) { $0 &+ $1.value(slot) }
    }
}
