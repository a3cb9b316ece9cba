/// An engine thread's place at the port, for the visits of
/// `PortNotifier.deliver`. Owned by that thread; the arrays are reused, not
/// allocated per visit.
final class PortVisit {
    let worker: CompletionPort<Overlapped>.Worker
    /// True while the thread runs port completions: what its handlers
    /// complete at once meanwhile waits in `deferred`.
    var active = false
    var batch: [Overlapped?] = []
    var deferred: [Overlapped] = []
    var posting: [Overlapped] = []

    init(name: String) {
        worker = CompletionPort<Overlapped>.Worker(name: name)
    }
}
