@testable import OverlapCore
import OverlapModel
import OverlapSystem
import OverlapTestSupport
import Synchronization
import Testing

extension ModeRouter {
    /// The notifiers by their types, for tests that look inside one.
    var events: EventNotifier { notifier(.event) as! EventNotifier }
    var callback: CallbackNotifier { notifier(.callback) as! CallbackNotifier }
    var port: PortNotifier { notifier(.port) as! PortNotifier }
}

extension CoreTests {
    /// The notification modes, driven deterministically through the manual engine.
    @Suite
    struct ModeTests {
        @Test("event mode: the 65th pending request opens a second wait group, which closes when drained")
        func eventGroups() throws {
            let rig = try ModeRig(mode: .event)
            let target = LogTarget()
            let requests = (0..<65).map { rig.post(id: Int32($0), target: target) }
            #expect(rig.router.events.groupSizes == [64, 1])
            #expect(rig.alive { if case .eventWaiter = $0 { true } else { false } } == ["event-0", "event-1"])
            #expect(Set(requests[0..<64].compactMap { r -> Int? in
                if case .event(_, let slot) = r.ticket { slot } else { nil }
            }) == Set(0..<64))

            // The 65th request's completion drains the second group: its waiter exits.
            rig.engine.complete([requests[64]])
            #expect(waitUntil { rig.router.events.groupSizes == [64] })
            #expect(waitUntil { rig.alive { if case .eventWaiter = $0 { true } else { false } } == ["event-0"] })
            #expect(target.entries == [.init(id: 64, thread: "event-1", mode: .event)])

            rig.engine.complete(Array(requests[0..<64]))
            #expect(waitUntil { rig.router.events.groupSizes.isEmpty })
            #expect(waitUntil { rig.alive { if case .eventWaiter = $0 { true } else { false } }.isEmpty })
            #expect(target.entries.count == 65)
            #expect(target.entries.allSatisfy { $0.mode == .event })
            // The events log tells each group's life, with the Win32 limit behind it.
            let lines = rig.events.events.map(\.message)
            #expect(lines.contains("event group 0 opened: its waiter event-0 waits on up to 64 events (WSA_MAXIMUM_WAIT_EVENTS)"))
            #expect(lines.contains { $0.hasPrefix("event group 1 opened, waiter event-1: the other groups hold 64 events each") })
            #expect(lines.contains("event group 1 closed: its last event is gone, event-1 exits"), "\(lines)")
            let c = rig.counts
            #expect(c.pending.total == 0 && c.queued == [0, 0, 0] && c.delivered[.recv, .event] == 65)
            rig.router.stop()
        }

        @Test("event mode: one wake harvests every signalled event of the group, lowest slot first")
        func eventHarvest() throws {
            let rig = try ModeRig(mode: .event)
            let target = LogTarget(holdOn: [0])
            let requests = (0..<10).map { rig.post(id: Int32($0), target: target) }
            // The waiter runs request 0's handler and is held there.
            rig.engine.complete([requests[0]])
            #expect(waitUntil { target.entries.count == 1 })
            // Meanwhile three events are set, in no particular order.
            rig.engine.complete([requests[7]])
            rig.engine.complete([requests[3]])
            rig.engine.complete([requests[5]])
            #expect(waitUntil { rig.counts.queued[NotificationMode.event.index] == 3 })
            target.gate.signal()
            // Released, the waiter takes all three at once and runs them by slot.
            #expect(waitUntil { target.entries.count == 4 })
            #expect(target.entries.map(\.id) == [0, 3, 5, 7])
            #expect(rig.router.events.harvests == 2, "one wake for request 0, one for the three others")
            rig.engine.complete(requests.filter { ![0, 3, 5, 7].contains($0.result) })
            #expect(waitUntil { rig.router.events.groupSizes.isEmpty })
            rig.router.stop()
        }

        @Test("callback mode: a routine runs on its own APC thread only, first-in first-out")
        func callbackThreads() throws {
            let rig = try ModeRig(mode: .callback, threads: 3)
            #expect(rig.alive { if case .apcThread = $0 { true } else { false } }.sorted() == ["apc-0", "apc-1", "apc-2"])
            let target = LogTarget()
            // Twelve requests from sessions pinned to APC threads 0, 1 and 2 in turn.
            let requests = (0..<12).map { rig.post(id: Int32($0), home: $0 % 3, target: target) }
            // One engine batch in a shuffled order: each thread still runs its own, in completion order.
            let order = [4, 0, 9, 1, 2, 5, 11, 3, 8, 6, 7, 10]
            rig.engine.complete(order.map { requests[$0] })
            #expect(waitUntil { target.entries.count == 12 })
            for home in 0..<3 {
                let mine = target.entries.filter { $0.thread == "apc-\(home)" }.map(\.id)
                #expect(mine == order.filter { $0 % 3 == home }.map(Int32.init), "APC thread \(home)")
            }
            rig.router.stop()
            #expect(rig.alive { _ in true } == ["manual-engine", "control"])
        }

        @Test("a switch changes new requests only; old ones finish in their mode, whose threads then retire")
        func switchKeepsOldModes() throws {
            let rig = try ModeRig(mode: .port)
            let target = LogTarget()
            let old = (0..<3).map { rig.post(id: Int32($0), target: target) }
            #expect(rig.router.switchMode(to: .callback))
            #expect(!rig.router.switchMode(to: .callback), "switching to the current mode changes nothing")
            let new = (3..<5).map { rig.post(id: Int32($0), home: 1, target: target) }
            #expect(old.allSatisfy { $0.mode == .port } && new.allSatisfy { $0.mode == .callback })
            // Port workers stay while port requests are pending.
            #expect(rig.alive { $0 == .portWorker }.count == 2)

            rig.engine.complete([old[0], new[0], old[1], new[1]])
            #expect(waitUntil { target.entries.count == 4 })
            #expect(rig.alive { $0 == .portWorker }.count == 2, "one port request is still pending")
            rig.engine.complete([old[2]])
            #expect(waitUntil { target.entries.count == 5 })
            for e in target.entries {
                #expect(e.mode == (e.id < 3 ? .port : .callback))
                #expect(e.thread.hasPrefix(e.id < 3 ? "port-" : "apc-1"))
            }
            // The last port request delivered, port mode has drained: its workers retire, and say so.
            #expect(waitUntil { rig.alive { $0 == .portWorker }.isEmpty })
            #expect(rig.events.events.contains { $0.message == "port mode's 2 workers retired: nothing is left in port mode" })
            #expect(rig.router.switches == 1)

            // A request posted in port mode after the workers left (a poster that
            // read the mode just before a switch) is still delivered.
            let late = Overlapped(kind: .recv, socket: rig.socket)
            PostPath(router: rig.router, engine: rig.engine).post(late, in: .port, target: target, home: 0, from: rig.control)
            late.result = 99
            rig.engine.complete([late])
            #expect(waitUntil { target.entries.count == 6 })
            #expect(target.entries.last?.mode == .port)
            #expect(waitUntil { rig.alive { $0 == .portWorker }.isEmpty }, "and the revived workers retire again")
            rig.router.stop()
        }

        @Test("thread names are stable slots: after a mode retires and comes back, apc-K is queue K and port-K slot K")
        func stableNames() throws {
            let rig = try ModeRig(mode: .port, threads: 2)
            #expect(rig.alive { $0 == .portWorker }.sorted() == ["port-0", "port-1"])
            #expect(rig.router.switchMode(to: .callback))
            #expect(waitUntil { rig.alive { $0 == .portWorker }.isEmpty }, "port mode had nothing pending: it retires")
            #expect(rig.alive { if case .apcThread = $0 { true } else { false } }.sorted() == ["apc-0", "apc-1"])
            #expect(rig.router.switchMode(to: .port))
            #expect(waitUntil { rig.alive { if case .apcThread = $0 { true } else { false } }.isEmpty })
            #expect(rig.alive { $0 == .portWorker }.sorted() == ["port-0", "port-1"], "the same names again")
            #expect(rig.router.switchMode(to: .callback))
            let target = LogTarget()
            let r = rig.post(id: 7, home: 1, target: target)
            rig.engine.complete([r])
            #expect(waitUntil { target.entries.count == 1 })
            #expect(target.entries.first?.thread == "apc-1", "queue 1's routine runs on apc-1")
            rig.router.stop()
        }
    }
}

extension CoreTests {
    /// Callback mode as the course teaches it: AcceptEx takes no completion
    /// routine, so the accept's event waits in an APC thread's alertable wait.
    @Suite
    struct AcceptExTests {
        @Test("callback mode: the accept is announced by an event apc-0 waits on, and routines queued meanwhile run first")
        func acceptAfterRoutines() throws {
            let rig = try ModeRig(mode: .callback, threads: 2)
            let target = LogTarget(holdOn: [0])
            let a = rig.post(id: 0, home: 0, target: target)
            let b = rig.post(id: 1, home: 0, target: target)
            let accept = Overlapped(kind: .accept, socket: rig.socket)
            PostPath(router: rig.router, engine: rig.engine).post(accept, target: target, home: 1, from: rig.control)
            accept.result = 2
            let c = rig.post(id: 3, home: 0, target: target)
            #expect(accept.mode == .event, "AcceptEx: an event object, not an APC")
            #expect(rig.counts.pending[.accept, .event] == 1 && rig.counts.pending[.accept, .callback] == 0)
            rig.engine.complete([a])
            #expect(waitUntil { rig.counts.delivered.total == 1 })  // A runs on apc-0 and holds it
            rig.engine.complete([b, accept, c])  // the event is set between two routines
            target.gate.signal()
            #expect(waitUntil { target.entries.count == 4 })
            #expect(target.entries.map(\.id) == [0, 1, 3, 2], "B and C ran before the accept: \(target.entries.map(\.id))")
            #expect(target.entries.allSatisfy { $0.thread == "apc-0" }, "apc-0 holds the accept event")
            #expect(target.entries.first { $0.id == 2 }?.mode == .event)
            // Waits: A's wait, then one that returned for B and C and went on to the event: three.
            let apc0 = rig.registry.live.first { $0.name == "apc-0" }!
            #expect(apc0.value(ThreadStats.Slot.waits) == 3)
            rig.router.stop()
        }

        @Test("event wakes count what each waiter harvested")
        func eventWakes() throws {
            let rig = try ModeRig(mode: .event)
            let target = LogTarget()
            let requests = (0..<5).map { rig.post(id: Int32($0), target: target) }
            rig.engine.complete(Array(requests[0..<3]))  // three events set at once: one wake
            #expect(waitUntil { target.entries.count == 3 })
            rig.engine.complete([requests[3]])
            #expect(waitUntil { target.entries.count == 4 })
            rig.engine.complete([requests[4]])
            #expect(waitUntil { target.entries.count == 5 })
            // The group emptied, so its waiter may have retired already.
            let row = rig.registry.live.first { $0.name == "event-0" }?.row()
                ?? rig.registry.retiredRows.first { $0.name == "event-0" }!
            #expect(row.waits == 3 && row.completions == 5, "3 wakes harvested 3, 1 and 1 events: \(row.waits) wakes")
            rig.router.stop()
        }
    }
}
